import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { people } from "../src/db/schema/index.ts";
import { createTestApp, type TestApp } from "./helpers/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const alice = (extra: Record<string, unknown> = {}) => ({
  name: "Alice",
  email: `alice-${Math.random().toString(36).slice(2)}@example.test`,
  timeZone: "America/Los_Angeles",
  ...extra,
});

async function peopleCount(): Promise<number> {
  return (await t.handle.db.select().from(people)).length;
}

describe("bad input is a 4xx problem naming the field, and writes nothing", () => {
  it.each([
    ["a wrong type", { minShiftMinutes: "240" }, 400, "minShiftMinutes"],
    ["an unknown field", { colour: "blue" }, 400, "colour"],
    ["a missing field", { timeZone: undefined }, 400, "timeZone"],
    ["an abbreviation for a zone", { timeZone: "PST" }, 422, "timeZone"],
    ["a zone that does not exist", { timeZone: "Mars/Base" }, 422, "timeZone"],
    ["a granularity that does not divide a day", { shiftGranularityMinutes: 7 }, 422, "shiftGranularityMinutes"],
    ["a minimum block off the granularity", { minShiftMinutes: 90, shiftGranularityMinutes: 60 }, 422, "minShiftMinutes"],
    ["a negative number", { maxConcurrentChats: -1 }, 400, "maxConcurrentChats"],
  ])("team with %s", async (_label, override, status, field) => {
    const body: Record<string, unknown> = { name: `T ${Math.random()}`, timeZone: "UTC", ...override };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    const before = (await t.admin.get("/v1/teams")).body.items.length;
    const res = await t.admin.post("/v1/teams", body);
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await t.admin.get("/v1/teams")).body.items.length).toBe(before);
  });

  it("lists every offending field at once", async () => {
    const res = await t.admin.post("/v1/people", { name: "", email: "not-an-email", timeZone: 5, extra: true });
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(["email", "extra", "name", "timeZone"]);
  });

  it("malformed JSON is a 400 malformed_json", async () => {
    const res = await t.admin.request("POST", "/v1/people", { rawBody: '{"name": "Al', headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("malformed_json");
  });

  it("a body over the limit is a 413", async () => {
    const res = await t.admin.post("/v1/people", alice({ title: "x".repeat(100_000) }));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe("body_too_large");
  });

  it("a non-JSON body is a 415", async () => {
    const res = await t.admin.request("POST", "/v1/people", { rawBody: "name=Al", headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe("unsupported_media_type");
  });

  it("a bad UUID in the path names the parameter", async () => {
    const res = await t.admin.get("/v1/teams/123/members");
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: "id", in: "params" })]);
  });

  it("an unknown route is a 404 problem", async () => {
    const res = await t.admin.get("/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
  });

  it("a duplicate email (any case) is a 409 naming email, and the first person is untouched", async () => {
    const first = await t.admin.post("/v1/people", alice({ email: "Dup@Example.test" }));
    expect(first.status).toBe(201);
    const count = await peopleCount();
    const res = await t.admin.post("/v1/people", alice({ email: "dup@example.TEST" }));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("email_taken");
    expect(res.body.errors[0].field).toBe("email");
    expect(await peopleCount()).toBe(count);
  });

  it("zone names are stored in canonical spelling", async () => {
    const res = await t.admin.post("/v1/people", alice({ timeZone: "asia/kolkata" }));
    expect(res.status).toBe(201);
    expect(res.body.timeZone).toBe("Asia/Kolkata");
  });

  it("a failed multi-row change leaves nothing behind (demoting the last admin)", async () => {
    const before = await t.admin.get(`/v1/people/${t.admin.personId}`);
    const res = await t.admin.patch(`/v1/people/${t.admin.personId}`, { role: "member", title: "Former admin" });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("last_admin");
    const after = await t.admin.get(`/v1/people/${t.admin.personId}`);
    expect(after.body).toEqual(before.body);
  });
});

describe("cursor pagination", () => {
  it("walks every person exactly once, in creation order", async () => {
    for (let i = 0; i < 7; i++) expect((await t.admin.post("/v1/people", alice({ name: `Pager ${i}`, skills: ["pager"] }))).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await t.admin.get(`/v1/people?skill=pager&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((p: { name: string }) => p.name));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `Pager ${i}`));
  });

  it("limit is bounded and a forged cursor is a 400", async () => {
    expect((await t.admin.get("/v1/people?limit=0")).status).toBe(400);
    expect((await t.admin.get("/v1/people?limit=201")).status).toBe(400);
    const forged = await t.admin.get("/v1/people?cursor=not-a-cursor");
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe("invalid_cursor");
    expect(forged.body.errors[0].field).toBe("cursor");
  });

  it("filters compose: by team, role, active and text", async () => {
    const team = await t.team();
    const lead = await t.person({ role: "lead", name: "Quinn Query" });
    await t.admin.post(`/v1/teams/${team.id}/members`, { personId: lead.personId, isLead: true });
    const byTeam = await t.admin.get(`/v1/people?teamId=${team.id}`);
    expect(byTeam.body.items.map((p: { id: string }) => p.id)).toEqual([lead.personId]);
    const byText = await t.admin.get(`/v1/people?q=quinn&role=lead&active=true`);
    expect(byText.body.items.map((p: { id: string }) => p.id)).toEqual([lead.personId]);
    expect((await t.admin.get(`/v1/people?q=quinn&role=member`)).body.items).toEqual([]);
    // LIKE wildcards in q are literal.
    expect((await t.admin.get(`/v1/people?q=%25`)).body.items).toEqual([]);
  });
});

describe("ETag and If-Match", () => {
  it("a stale If-Match is a 412 and changes nothing; the current one applies", async () => {
    const team = await t.team({ name: "Etag team" });
    const read = await t.admin.get(`/v1/teams/${team.id}`);
    expect(read.headers.etag).toBe('"v1"');
    const first = await t.admin.patch(`/v1/teams/${team.id}`, { maxConcurrentChats: 3 }, { "if-match": read.headers.etag as string });
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe('"v2"');
    const stale = await t.admin.patch(`/v1/teams/${team.id}`, { maxConcurrentChats: 5 }, { "if-match": read.headers.etag as string });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe("precondition_failed");
    expect((await t.admin.get(`/v1/teams/${team.id}`)).body.maxConcurrentChats).toBe(3);
    expect((await t.admin.patch(`/v1/teams/${team.id}`, { maxConcurrentChats: 4 }, { "if-match": "*" })).status).toBe(200);
    expect((await t.admin.patch(`/v1/teams/${team.id}`, { name: "x" }, { "if-match": "garbage" })).status).toBe(412);
  });

  it("works on people too, and an empty patch is a 400", async () => {
    const person = await t.admin.post("/v1/people", alice());
    const etag = person.headers.etag as string;
    expect((await t.admin.patch(`/v1/people/${person.body.id}`, { title: "Agent" }, { "if-match": etag })).status).toBe(200);
    expect((await t.admin.patch(`/v1/people/${person.body.id}`, { title: "Lead" }, { "if-match": etag })).status).toBe(412);
    expect((await t.admin.patch(`/v1/people/${person.body.id}`, {})).status).toBe(400);
  });
});

describe("Idempotency-Key", () => {
  it("a retried POST with the same key returns the first response and creates one person", async () => {
    const body = alice({ name: "Retry Rita" });
    const before = await peopleCount();
    const first = await t.admin.post("/v1/people", body, { "idempotency-key": "create-rita-1" });
    const second = await t.admin.post("/v1/people", body, { "idempotency-key": "create-rita-1" });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(await peopleCount()).toBe(before + 1);
  });

  it("the same key with a different body is a 422", async () => {
    await t.admin.post("/v1/people", alice({ name: "Key Kim" }), { "idempotency-key": "kim" });
    const res = await t.admin.post("/v1/people", alice({ name: "Other" }), { "idempotency-key": "kim" });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("idempotency_key_reused");
  });

  it("keys are per caller: another person's identical key is a new request", async () => {
    const lead = await t.person({ role: "lead" });
    const a = await t.admin.post("/v1/teams", { name: "Idem A", timeZone: "UTC" }, { "idempotency-key": "shared" });
    const b = await lead.post("/v1/teams", { name: "Idem B", timeZone: "UTC" }, { "idempotency-key": "shared" });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
  });

  it("a remembered failure replays too (a retried conflict stays a conflict)", async () => {
    const body = alice({ email: "conflict@example.test" });
    expect((await t.admin.post("/v1/people", body)).status).toBe(201);
    const first = await t.admin.post("/v1/people", body, { "idempotency-key": "dup-1" });
    const again = await t.admin.post("/v1/people", body, { "idempotency-key": "dup-1" });
    expect(first.status).toBe(409);
    expect(again.status).toBe(409);
    expect(again.headers["idempotent-replayed"]).toBe("true");
  });

  it("rejects an unusable key", async () => {
    const res = await t.admin.post("/v1/people", alice(), { "idempotency-key": "x".repeat(300) });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe("Idempotency-Key");
  });
});

describe("request ids and health", () => {
  it("echoes a caller's X-Request-Id and records it in the audit log", async () => {
    const res = await t.admin.post("/v1/teams", { name: "Traced", timeZone: "UTC" }, { "x-request-id": "trace-123" });
    expect(res.headers["x-request-id"]).toBe("trace-123");
    const audit = await t.admin.get(`/v1/audit?entity=team&entityId=${res.body.id}`);
    expect(audit.body.items[0].requestId).toBe("trace-123");
  });

  it("GET /healthz needs no token", async () => {
    const res = await t.anonymous.get("/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("serves the API docs at /docs", async () => {
    const page = await t.anonymous.get("/docs/");
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain("swagger");
    const spec = await t.anonymous.get("/docs/json");
    expect(spec.body.paths["/v1/people"]).toBeDefined();
  });
});

describe("problem details", () => {
  it("a domain error's details never override the standard members", async () => {
    const { problem } = await import("../src/http/plugins/errors.ts");
    const body = problem("invalid_transition", 409, "Cannot complete", { status: "completed", type: "x", code: "y", currentStatus: "completed" });
    expect(body).toMatchObject({ status: 409, type: "https://rota.dev/problems/invalid_transition", code: "invalid_transition", currentStatus: "completed" });
  });
});
