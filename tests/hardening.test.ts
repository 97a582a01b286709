import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type ApiResponse, type Client, type TestApp } from "./helpers/app.ts";
import { dereference } from "./helpers/fuzz-operations.ts";

// Hostile input found by the issue-11 probe: each answer must be a 4xx
// problem+json naming what was wrong, never a 500 or a dead process.
const zone = "Europe/London";
const SLACK_SECRET = "hardening-signing-secret-0123456789";
let t: TestApp;
let lead: Client & { personId: string };
let member: Client & { personId: string };
let teamId: string;
let scheduleId: string;
let programId: string;

beforeAll(async () => {
  t = await createTestApp();
  const team = await t.team({ name: "Hardening", timeZone: zone });
  teamId = team.id;
  lead = await t.person({ role: "lead", name: "Lead Lena", timeZone: zone });
  member = await t.person({ name: "Member Max", timeZone: zone });
  for (const p of [lead, member]) expect((await t.admin.post(`/v1/teams/${teamId}/members`, { personId: p.personId, isLead: p === lead })).status).toBe(201);
  const schedule = await t.admin.post("/v1/schedules", {
    name: "Hardening on call",
    timeZone: zone,
    teamId,
    layers: [{ participants: [lead.personId, member.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-01-05" }],
  });
  expect(schedule.status).toBe(201);
  scheduleId = schedule.body.id;
  const program = await t.admin.post("/v1/duty-programs", {
    name: "Hardening duty",
    timeZone: zone,
    slotMinutes: 60,
    hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] },
  });
  expect(program.status).toBe(201);
  programId = program.body.id;
  expect((await t.admin.post("/v1/slack/workspaces", { slackTeamId: "THARD", name: "Hardening", signingSecret: SLACK_SECRET, defaultScheduleId: scheduleId })).status).toBe(201);
});
afterAll(() => t.close());

/** A 4xx problem+json whose errors name `field`. */
function expectFieldProblem(res: ApiResponse, status: number, code: string, field: string) {
  expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(status);
  expect(String(res.headers["content-type"])).toContain("application/problem+json");
  expect(res.body.code).toBe(code);
  expect(res.body.errors?.map((e: { field: string }) => e.field)).toContain(field);
}

describe("finding 1: every windowed read has a cap", () => {
  it("a member asking for team conflicts until 9999 gets a 400 naming `to`, not a dead process", async () => {
    const res = await member.get(`/v1/conflicts?teamId=${teamId}&from=2026-11-01T00:00:00Z&to=9999-12-31T23:59:59Z`);
    expectFieldProblem(res, 400, "validation", "to");
  });

  it("a member asking for a century of someone's assignments gets 422 window_too_large naming `to`", async () => {
    const res = await member.get(`/v1/people/${lead.personId}/assignments?from=2026-01-01T00:00:00Z&to=2126-01-01T00:00:00Z`);
    expectFieldProblem(res, 422, "window_too_large", "to");
  });

  // Each windowed read, just over and exactly at its documented cap.
  const day = 86_400_000;
  const from = Date.UTC(2026, 0, 1);
  const iso = (ms: number) => new Date(ms).toISOString();
  const reads: { name: string; cap: number; url: (to: string) => string; toField?: string }[] = [
    { name: "schedule segments", cap: 93, url: (to) => `/v1/schedules/${scheduleId}/segments?from=${iso(from)}&to=${to}` },
    { name: "schedule gaps", cap: 93, url: (to) => `/v1/schedules/${scheduleId}/gaps?from=${iso(from)}&to=${to}` },
    { name: "schedule handoffs", cap: 93, url: (to) => `/v1/schedules/${scheduleId}/handoffs?from=${iso(from)}&to=${to}` },
    { name: "schedule overrides", cap: 400, url: (to) => `/v1/schedules/${scheduleId}/overrides?from=${iso(from)}&to=${to}` },
    { name: "team conflicts", cap: 93, url: (to) => `/v1/conflicts?teamId=${teamId}&from=${iso(from)}&to=${to}` },
    { name: "person assignments", cap: 93, url: (to) => `/v1/people/${lead.personId}/assignments?from=${iso(from)}&to=${to}` },
    { name: "support hours expanded", cap: 400, url: (to) => `/v1/teams/${teamId}/support-hours/expanded?from=${iso(from)}&to=${to}` },
    { name: "coverage", cap: 93, url: (to) => `/v1/teams/${teamId}/coverage?from=${iso(from)}&to=${to}` },
    { name: "coverage candidates", cap: 31, url: (to) => `/v1/teams/${teamId}/coverage/candidates?start=${iso(from)}&end=${to}`, toField: "end" },
    { name: "hours", cap: 372, url: (to) => `/v1/teams/${teamId}/hours?from=${iso(from)}&to=${to}` },
  ];
  for (const read of reads) {
    it(`${read.name}: ${read.cap} days answers, a minute more is 422 window_too_large`, async () => {
      const atCap = await lead.get(read.url(iso(from + read.cap * day)));
      expect(atCap.status, JSON.stringify(atCap.body)).toBe(200);
      const over = await lead.get(read.url(iso(from + read.cap * day + 60_000)));
      expectFieldProblem(over, 422, "window_too_large", read.toField ?? "to");
      expect(over.body.detail).toContain(String(read.cap));
    });
  }
});

describe("finding 1, kept so: a new windowed read without a cap fails here", () => {
  type Operation = { parameters?: { name: string; in: string; required?: boolean }[] };
  it("every GET that requires from/to (or start/end) answers 422 window_too_large for the whole supported range", async () => {
    const document = t.app.swagger() as unknown as Record<string, any>;
    // Shared parameters (`from`, `to`…) are `$ref`s into components.parameters: read them whole.
    const spec = { paths: dereference(document.paths as Record<string, Record<string, Operation>>, document) };
    const ids: Record<string, () => string> = { schedules: () => scheduleId, people: () => lead.personId, teams: () => teamId, "duty-programs": () => programId };
    const windowed = Object.entries(spec.paths).flatMap(([path, ops]) => {
      const query = (ops.get?.parameters ?? []).filter((p) => p.in === "query" && p.required);
      const names = query.map((p) => p.name);
      const pair = names.includes("from") && names.includes("to") ? ["from", "to"] : names.includes("start") && names.includes("end") ? ["start", "end"] : null;
      return pair ? [{ path, pair, others: names.filter((n) => !pair.includes(n)) }] : [];
    });
    expect(windowed.length).toBeGreaterThanOrEqual(10);
    for (const { path, pair, others } of windowed) {
      const resource = path.split("/")[2]!;
      const url = path.replace("{id}", ids[resource]?.() ?? "missing");
      const params = new URLSearchParams({ [pair[0]!]: "1970-01-01T00:00:00Z", [pair[1]!]: "2199-12-31T23:59:59Z" });
      for (const other of others) {
        expect(other, `${path}: add a value for ${other} to this test`).toBe("teamId");
        params.set(other, teamId);
      }
      const res = await t.admin.get(`${url}?${params}`);
      expect(res.status, `${path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(422);
      expect(res.body.code).toBe("window_too_large");
      expect(res.body.errors[0].field).toBe(pair[1]);
    }
  });
});

describe("finding 2: NUL bytes are refused in one place", () => {
  it("PATCH /v1/people/{me} with a NUL in title → 400 naming title", async () => {
    const res = await member.request("PATCH", `/v1/people/${member.personId}`, { rawBody: '{"title":"on call\\u0000"}', headers: { "content-type": "application/json" } });
    expectFieldProblem(res, 400, "validation", "title");
  });

  it("a NUL deep in a body names its path", async () => {
    const layer = { participants: [member.personId], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-01-05" };
    const res = await t.admin.post("/v1/schedules", { name: "NUL layers", timeZone: zone, layers: [layer, { ...layer, name: "night\u0000" }] });
    expectFieldProblem(res, 400, "validation", "layers.1.name");
    expect((await t.admin.get("/v1/schedules?limit=200")).body.items.map((s: { name: string }) => s.name)).not.toContain("NUL layers");
  });

  it("GET /v1/people?q=%00 and GET /v1/oncall?schedule=%00 → 400 naming the parameter", async () => {
    expectFieldProblem(await member.get("/v1/people?q=%00"), 400, "validation", "q");
    expectFieldProblem(await member.get("/v1/oncall?schedule=a%00b"), 400, "validation", "schedule");
  });

  it("a NUL in a path parameter → 400 naming it", async () => {
    const res = await member.get(`/v1/duty-programs/${programId}/months/2026-1%00/unbooked`);
    expectFieldProblem(res, 400, "validation", "month");
    expect(res.body.errors[0].message).toContain("NUL");
  });

  it("a signed Slack command whose text holds a NUL → 400 naming text", async () => {
    const body = new URLSearchParams({ team_id: "THARD", user_id: "U1", command: "/oncall", text: "next\u0000" }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac("sha256", SLACK_SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
    const res = await t.anonymous.request("POST", "/v1/slack/commands", {
      rawBody: body,
      headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature },
    });
    expectFieldProblem(res, 400, "validation", "text");
  });
});

describe("finding 3: instants new Date() cannot represent are refused", () => {
  for (const [what, value] of [
    ["a leap second", "2026-12-31T23:59:60Z"],
    ["hour 24", "2026-06-01T24:00:00Z"],
    ["30 February", "2026-02-30T09:00:00Z"],
    ["minute 60", "2026-06-01T10:60:00Z"],
    ["offset +25:00", "2026-06-01T10:00:00+25:00"],
  ]) {
    it(`trainedAt at ${what} → 400 naming trainedAt`, async () => {
      expectFieldProblem(await t.admin.patch(`/v1/people/${member.personId}`, { trainedAt: value }), 400, "validation", "trainedAt");
    });
  }

  it("a leap second in a query and in a window → 400 naming the parameter", async () => {
    expectFieldProblem(await member.get("/v1/oncall?at=2026-12-31T23:59:60Z"), 400, "validation", "at");
    expectFieldProblem(await member.get(`/v1/schedules/${scheduleId}/segments?from=2026-12-31T23:59:60Z&to=2027-01-02T00:00:00Z`), 400, "validation", "from");
  });

  it("ordinary instants with offsets and fractions still pass", async () => {
    expect((await t.admin.patch(`/v1/people/${member.personId}`, { trainedAt: "2026-06-01T10:00:00.250+02:00" })).body.trainedAt).toBe("2026-06-01T08:00:00.250Z");
    expect((await member.get("/v1/oncall?at=2026-12-31T23:59:59Z")).status).toBe(200);
  });

  it("a time-off request ending on 31 February → 400 naming endDate", async () => {
    expectFieldProblem(await member.post("/v1/time-off", { startDate: "2027-02-01", endDate: "2027-02-31", reason: "vacation" }), 400, "validation", "endDate");
  });
});

describe("finding 4: one supported range of dates (1970–2199)", () => {
  it("GET /v1/oncall at 9999 → 400 naming at; at both ends of the range → 200", async () => {
    expectFieldProblem(await member.get(`/v1/oncall?schedule=${scheduleId}&at=9999-12-31T23:59:59Z`), 400, "validation", "at");
    expect((await member.get(`/v1/oncall?schedule=${scheduleId}&at=2199-12-31T23:59:59Z`)).status).toBe(200);
    expect((await member.get(`/v1/oncall?schedule=${scheduleId}&at=1970-01-01T00:00:00Z`)).status).toBe(200);
  });

  it("auto-assign for 9999-12 → 400 naming month; for the range's last month → 200", async () => {
    expectFieldProblem(await t.admin.post(`/v1/duty-programs/${programId}/months/9999-12/auto-assign`), 400, "validation", "month");
    expect((await t.admin.post(`/v1/duty-programs/${programId}/months/2199-12/auto-assign`)).status).toBe(200);
  });

  it("a duty slot in year 0001 → 400 naming start", async () => {
    const res = await t.admin.post(`/v1/duty-programs/${programId}/slots`, { start: "0001-01-01T09:00:00Z", end: "0001-01-01T10:00:00Z" });
    expectFieldProblem(res, 400, "validation", "start");
  });

  it("slots at the edges of the range generate, list and auto-assign without a 500", async () => {
    for (const month of ["1970-01", "2199-12"]) {
      const generated = await t.admin.post(`/v1/duty-programs/${programId}/months/${month}/slots`);
      expect(generated.status, JSON.stringify(generated.body)).toBe(200);
      expect(generated.body.total).toBeGreaterThan(0);
      expect((await member.get(`/v1/duty-programs/${programId}/slots?month=${month}`)).status).toBe(200);
      expect((await t.admin.post(`/v1/duty-programs/${programId}/months/${month}/auto-assign`)).status).toBe(200);
    }
  });

  it("a date outside the range is refused everywhere a date is taken", async () => {
    expectFieldProblem(await member.post("/v1/time-off", { startDate: "2200-01-01", endDate: "2200-01-02", reason: "vacation" }), 400, "validation", "startDate");
    expectFieldProblem(await member.get(`/v1/duty-programs/${programId}/slots?month=1969-12`), 400, "validation", "month");
    expectFieldProblem(await member.get(`/v1/schedules/${scheduleId}/segments?from=1969-12-31T00:00:00Z&to=1970-01-02T00:00:00Z`), 400, "validation", "from");
  });

  it("the last window of the range answers", async () => {
    expect((await member.get(`/v1/schedules/${scheduleId}/segments?from=2199-12-01T00:00:00Z&to=2199-12-31T23:59:59Z`)).status).toBe(200);
    expect((await member.get(`/v1/people/${lead.personId}/assignments?from=1970-01-01T00:00:00Z&to=1970-02-01T00:00:00Z`)).status).toBe(200);
  });
});

describe("finding 11: JSON bodies are UTF-8, unambiguous, and versioned writes honour If-Match", () => {
  const json = (payload: string | Buffer, contentType = "application/json") =>
    t.app.inject({ method: "PATCH", url: `/v1/people/${member.personId}`, headers: { authorization: `Bearer ${t.admin.token}`, "content-type": contentType }, payload });

  it("invalid UTF-8 in a body → 400 malformed_json", async () => {
    const res = await json(Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("malformed_json");
  });

  it("charset=utf-16 → 415 unsupported_media_type; charset=utf-8 is fine", async () => {
    const bad = await json('{"title":"Support"}', "application/json; charset=utf-16");
    expect(bad.statusCode).toBe(415);
    expect(bad.json().code).toBe("unsupported_media_type");
    expect((await json('{"title":"Support"}', "application/json; charset=UTF-8")).statusCode).toBe(200);
  });

  it("a key given twice → 400 naming the key", async () => {
    const res = await json('{"title":"Support","title":"Admin"}');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("malformed_json");
    expect(res.json().errors[0].field).toBe("title");
    const nested = await json('{"skills":["a"],"workingHours":{"windows":[],"windows":[]}}');
    expect(nested.statusCode).toBe(400);
    expect(nested.json().errors[0].field).toBe("workingHours.windows");
  });

  it("the same key in sibling objects and escaped spellings are told apart", async () => {
    const res = await json('{"title":"A \\"title\\": B","name":"Max \\u0041"}');
    expect(res.statusCode, res.body).toBe(200);
    const escaped = await json('{"title":"x","\\u0074itle":"y"}');
    expect(escaped.statusCode).toBe(400);
    expect(escaped.json().errors[0].field).toBe("title");
  });

  it("a body nested 30,000 deep (under the size limit) → 400 malformed_json, not a stack overflow", async () => {
    for (const payload of ["[".repeat(30_000) + "]".repeat(30_000), '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000)]) {
      const res = await json(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe("malformed_json");
    }
  });

  it("__proto__ is still refused", async () => {
    const res = await json('{"__proto__":{"role":"admin"}}');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("malformed_json");
  });

  it("PATCH /v1/duty-slots/{id} with a stale If-Match → 412; with the current ETag → 200", async () => {
    const created = await t.admin.post(`/v1/duty-programs/${programId}/slots`, { start: "2031-03-03T09:00:00Z", end: "2031-03-03T10:00:00Z" });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe(`"v${created.body.version}"`);
    const first = await t.admin.patch(`/v1/duty-slots/${created.body.id}`, { seats: 3 }, { "if-match": created.headers.etag as string });
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe(`"v${first.body.version}"`);
    const stale = await t.admin.patch(`/v1/duty-slots/${created.body.id}`, { closed: true }, { "if-match": created.headers.etag as string });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe("precondition_failed");
    const listed = await member.get(`/v1/duty-programs/${programId}/slots?month=2031-03`);
    expect(listed.body.items.find((s: { id: string }) => s.id === created.body.id)).toMatchObject({ seats: 3, closed: false });
  });

  it("a shift pattern repeating hourly → 422 invalid_rrule naming rrule", async () => {
    const res = await lead.post("/v1/shift-patterns", { teamId, personId: member.personId, rrule: "FREQ=HOURLY", start: "2031-01-06T09:00", endTime: "10:00" });
    expectFieldProblem(res, 422, "invalid_rrule", "rrule");
    const twelveADay = await lead.post("/v1/shift-patterns", { teamId, personId: member.personId, rrule: "FREQ=DAILY;BYHOUR=0,2,4,6,8,10,12,14,16,18,20,22", start: "2031-01-06T00:00", endTime: "01:00" });
    expectFieldProblem(twelveADay, 422, "invalid_rrule", "rrule");
    expect((await lead.post("/v1/shift-patterns", { teamId, personId: member.personId, rrule: "FREQ=DAILY;BYHOUR=9", start: "2031-01-06T09:00", endTime: "17:00" })).status).toBe(201);
  });
});

// Found by tests/fuzz.test.ts: the delete hit the foreign key from duty_programs.hours_team_id (500).
describe("a team whose support hours a duty program uses", () => {
  it("cannot be deleted: 409 team_in_use naming the program; once the program has its own hours, it can", async () => {
    const team = await t.team({ name: "Hours source", timeZone: zone });
    expect((await t.admin.request("PUT", `/v1/teams/${team.id}/support-hours`, { body: { windows: [{ days: ["mon"], start: "09:00", end: "17:00" }] } })).status).toBe(200);
    const program = await t.admin.post("/v1/duty-programs", { name: "Follows Hours source", timeZone: zone, slotMinutes: 60, hoursTeamId: team.id });
    expect(program.status).toBe(201);

    const refused = await t.admin.delete(`/v1/teams/${team.id}`);
    expect(refused.status).toBe(409);
    expect(refused.headers["content-type"]).toContain("application/problem+json");
    expect(refused.body.code).toBe("team_in_use");
    expect(refused.body.dutyProgramIds).toEqual([program.body.id]);
    expect(refused.body.detail).toContain("Follows Hours source");
    expect((await t.admin.get(`/v1/teams/${team.id}`)).status).toBe(200);

    const own = await t.admin.patch(`/v1/duty-programs/${program.body.id}`, {
      hoursTeamId: null,
      hours: { windows: [{ days: ["mon"], start: "09:00", end: "17:00" }] },
    });
    expect(own.status).toBe(200);
    expect((await t.admin.delete(`/v1/teams/${team.id}`)).status).toBe(204);
  });
});
