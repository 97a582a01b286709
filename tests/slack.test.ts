import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";

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

async function slash(body: string, options: { timestamp?: number; signature?: string } = {}) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await t.anonymous.request("POST", "/v1/slack/commands", {
    rawBody: body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": options.signature ?? sign(body, timestamp),
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
