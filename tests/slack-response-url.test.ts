import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./helpers/app.ts";

// Slack waits 3 s for a slash command. An answer that misses the deadline is
// acknowledged at once and POSTed to the command's response_url, here a
// loopback server whose prefix the test allows. The deadline is injected as 0
// ("always late"), so no test sleeps; the race itself is unit-tested in
// src/services/slack-responses.test.ts.
const SECRET = "response-url-signing-secret-000001";
const TOKEN_PATH = "T0HOOKS/1234567890/sEcReTrEsPoNsEtOkEn";

interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

let hooks: Server;
let received: Received[] = [];
let base: string;
let t: TestApp;
const lines: string[] = [];

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", contentType: req.headers["content-type"], body });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;

  t = await createTestApp({
    slack: { deadlineMs: 0, responseUrlPrefixes: [`${base}/hooks/`] },
    logLevel: "info",
    logStream: { write: (line) => void lines.push(line) },
  });
  const ana = await t.person({ name: "Ana", timeZone: "Europe/Lisbon" });
  const schedule = await t.admin.post("/v1/schedules", {
    name: "Platform",
    timeZone: "Europe/Lisbon",
    layers: [{ participants: [ana.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-01-05" }],
  });
  expect(schedule.status).toBe(201);
  expect((await t.admin.post("/v1/slack/workspaces", { slackTeamId: "T0HOOKS", name: "Hooks", signingSecret: SECRET, defaultScheduleId: schedule.body.id })).status).toBe(201);
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => hooks.close(() => resolve()));
});

async function slash(text: string, responseUrl: string | null) {
  const form: Record<string, string> = { team_id: "T0HOOKS", user_id: "U0NOBODY", command: "/oncall", text };
  if (responseUrl !== null) form.response_url = responseUrl;
  const body = new URLSearchParams(form).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac("sha256", SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return t.anonymous.request("POST", "/v1/slack/commands", {
    rawBody: body,
    headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature },
  });
}

describe("an answer later than the deadline goes through response_url", () => {
  it("Slack gets an ephemeral “Working on it…” at once, then the full answer is POSTed as JSON to the response_url", async () => {
    received = [];
    const res = await slash("platform", `${base}/hooks/commands/${TOKEN_PATH}`);
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe("ephemeral");
    expect(res.body.text).toContain("Working on it…");
    expect(res.body.text).not.toContain("Ana");

    await t.app.slackResponder.drain();
    expect(received).toHaveLength(1);
    const [post] = received;
    expect(post!.method).toBe("POST");
    expect(post!.url).toBe(`/hooks/commands/${TOKEN_PATH}`);
    expect(post!.contentType).toContain("application/json");
    const message = JSON.parse(post!.body);
    expect(message.response_type).toBe("in_channel");
    expect(message.blocks[0].text.text).toContain("Now on call for *Platform*: *Ana*");
  });

  it("help and errors keep their ephemeral type when they arrive late", async () => {
    received = [];
    await slash("help", `${base}/hooks/commands/${TOKEN_PATH}`);
    await t.app.slackResponder.drain();
    expect(JSON.parse(received[0]!.body).response_type).toBe("ephemeral");
  });

  it("the log says it was delivered, with the origin only: never the response_url's token path", async () => {
    const delivered = lines.map((l) => JSON.parse(l) as { msg: string; responseUrlOrigin?: string }).filter((l) => l.msg.includes("response_url"));
    expect(delivered.some((l) => l.msg.includes("delivered") && l.responseUrlOrigin === base)).toBe(true);
    expect(lines.join("\n")).not.toContain("sEcReTrEsPoNsEtOkEn");
  });
});

describe("a response_url outside the allowed prefix is never called (SSRF)", () => {
  it.each([
    ["the same server, another path", () => `${base}/admin/shutdown/${TOKEN_PATH}`],
    ["a host that only starts like an allowed one", () => `${base.replace("127.0.0.1", "127.0.0.1.nip.io")}/hooks/${TOKEN_PATH}`],
    ["credentials smuggled before the host", () => `http://user@${base.slice("http://".length)}/hooks/${TOKEN_PATH}`],
    ["a path that climbs out of the prefix", () => `${base}/hooks/../admin/${TOKEN_PATH}`],
    ["Slack's own host, not allowed on this server", () => `https://hooks.slack.com/commands/${TOKEN_PATH}`],
    ["not a URL", () => `not a url ${TOKEN_PATH}`],
  ])("%s: the answer is given inline, nothing is POSTed, and the refusal logged without the token", async (_label, url) => {
    received = [];
    lines.length = 0;
    const res = await slash("platform", url());
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe("in_channel");
    expect(res.body.text).toContain("Now on call for *Platform*: *Ana*");
    await t.app.slackResponder.drain();
    expect(received).toEqual([]);
    const refused = lines.map((l) => JSON.parse(l) as { msg: string; level: number }).find((l) => l.msg.includes("response_url refused"));
    expect(refused?.level).toBe(40);
    expect(lines.join("\n")).not.toContain("sEcReTrEsPoNsEtOkEn");
  });

  it("no response_url at all: answered inline, nothing logged about it", async () => {
    received = [];
    lines.length = 0;
    const res = await slash("platform", null);
    expect(res.body.text).toContain("Now on call for *Platform*: *Ana*");
    await t.app.slackResponder.drain();
    expect(received).toEqual([]);
    expect(lines.join("\n")).not.toContain("response_url");
  });
});
