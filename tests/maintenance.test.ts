import { eq } from "drizzle-orm";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_IDEMPOTENCY_TTL_MS } from "../src/config.ts";
import { shiftPatterns, shifts } from "../src/db/schema/index.ts";
import { runMaintenance } from "../src/services/maintenance.ts";
import { createTestApp, type TestApp } from "./helpers/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("maintenance", () => {
  it("forgets Idempotency-Keys after 24 hours, and a forgotten key starts a new request", async () => {
    const first = await t.admin.post("/v1/teams", { name: "Kept key", timeZone: "UTC" }, { "idempotency-key": "old-key" });
    expect(first.status).toBe(201);
    expect((await runMaintenance(t.handle.db, new Date(), { idempotencyTtlMs: DEFAULT_IDEMPOTENCY_TTL_MS })).idempotencyKeysPruned).toBe(0);
    const tomorrow = new Date(Date.now() + 25 * 3600_000);
    expect((await runMaintenance(t.handle.db, tomorrow, { idempotencyTtlMs: DEFAULT_IDEMPOTENCY_TTL_MS })).idempotencyKeysPruned).toBeGreaterThanOrEqual(1);
    const again = await t.admin.post("/v1/teams", { name: "Kept key", timeZone: "UTC" }, { "idempotency-key": "old-key" });
    expect(again.status).toBe(409);
    expect(again.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("a pattern that cannot roll forward is reported and rolled back alone: the others roll, and rolling again redoes nothing", async () => {
    const team = await t.team({ name: "Night desk", timeZone: "UTC", minShiftMinutes: 60 });
    const [ada, bo] = [await t.person({ name: "Ada" }), await t.person({ name: "Bo" })];
    for (const p of [ada, bo]) expect((await t.admin.post(`/v1/teams/${team.id}/members`, { personId: p.personId })).status).toBe(201);
    const monday = DateTime.utc().plus({ weeks: 1 }).startOf("week");
    const pattern = async (personId: string) => {
      const res = await t.admin.post("/v1/shift-patterns", { teamId: team.id, personId, rrule: "FREQ=WEEKLY;BYDAY=MO", start: `${monday.toISODate()}T09:00`, endTime: "12:00" });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.pattern as { id: string; materializedUntil: string };
    };
    const good = await pattern(ada.personId);
    const bad = await pattern(bo.personId);
    // Stored before today's checks (an old version let it in): it cannot be expanded any more.
    await t.handle.db.update(shiftPatterns).set({ rrule: "FREQ=SOMETIMES" }).where(eq(shiftPatterns.id, bad.id));
    const shiftsOf = async (patternId: string) => (await t.handle.db.select().from(shifts).where(eq(shifts.patternId, patternId))).length;
    const before = { good: await shiftsOf(good.id), bad: await shiftsOf(bad.id) };

    const twoWeeksOn = new Date(Date.now() + 14 * 86_400_000);
    const first = (await runMaintenance(t.handle.db, twoWeeksOn, { idempotencyTtlMs: DEFAULT_IDEMPOTENCY_TTL_MS })).patterns;
    expect(first.failed).toEqual([{ patternId: bad.id, error: expect.any(String) }]);
    expect(first.created).toBe(2);
    expect(await shiftsOf(good.id)).toBe(before.good + 2);
    expect(await shiftsOf(bad.id)).toBe(before.bad);
    const stored = async (id: string) => (await t.handle.db.select().from(shiftPatterns).where(eq(shiftPatterns.id, id)))[0]!.materializedUntil!;
    expect((await stored(good.id)).getTime()).toBe(twoWeeksOn.getTime() + 56 * 86_400_000);
    expect((await stored(bad.id)).toISOString()).toBe(new Date(bad.materializedUntil).toISOString());

    const again = (await runMaintenance(t.handle.db, twoWeeksOn, { idempotencyTtlMs: DEFAULT_IDEMPOTENCY_TTL_MS })).patterns;
    expect(again).toMatchObject({ patterns: 1, created: 0, skipped: 0, failed: [{ patternId: bad.id }] });
    expect(await shiftsOf(good.id)).toBe(before.good + 2);
  });
});
