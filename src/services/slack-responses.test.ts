import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SlackMessage } from "../slack/message.ts";
import { allowedResponseUrl, type ResponderLog, SlackResponder } from "./slack-responses.ts";

const SLACK = ["https://hooks.slack.com/"];

describe("which response_url may be called", () => {
  it.each([
    "https://hooks.slack.com/commands/T1/2/abc",
    "https://HOOKS.slack.com/commands/T1/2/abc",
    "https://hooks.slack.com:443/commands/T1/2/abc",
    "  https://hooks.slack.com/actions/T1/2/abc ",
  ])("%j is under https://hooks.slack.com/", (url) => {
    expect(allowedResponseUrl(url, SLACK).ok).toBe(true);
  });

  it.each([
    ["http://hooks.slack.com/commands/x", "not_allowed"],
    ["https://hooks.slack.com.evil.test/commands/x", "not_allowed"],
    ["https://hooks.slack.com@evil.test/commands/x", "not_allowed"],
    ["https://evil.test@hooks.slack.com/commands/x", "not_allowed"],
    ["https://hooks.slack.com:8443/commands/x", "not_allowed"],
    ["https://evil.test/https://hooks.slack.com/", "not_allowed"],
    ["https://hooks.slack.com/commands/x#frag", "not_allowed"],
    ["http://127.0.0.1/", "not_allowed"],
    ["http://169.254.169.254/latest/meta-data/", "not_allowed"],
    ["file:///etc/passwd", "not_allowed"],
    ["//hooks.slack.com/commands/x", "malformed"],
    ["hooks.slack.com/commands/x", "malformed"],
    ["", "missing"],
  ])("%j is refused (%s)", (url, reason) => {
    expect(allowedResponseUrl(url, SLACK)).toEqual({ ok: false, reason });
  });

  it("a missing field is missing; nothing is allowed under no prefix", () => {
    expect(allowedResponseUrl(null, SLACK)).toEqual({ ok: false, reason: "missing" });
    expect(allowedResponseUrl("https://hooks.slack.com/commands/x", [])).toEqual({ ok: false, reason: "not_allowed" });
  });
});

describe("answering within Slack's deadline, else through response_url", () => {
  let server: Server;
  let base: string;
  const posts: { url: string; body: unknown }[] = [];
  const logged: { level: string; obj: object; msg: string }[] = [];
  const log: ResponderLog = {
    info: (obj, msg) => void logged.push({ level: "info", obj, msg }),
    warn: (obj, msg) => void logged.push({ level: "warn", obj, msg }),
    error: (obj, msg) => void logged.push({ level: "error", obj, msg }),
  };
  const answer: SlackMessage = { response_type: "in_channel", text: "Ana is on call", blocks: [{ type: "section", text: { type: "mrkdwn", text: "Ana is on call" } }] };
  /** An answer ready after `ms` (a few ms, never seconds: the deadline is what the tests vary). */
  const after = (ms: number, value: SlackMessage = answer) => () => new Promise<SlackMessage>((resolve) => setTimeout(() => resolve(value), ms));
  const form = (path = "/hooks/T1/2/token-path-secret") => new URLSearchParams({ response_url: `${base}${path}` });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        posts.push({ url: req.url ?? "", body: JSON.parse(body) });
        // A redirect must not be followed elsewhere.
        if (req.url?.includes("redirect")) res.writeHead(302, { location: `${base}/elsewhere` }).end();
        else res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("ready before the deadline: answered inline, nothing POSTed", async () => {
    posts.length = 0;
    const responder = new SlackResponder({ deadlineMs: 1000, allowedPrefixes: [`${base}/hooks/`] });
    expect(await responder.respond(form(), after(1), log)).toEqual(answer);
    await responder.drain();
    expect(posts).toEqual([]);
  });

  it("slower than the deadline: acknowledged at once, then POSTed when ready", async () => {
    posts.length = 0;
    const responder = new SlackResponder({ deadlineMs: 5, allowedPrefixes: [`${base}/hooks/`] });
    const first = await responder.respond(form(), after(60), log);
    expect(first.response_type).toBe("ephemeral");
    expect(first.text).toContain("Working on it…");
    expect(responder.pending).toBe(1);
    await responder.drain();
    expect(responder.pending).toBe(0);
    expect(posts).toEqual([{ url: "/hooks/T1/2/token-path-secret", body: answer }]);
  });

  it("a failure after the acknowledgement is still answered, with an apology, and logged", async () => {
    posts.length = 0;
    logged.length = 0;
    const responder = new SlackResponder({ deadlineMs: 0, allowedPrefixes: [`${base}/hooks/`] });
    await responder.respond(form(), () => Promise.reject(new Error("database went away")), log);
    await responder.drain();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("something went wrong") });
    expect(logged.some((l) => l.level === "error")).toBe(true);
  });

  it("a failure before the deadline is an ephemeral apology inline, not a 500", async () => {
    const responder = new SlackResponder({ deadlineMs: 1000, allowedPrefixes: [`${base}/hooks/`] });
    const message = await responder.respond(form(), () => Promise.reject(new Error("boom")), log);
    expect(message).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("something went wrong") });
  });

  it("a redirect from the response_url is not followed; the log has the origin, never the path", async () => {
    posts.length = 0;
    logged.length = 0;
    const responder = new SlackResponder({ deadlineMs: 0, allowedPrefixes: [`${base}/hooks/`] });
    await responder.respond(form("/hooks/redirect/token-path-secret"), after(1), log);
    await responder.drain();
    expect(posts.map((p) => p.url)).toEqual(["/hooks/redirect/token-path-secret"]);
    const warning = logged.find((l) => l.level === "warn");
    expect(warning?.msg).toContain("could not deliver");
    expect(warning?.obj).toMatchObject({ responseUrlOrigin: base });
    expect(JSON.stringify(logged)).not.toContain("token-path-secret");
  });

  it("a URL outside the prefixes is never called, however slow the answer", async () => {
    posts.length = 0;
    logged.length = 0;
    const responder = new SlackResponder({ deadlineMs: 0, allowedPrefixes: [`${base}/hooks/`] });
    expect(await responder.respond(form("/other/token-path-secret"), after(20), log)).toEqual(answer);
    await responder.drain();
    expect(posts).toEqual([]);
    expect(logged).toEqual([{ level: "warn", obj: { reason: "not_allowed", responseUrlOrigin: base }, msg: expect.stringContaining("refused") }]);
  });
});
