import { createHmac, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slackWorkspaces } from "../src/db/schema/index.ts";
import { createSecretBox } from "../src/services/secrets.ts";
import { sealClearSlackSecrets } from "../src/services/slack.ts";
import { createTestApp, TEST_SECRET_KEY, type Client, type TestApp } from "./helpers/app.ts";

// /oncall in Slack (the Elementary write-up: "type /oncall to know who is on call").
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
let t: TestApp;
let maya: Client & { personId: string };
let noa: Client & { personId: string };
let scheduleId: string;

beforeAll(async () => {
  t = await createTestApp();
  const team = await t.team({ name: "Community success", timeZone: "Asia/Jerusalem" });
  maya = await t.person({ name: "Maya", timeZone: "Asia/Jerusalem" });
  noa = await t.person({ name: "Noa", timeZone: "Europe/Lisbon" });
  await t.admin.patch(`/v1/people/${maya.personId}`, { chatUserId: "U0MAYA1" });
  const schedule = await t.admin.post("/v1/schedules", {
    name: "Community",
    timeZone: "Asia/Jerusalem",
    teamId: team.id,
    layers: [{ participants: [maya.personId, noa.personId], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-01-05" }],
  });
  scheduleId = schedule.body.id;
  await t.admin.post("/v1/schedules", { name: "Support EU", timeZone: "Europe/Paris", layers: [{ participants: [noa.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-01-05" }] });
  const ws = await t.admin.post("/v1/slack/workspaces", { slackTeamId: "T0001", name: "Elementary", signingSecret: SECRET, defaultScheduleId: scheduleId });
  expect(ws.status).toBe(201);
});
afterAll(() => t.close());

/** The form body exactly as Slack builds it. */
function slackBody(text: string, team = "T0001") {
  return new URLSearchParams({
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    team_id: team,
    team_domain: "elementary-community",
    channel_id: "C2147483705",
    channel_name: "support",
    user_id: "U2147483697",
    user_name: "steve",
    command: "/oncall",
    text,
    api_app_id: "A123456",
    is_enterprise_install: "false",
    response_url: "https://hooks.slack.com/commands/T0001/1234/abcd",
    trigger_id: "13345224609.738474920.8088930838d88f008e0",
  }).toString();
}

function sign(body: string, timestamp: number, secret = SECRET) {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

async function slash(body: string, options: { timestamp?: number; signature?: string; secret?: string; on?: TestApp } = {}) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await (options.on ?? t).anonymous.request("POST", "/v1/slack/commands", {
    rawBody: body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": options.signature ?? sign(body, timestamp, options.secret),
    },
  });
  return res;
}

describe("POST /v1/slack/commands", () => {
  it("/oncall answers in the channel with who is on call now, mentioning them when their Slack id is known", async () => {
    const expected = (await t.admin.get(`/v1/oncall?schedule=${scheduleId}`)).body.items[0].current.person;
    const res = await slash(slackBody(""));
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe("in_channel");
    const text = JSON.stringify(res.body.blocks);
    if (expected.id === maya.personId) expect(text).toContain("<@U0MAYA1>");
    else expect(text).toContain("*Noa*");
    expect(text).toContain("Community");
  });

  it("/oncall next names who comes next", async () => {
    const expected = (await t.admin.get(`/v1/oncall?schedule=${scheduleId}`)).body.items[0].next.person;
    const res = await slash(slackBody("next"));
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain(expected.id === maya.personId ? "<@U0MAYA1>" : "Noa");
  });

  it("/oncall <schedule or team name> picks that schedule", async () => {
    const bySchedule = await slash(slackBody("support eu"));
    expect(JSON.stringify(bySchedule.body)).toContain("Support EU");
    const byTeam = await slash(slackBody("Community success"));
    expect(JSON.stringify(byTeam.body)).toContain("Community");
  });

  it("an unknown name gets a helpful ephemeral message with close names, not an error page", async () => {
    const res = await slash(slackBody("comunity"));
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe("ephemeral");
    expect(JSON.stringify(res.body)).toContain("Community");
  });

  it("/oncall help lists the schedules, only to the caller", async () => {
    const res = await slash(slackBody("help"));
    expect(res.body.response_type).toBe("ephemeral");
    expect(JSON.stringify(res.body)).toContain("Support EU");
  });

  it.each([
    ["signed with another secret", (b: string, ts: number) => ({ signature: sign(b, ts, "another-secret-0000000000") })],
    ["a stale timestamp (6 minutes old), even correctly signed", (b: string) => ({ timestamp: Math.floor(Date.now() / 1000) - 360, signature: sign(b, Math.floor(Date.now() / 1000) - 360) })],
    ["a malformed signature", () => ({ signature: "v0=zz" })],
  ])("rejects a request %s with 401", async (_label, make) => {
    const body = slackBody("");
    const ts = Math.floor(Date.now() / 1000);
    const res = await slash(body, { timestamp: ts, ...make(body, ts) });
    expect(res.status).toBe(401);
    expect(res.headers["content-type"]).toContain("application/problem+json");
  });

  it("rejects a replayed request whose body was tampered with after signing", async () => {
    const ts = Math.floor(Date.now() / 1000);
    const signature = sign(slackBody(""), ts);
    const res = await slash(slackBody("next"), { timestamp: ts, signature });
    expect(res.status).toBe(401);
  });

  it("rejects an unknown workspace and a request without signature headers", async () => {
    expect((await slash(slackBody("", "T9999"))).status).toBe(401);
    const res = await t.anonymous.request("POST", "/v1/slack/commands", { rawBody: slackBody(""), headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(401);
  });
});

describe("Slack workspaces", () => {
  it("never shows the signing secret, and only admins manage them", async () => {
    const list = await t.admin.get("/v1/slack/workspaces");
    expect(list.body.items).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
    expect(list.body.items[0].signingSecretSet).toBe(true);
    const audit = await t.admin.get("/v1/audit?entity=slack_workspace");
    expect(JSON.stringify(audit.body)).not.toContain(SECRET);
    expect((await maya.get("/v1/slack/workspaces")).status).toBe(403);
  });
});

/** A workspace row as it was before secrets were encrypted (migration 0010): the secret in clear. */
async function legacyWorkspace(on: TestApp, slackTeamId: string, secret: string) {
  const [row] = await on.handle.db.insert(slackWorkspaces).values({ slackTeamId, name: `Legacy ${slackTeamId}`, signingSecretInClear: secret }).returning();
  return row!;
}

async function workspaceRow(on: TestApp, slackTeamId: string) {
  const [row] = await on.handle.db.select().from(slackWorkspaces).where(eq(slackWorkspaces.slackTeamId, slackTeamId));
  return row!;
}

describe("signing secrets are encrypted at rest (ROTA_SECRET_KEY)", () => {
  it("the row of a new workspace holds only the sealed secret, which the server's key opens", async () => {
    const row = await workspaceRow(t, "T0001");
    expect(row.signingSecretInClear).toBeNull();
    expect(row.signingSecretSealed).toMatch(/^v1:/);
    expect(JSON.stringify(row)).not.toContain(SECRET);
    expect(createSecretBox(TEST_SECRET_KEY).open(row.signingSecretSealed!)).toBe(SECRET);
  });

  it("a secret left in clear still verifies, and the start-up sealing moves it: clear column nulled, commands still answered", async () => {
    const legacySecret = randomBytes(16).toString("hex");
    await legacyWorkspace(t, "T0LEGACY", legacySecret);
    expect((await slash(slackBody("help", "T0LEGACY"), { secret: legacySecret })).status).toBe(200);

    expect(await sealClearSlackSecrets(t.handle.db, t.app.secrets)).toEqual({ sealed: 1, inClear: 0 });
    const row = await workspaceRow(t, "T0LEGACY");
    expect(row.signingSecretInClear).toBeNull();
    expect(JSON.stringify(row)).not.toContain(legacySecret);
    expect(t.app.secrets!.open(row.signingSecretSealed!)).toBe(legacySecret);
    expect((await slash(slackBody("help", "T0LEGACY"), { secret: legacySecret })).status).toBe(200);
    expect((await slash(slackBody("help", "T0LEGACY"), { secret: "another-secret-0000000000" })).status).toBe(401);
    // Nothing left to do the second time (another instance starting, a restart).
    expect(await sealClearSlackSecrets(t.handle.db, t.app.secrets)).toEqual({ sealed: 0, inClear: 0 });
  });

  it("a secret sealed under another key (ROTA_SECRET_KEY changed) answers Slack 401, not 500", async () => {
    const secret = randomBytes(16).toString("hex");
    const otherKey = createSecretBox(randomBytes(32).toString("base64"));
    await t.handle.db.insert(slackWorkspaces).values({ slackTeamId: "T0ROTATED", name: "Rotated", signingSecretSealed: otherKey.seal(secret) });
    const res = await slash(slackBody("", "T0ROTATED"), { secret });
    expect(res.status).toBe(401);
    expect(res.headers["content-type"]).toContain("application/problem+json");
  });

  describe("on a server without ROTA_SECRET_KEY", () => {
    let bare: TestApp;
    const lines: string[] = [];
    beforeAll(async () => {
      bare = await createTestApp({ secretKey: null, logLevel: "info", logStream: { write: (line) => void lines.push(line) } });
    });
    afterAll(() => bare.close());

    it("connecting a workspace is 503 secret_key_missing saying to set ROTA_SECRET_KEY, and nothing is stored", async () => {
      const res = await bare.admin.post("/v1/slack/workspaces", { slackTeamId: "TNOKEY", name: "No key", signingSecret: SECRET });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("secret_key_missing");
      expect(res.body.detail).toContain("ROTA_SECRET_KEY");
      expect((await bare.admin.get("/v1/slack/workspaces")).body.items).toEqual([]);
    });

    it("a workspace left in clear keeps working and stays as it is; the start-up sealing only counts it", async () => {
      const secret = randomBytes(16).toString("hex");
      await legacyWorkspace(bare, "TCLEAR", secret);
      expect((await slash(slackBody("help", "TCLEAR"), { secret, on: bare })).status).toBe(200);
      expect(await sealClearSlackSecrets(bare.handle.db, bare.app.secrets)).toEqual({ sealed: 0, inClear: 1 });
      expect((await workspaceRow(bare, "TCLEAR")).signingSecretInClear).toBe(secret);
    });

    it("a sealed secret it cannot open answers 401 with an error log line naming ROTA_SECRET_KEY, and no secret in the log", async () => {
      const secret = randomBytes(16).toString("hex");
      await bare.handle.db.insert(slackWorkspaces).values({ slackTeamId: "TSEALED", name: "Sealed", signingSecretSealed: createSecretBox(TEST_SECRET_KEY).seal(secret) });
      const res = await slash(slackBody("", "TSEALED"), { secret, on: bare });
      expect(res.status).toBe(401);
      const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; reason?: string });
      const line = logged.find((l) => l.reason === "secret_unreadable");
      expect(line?.level).toBe(50);
      expect(line?.msg).toContain("ROTA_SECRET_KEY");
      expect(lines.join("\n")).not.toContain(secret);
      expect(lines.join("\n")).not.toContain(SECRET);
    });
  });
});
