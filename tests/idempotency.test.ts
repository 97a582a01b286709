import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idempotencyKeys, teams } from "../src/db/schema/index.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";
import { testDbKind } from "./helpers/db.ts";

// Probe findings 6 and 10: a POST /v1/tokens retry kept the new token's
// secret in idempotency_keys for 24 h; and a write that committed while its
// key's outcome was never stored (the process died in between) turned the
// retry into a 409 instead of the original 201.

let t: TestApp;
let lena: Client & { personId: string };

beforeAll(async () => {
  t = await createTestApp();
  lena = await t.person({ name: "Lena Keys" });
});
afterAll(() => t.close());

const storedKey = (key: string) =>
  t.handle.db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.actorId, t.admin.personId), eq(idempotencyKeys.key, key)));
const teamsNamed = (name: string) => t.handle.db.select().from(teams).where(eq(teams.name, name));

/** A database fault for one test: a trigger on idempotency_keys, always removed afterwards (the PGlite is shared by the worker's files). */
async function withKeyTrigger(trigger: string, run: () => Promise<void>) {
  await t.handle.db.execute(
    sql.raw(`CREATE FUNCTION test_idempotency_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_ARGV[0] = 'terminate' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
        RAISE EXCEPTION 'injected fault: the outcome could not be stored';
      END $$`),
  );
  try {
    await t.handle.db.execute(sql.raw(trigger));
    await run();
  } finally {
    await t.handle.db.execute(sql.raw("DROP TRIGGER IF EXISTS test_idempotency_fault ON idempotency_keys"));
    await t.handle.db.execute(sql.raw("DROP FUNCTION IF EXISTS test_idempotency_fault()"));
  }
}

describe("a secret shown once is never stored with its Idempotency-Key", () => {
  it("POST /v1/tokens with a key: the stored response has no secret; the retry is a 409 naming the token, which can be revoked", async () => {
    const first = await lena.post("/v1/tokens", { name: "deploy bot" }, { "idempotency-key": "token-once" });
    expect(first.status).toBe(201);
    const secret: string = first.body.token;
    expect(secret).toMatch(/^rota_/);

    const rows = await t.handle.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, "token-once"));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret.slice("rota_".length));
    const stored = JSON.parse(rows[0]!.responseBody!);
    expect(stored).not.toHaveProperty("token");
    expect(stored).toMatchObject({ id: first.body.id, prefix: first.body.prefix });

    const retry = await lena.post("/v1/tokens", { name: "deploy bot" }, { "idempotency-key": "token-once" });
    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ code: "idempotency_secret_unavailable", createdId: first.body.id });
    expect(retry.body.errors[0].field).toBe("Idempotency-Key");
    expect(JSON.stringify(retry.body)).not.toContain(secret);

    // What the problem tells the client to do works: the token exists once, and revoking it ends it.
    const listed = await lena.get("/v1/tokens");
    expect(listed.body.items.filter((x: { name: string }) => x.name === "deploy bot")).toHaveLength(1);
    expect((await t.as(secret).get("/v1/me")).status).toBe(200);
    expect((await lena.delete(`/v1/tokens/${retry.body.createdId}`)).status).toBe(200);
    expect((await t.as(secret).get("/v1/me")).status).toBe(401);
  });

  it("the same key with another body is still a 422, and a refused token request replays as before", async () => {
    await lena.post("/v1/tokens", { name: "first" }, { "idempotency-key": "token-reuse" });
    const other = await lena.post("/v1/tokens", { name: "second" }, { "idempotency-key": "token-reuse" });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe("idempotency_key_reused");

    const forbidden = await lena.post("/v1/tokens", { name: "for admin", personId: t.admin.personId }, { "idempotency-key": "token-403" });
    const again = await lena.post("/v1/tokens", { name: "for admin", personId: t.admin.personId }, { "idempotency-key": "token-403" });
    expect(forbidden.status).toBe(403);
    expect(again.status).toBe(403);
    expect(again.headers["idempotent-replayed"]).toBe("true");
  });
});

describe("a key's outcome is stored in the same transaction as the write", () => {
  it("when the outcome cannot be stored, the write rolls back and the answer is a 500; the retry creates it once (201)", async () => {
    const body = { name: "Atomic outcome", timeZone: "UTC" };
    await withKeyTrigger(
      "CREATE TRIGGER test_idempotency_fault BEFORE UPDATE ON idempotency_keys FOR EACH ROW WHEN (NEW.response_status IS NOT NULL) EXECUTE FUNCTION test_idempotency_fault()",
      async () => {
        const crashed = await t.admin.post("/v1/teams", body, { "idempotency-key": "atomic-1" });
        expect(crashed.status).toBe(500);
        expect(crashed.headers.location).toBeUndefined();
      },
    );
    // The state the probe found (team written, key without its outcome) cannot exist: neither is there.
    expect(await teamsNamed(body.name)).toHaveLength(0);
    expect(await storedKey("atomic-1")).toHaveLength(0);

    const retry = await t.admin.post("/v1/teams", body, { "idempotency-key": "atomic-1" });
    expect(retry.status).toBe(201);
    expect(retry.headers["idempotent-replayed"]).toBeUndefined();
    expect(await teamsNamed(body.name)).toHaveLength(1);
    const replay = await t.admin.post("/v1/teams", body, { "idempotency-key": "atomic-1" });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(retry.body.id);
  });

  it("a commit that fails is never answered as a success", async () => {
    const body = { name: "Failed commit", timeZone: "UTC" };
    // A deferred constraint trigger runs at COMMIT, after the response was stored in the transaction.
    await withKeyTrigger(
      "CREATE CONSTRAINT TRIGGER test_idempotency_fault AFTER UPDATE ON idempotency_keys DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.response_status IS NOT NULL) EXECUTE FUNCTION test_idempotency_fault()",
      async () => {
        const res = await t.admin.post("/v1/teams", body, { "idempotency-key": "commit-1" });
        expect(res.status).toBe(500);
        expect(res.body.code).toBe("internal");
      },
    );
    expect(await teamsNamed(body.name)).toHaveLength(0);
    expect(await storedKey("commit-1")).toHaveLength(0);
    expect((await t.admin.post("/v1/teams", body, { "idempotency-key": "commit-1" })).status).toBe(201);
  });

  it.skipIf(testDbKind() !== "postgres")("a request whose connection dies before its commit leaves nothing; the retry runs again (201)", async () => {
    const body = { name: "Killed mid-request", timeZone: "UTC" };
    // The trigger ends its own backend, as a crashed process or a dropped connection would.
    await withKeyTrigger(
      "CREATE TRIGGER test_idempotency_fault BEFORE UPDATE ON idempotency_keys FOR EACH ROW WHEN (NEW.response_status IS NOT NULL) EXECUTE FUNCTION test_idempotency_fault('terminate')",
      async () => {
        const res = await t.admin.post("/v1/teams", body, { "idempotency-key": "killed-1" });
        expect(res.status).toBe(500);
      },
    );
    expect(await teamsNamed(body.name)).toHaveLength(0);
    expect(await storedKey("killed-1")).toHaveLength(0);
    const retry = await t.admin.post("/v1/teams", body, { "idempotency-key": "killed-1" });
    expect(retry.status).toBe(201);
    expect(await teamsNamed(body.name)).toHaveLength(1);
  });

  it("five concurrent retries of one key: the first creates, the others wait for it and replay its 201", async () => {
    const body = { name: "Concurrent key", timeZone: "UTC" };
    const results = await Promise.all(Array.from({ length: 5 }, () => t.admin.post("/v1/teams", body, { "idempotency-key": "concurrent-1" })));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.headers["idempotent-replayed"] === "true")).toHaveLength(4);
    expect(await teamsNamed(body.name)).toHaveLength(1);
  });

  it("a refusal is remembered with its key", async () => {
    const existing = await t.team({ name: "Taken name" });
    const refused = await t.admin.post("/v1/teams", { name: "Taken name", timeZone: "UTC" }, { "idempotency-key": "refused-1" });
    expect(refused.status).toBe(409);
    expect((await storedKey("refused-1"))[0]?.responseStatus).toBe(409);
    const again = await t.admin.post("/v1/teams", { name: "Taken name", timeZone: "UTC" }, { "idempotency-key": "refused-1" });
    expect(again.status).toBe(409);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(await teamsNamed(existing.name)).toHaveLength(1);
  });
});

describe("every idempotent POST runs its service in the request's transaction", () => {
  // On PGlite (one connection) a service touching the database outside that transaction would wait forever: this would time out.
  it("a tour of the idempotent routes with keys: each answers 2xx once and replays the same response", async () => {
    const lead = await t.person({ role: "lead", name: "Tour Lead" });
    const member = await t.person({ name: "Tour Member" });
    const keyed = async (who: Client, url: string, body: unknown, key: string) => {
      const first = await who.post(url, body, { "idempotency-key": key });
      expect(first.status, `${url}: ${JSON.stringify(first.body)}`).toBeGreaterThanOrEqual(200);
      expect(first.status, `${url}: ${JSON.stringify(first.body)}`).toBeLessThan(300);
      const replay = await who.post(url, body, { "idempotency-key": key });
      expect(replay.status).toBe(first.status);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers["idempotent-replayed"]).toBe("true");
      return first.body;
    };

    const person = await keyed(t.admin, "/v1/people", { name: "Tour Person", email: "tour@example.test", timeZone: "UTC" }, "tour-person");
    expect(person.email).toBe("tour@example.test");
    const team = await keyed(t.admin, "/v1/teams", { name: "Tour team", timeZone: "UTC" }, "tour-team");
    await keyed(t.admin, `/v1/teams/${team.id}/members`, { personId: lead.personId, isLead: true }, "tour-lead");
    await keyed(t.admin, `/v1/teams/${team.id}/members`, { personId: member.personId }, "tour-member");
    await keyed(lead, `/v1/teams/${team.id}/staffing-requirements`, { days: ["mon"], start: "09:00", end: "12:00", headcount: 1 }, "tour-requirement");
    const shift = await keyed(
      lead,
      "/v1/shifts",
      { teamId: team.id, personId: member.personId, start: "2031-03-03T09:00:00Z", end: "2031-03-03T17:00:00Z", outsideSupportHours: true },
      "tour-shift",
    );
    await keyed(
      lead,
      "/v1/shift-patterns",
      { teamId: team.id, personId: member.personId, rrule: "FREQ=WEEKLY;BYDAY=TU;COUNT=3", start: "2031-03-04T09:00", endTime: "17:00", outsideSupportHours: true },
      "tour-pattern",
    );
    const schedule = await keyed(
      lead,
      "/v1/schedules",
      { name: "Tour on-call", timeZone: "UTC", teamId: team.id, layers: [{ participants: [lead.personId, member.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2031-03-03" }] },
      "tour-schedule",
    );
    await keyed(lead, `/v1/schedules/${schedule.id}/overrides`, { personId: lead.personId, start: "2031-03-10T09:00:00Z", end: "2031-03-10T12:00:00Z" }, "tour-override");
    await keyed(member, "/v1/time-off", { startDate: "2031-04-01", endDate: "2031-04-02", reason: "vacation" }, "tour-time-off");
    const swap = await keyed(member, "/v1/swaps", { kind: "give_away", counterpartId: lead.personId, offered: { kind: "shift", id: shift.id } }, "tour-swap");
    await keyed(lead, `/v1/swaps/${swap.id}/accept`, undefined, "tour-swap-accept");
    const program = await keyed(lead, "/v1/duty-programs", { name: "Tour duty", timeZone: "UTC", hours: { windows: [{ days: ["mon"], start: "09:00", end: "11:00" }] } }, "tour-program");
    const slot = await lead.post(`/v1/duty-programs/${program.id}/slots`, { start: "2031-05-05T09:00:00Z", end: "2031-05-05T10:00:00Z" });
    expect(slot.status).toBe(201);
    const later = await lead.post(`/v1/duty-programs/${program.id}/slots`, { start: "2031-05-12T09:00:00Z", end: "2031-05-12T10:00:00Z" });
    expect(later.status).toBe(201);
    const booking = await keyed(lead, `/v1/duty-slots/${slot.body.id}/bookings`, { personId: member.personId }, "tour-booking");
    await keyed(lead, `/v1/duty-bookings/${booking.id}/move`, { slotId: later.body.id }, "tour-move");
  });
});
