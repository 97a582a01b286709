import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dutyBookings, shifts as shiftsTable } from "../src/db/schema/index.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";

// Dates relative to today, so swaps never start in the past whenever the suite runs.
const zone = "Europe/London";
const base = DateTime.now().setZone(zone).plus({ weeks: 3 }).startOf("week");
const day = (n: number, hour: number) => base.plus({ days: n, hours: hour }).toUTC().toISO()!;

let t: TestApp;
let lead: Client & { personId: string };
let alice: Client & { personId: string };
let bob: Client & { personId: string };
let carol: Client & { personId: string };

beforeAll(async () => {
  t = await createTestApp();
  lead = await t.person({ role: "lead", name: "Lena Lead", timeZone: zone });
  alice = await t.person({ name: "Alice", timeZone: zone });
  bob = await t.person({ name: "Bob", timeZone: zone });
  carol = await t.person({ name: "Carol", timeZone: zone });
});
afterAll(() => t.close());

async function team(extra: Record<string, unknown> = {}) {
  const created = await t.team({ timeZone: zone, ...extra });
  for (const p of [lead, alice, bob, carol]) await t.admin.post(`/v1/teams/${created.id}/members`, { personId: p.personId, isLead: p === lead });
  return created.id as string;
}

async function shift(teamId: string, who: { personId: string }, n: number, from: number, to: number) {
  const res = await lead.post("/v1/shifts", { teamId, personId: who.personId, start: day(n, from), end: day(n, to) });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe("the Drift trade: Alice's Tuesday slot for Bob's Thursday slot", () => {
  const month = DateTime.now().setZone(zone).plus({ months: 2 }).toFormat("yyyy-MM");
  /** A program with Alice on a Tuesday slot and Bob on a Thursday slot; `near` puts both slots a few days out. */
  async function programWith(cutoffMinutes: number, near = false) {
    const program = await lead.post("/v1/duty-programs", {
      name: `Chat duty ${cutoffMinutes}`,
      timeZone: zone,
      hours: { windows: [{ days: ["tue", "thu"], start: "10:00", end: "11:00" }] },
      seatsPerSlot: 1,
      quotaPerMonth: 1,
      changeCutoffMinutes: cutoffMinutes,
    });
    expect(program.status).toBe(201);
    const programId = program.body.id;
    let tuesday: any;
    let thursday: any;
    if (near) {
      const soon = DateTime.now().setZone(zone).plus({ days: 2 }).startOf("hour");
      tuesday = (await lead.post(`/v1/duty-programs/${programId}/slots`, { start: soon.toUTC().toISO(), end: soon.plus({ hours: 1 }).toUTC().toISO() })).body;
      thursday = (await lead.post(`/v1/duty-programs/${programId}/slots`, { start: soon.plus({ days: 2 }).toUTC().toISO(), end: soon.plus({ days: 2, hours: 1 }).toUTC().toISO() })).body;
    } else {
      await lead.post(`/v1/duty-programs/${programId}/months/${month}/slots`);
      const slots = (await lead.get(`/v1/duty-programs/${programId}/slots?month=${month}`)).body.items;
      tuesday = slots.find((s: any) => DateTime.fromISO(s.start, { zone }).weekday === 2);
      thursday = slots.find((s: any) => DateTime.fromISO(s.start, { zone }).weekday === 4);
    }
    const a = await alice.post(`/v1/duty-slots/${tuesday.id}/bookings`, {});
    const b = await bob.post(`/v1/duty-slots/${thursday.id}/bookings`, {});
    expect([a.status, b.status]).toEqual([201, 201]);
    return { programId, tuesday, thursday, aliceBooking: a.body.id, bobBooking: b.body.id };
  }

  it("trade and accept, which completes it (no approval needed): both keep their one slot of the month (quota holds), swapped", async () => {
    const p = await programWith(1440);
    const swap = await alice.post("/v1/swaps", {
      kind: "trade",
      counterpartId: bob.personId,
      offered: { kind: "duty_booking", id: p.aliceBooking },
      requested: { kind: "duty_booking", id: p.bobBooking },
    });
    expect(swap.status).toBe(201);
    expect(swap.body).toMatchObject({ status: "pending", requiresApproval: false, offered: { start: p.tuesday.start }, requested: { start: p.thursday.start } });
    const own = await alice.post(`/v1/swaps/${swap.body.id}/accept`);
    expect(own.status).toBe(403);
    expect(own.headers["content-type"]).toContain("application/problem+json");
    const done = await bob.post(`/v1/swaps/${swap.body.id}/accept`);
    expect(done.status).toBe(200);
    expect(done.body.swap).toMatchObject({ status: "completed", acceptedAt: done.body.swap.completedAt });
    const rows = (await t.handle.db.select().from(dutyBookings)).filter((b) => b.programId === p.programId);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.personId]))).toEqual({ [p.aliceBooking]: bob.personId, [p.bobBooking]: alice.personId });
    // A client that still completes after accepting gets the swap as it is; nothing changes.
    const again = await bob.post(`/v1/swaps/${swap.body.id}/complete`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ swap: done.body.swap, overrides: [] });
    const twice = await bob.post(`/v1/swaps/${swap.body.id}/accept`);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe("invalid_transition");
    // Alice's history shows the Thursday slot swapped in and the Tuesday one out.
    const history = await alice.get(`/v1/people/${alice.personId}/assignments?from=${p.tuesday.start}&to=${DateTime.fromISO(p.thursday.end).plus({ hours: 1 }).toUTC().toISO()}`);
    expect(history.body.assignments.map((a: any) => [a.id, a.swappedIn?.swapId])).toEqual([[p.bobBooking, swap.body.id]]);
    expect(history.body.swappedOut.map((s: any) => s.id)).toEqual([p.aliceBooking]);
  });

  it("after the cut-off accepting is refused with 409 cutoff_passed and the swap stays pending; a lead may still accept it for Bob", async () => {
    const p = await programWith(7 * 1440, true);
    const swap = await alice.post("/v1/swaps", { kind: "trade", counterpartId: bob.personId, offered: { kind: "duty_booking", id: p.aliceBooking }, requested: { kind: "duty_booking", id: p.bobBooking } });
    const late = await bob.post(`/v1/swaps/${swap.body.id}/accept`);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("cutoff_passed");
    expect((await alice.get(`/v1/swaps/${swap.body.id}`)).body.status).toBe("pending");
    const rows = (await t.handle.db.select().from(dutyBookings)).filter((b) => b.programId === p.programId);
    expect(rows.find((r) => r.id === p.aliceBooking)!.personId).toBe(alice.personId);
    expect((await lead.post(`/v1/swaps/${swap.body.id}/accept`)).body.swap).toMatchObject({ status: "completed", counterpartId: bob.personId });
  });
});

describe("an agent's open shift taken by a colleague, with lead approval", () => {
  it("open → taken (accepted) → approved by the lead → completed; the shift is now the colleague's", async () => {
    const teamId = await team({ swapApprovalRequired: true });
    const shiftId = await shift(teamId, alice, 1, 9, 13);
    const offer = await alice.post("/v1/swaps", { kind: "open", offered: { kind: "shift", id: shiftId } });
    expect(offer.status).toBe(201);
    expect(offer.body.requiresApproval).toBe(true);
    const visible = await carol.get("/v1/swaps/open");
    expect(visible.body.items.map((s: any) => s.id)).toContain(offer.body.id);
    expect((await alice.get("/v1/swaps/open")).body.items.map((s: any) => s.id)).not.toContain(offer.body.id);
    const taken = await carol.post(`/v1/swaps/${offer.body.id}/accept`);
    expect(taken.body.swap).toMatchObject({ status: "accepted", counterpartId: carol.personId });
    const early = await carol.post(`/v1/swaps/${offer.body.id}/complete`);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe("invalid_transition");
    // The lead finds it in the team's list of what waits for approval; a member sees only their own there.
    const waiting = await lead.get(`/v1/swaps?teamId=${teamId}&status=accepted`);
    expect(waiting.body.items.map((s: any) => s.id)).toEqual([offer.body.id]);
    expect((await lead.get("/v1/swaps?status=accepted")).body.items.map((s: any) => s.id)).not.toContain(offer.body.id);
    expect((await bob.get(`/v1/swaps?teamId=${teamId}&status=accepted`)).body.items).toEqual([]);
    const notLead = await carol.post(`/v1/swaps/${offer.body.id}/approve`);
    expect(notLead.status).toBe(403);
    expect((await lead.post(`/v1/swaps/${offer.body.id}/approve`)).body.swap.status).toBe("approved");
    expect((await carol.post(`/v1/swaps/${offer.body.id}/complete`)).body.swap.status).toBe("completed");
    expect((await t.admin.get(`/v1/shifts/${shiftId}`)).body.personId).toBe(carol.personId);
  });

  it("accepting re-checks: a taker who now has an overlapping shift is refused and the swap stays pending", async () => {
    const teamId = await team();
    const shiftId = await shift(teamId, alice, 2, 9, 13);
    const offer = await alice.post("/v1/swaps", { kind: "give_away", counterpartId: bob.personId, offered: { kind: "shift", id: shiftId } });
    await shift(teamId, bob, 2, 12, 16);
    const res = await bob.post(`/v1/swaps/${offer.body.id}/accept`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("shift_overlaps");
    expect((await bob.get(`/v1/swaps/${offer.body.id}`)).body.status).toBe("pending");
    expect((await t.admin.get(`/v1/shifts/${shiftId}`)).body.personId).toBe(alice.personId);
  });

  it("a lead runs a swap on behalf of two people", async () => {
    const teamId = await team({ swapApprovalRequired: true });
    const shiftId = await shift(teamId, bob, 3, 9, 13);
    const offer = await lead.post("/v1/swaps", { kind: "give_away", requesterId: bob.personId, counterpartId: carol.personId, offered: { kind: "shift", id: shiftId } });
    expect(offer.status).toBe(201);
    for (const step of ["accept", "approve", "complete"]) expect((await lead.post(`/v1/swaps/${offer.body.id}/${step}`)).status).toBe(200);
    expect((await t.admin.get(`/v1/shifts/${shiftId}`)).body.personId).toBe(carol.personId);
    // A member cannot offer someone else's shift.
    const other = await shift(teamId, bob, 4, 9, 13);
    expect((await alice.post("/v1/swaps", { kind: "open", requesterId: bob.personId, offered: { kind: "shift", id: other } })).status).toBe(403);
    expect((await alice.post("/v1/swaps", { kind: "open", offered: { kind: "shift", id: other } })).body.code).toBe("not_your_assignment");
  });
});

describe("the Elementary vacation", () => {
  it("time off approved → on-call gap → open swap → colleague takes it → override → gap gone", async () => {
    const teamId = await team({ openSwapsOnTimeOff: true });
    const schedule = await lead.post("/v1/schedules", {
      name: "Community on call",
      timeZone: zone,
      teamId,
      layers: [{ participants: [alice.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: base.toISODate() }],
    });
    const vacationStart = base.plus({ days: 7 });
    const request = await alice.post("/v1/time-off", { startDate: vacationStart.toISODate(), endDate: vacationStart.plus({ days: 1 }).toISODate(), reason: "vacation" });
    expect(request.status).toBe(201);
    expect(request.body.status).toBe("requested");
    expect((await bob.post(`/v1/time-off/${request.body.id}/approve`)).status).toBe(403);
    const approved = await lead.post(`/v1/time-off/${request.body.id}/approve`, {});
    expect(approved.status).toBe(200);
    const startIso = vacationStart.toUTC().toISO();
    const endIso = vacationStart.plus({ days: 2 }).toUTC().toISO();
    expect(approved.body.start).toBe(startIso);
    expect(approved.body.end).toBe(endIso);
    expect(approved.body.uncovered).toEqual([expect.objectContaining({ kind: "oncall", id: schedule.body.id, personId: alice.personId, start: startIso, end: endIso })]);
    expect(approved.body.openSwapIds).toHaveLength(1);

    const gaps = await lead.get(`/v1/schedules/${schedule.body.id}/gaps?from=${startIso}&to=${endIso}`);
    expect(gaps.body.gaps).toEqual([{ start: startIso, end: endIso, reason: "time_off", personId: alice.personId }]);
    const conflicts = await lead.get(`/v1/conflicts?teamId=${teamId}&from=${startIso}&to=${endIso}`);
    expect(conflicts.body.items.map((c: any) => [c.assignment.kind, c.person])).toEqual([["oncall", { id: alice.personId, name: expect.any(String), timeZone: expect.any(String) }]]);

    const swapId = approved.body.openSwapIds[0];
    expect((await bob.get("/v1/swaps/open")).body.items.map((s: any) => s.id)).toContain(swapId);
    const done = await bob.post(`/v1/swaps/${swapId}/accept`);
    expect(done.status).toBe(200);
    expect(done.body.swap.status).toBe("completed");
    expect(done.body.overrides).toHaveLength(1);
    const overrides = await lead.get(`/v1/schedules/${schedule.body.id}/overrides?from=${startIso}&to=${endIso}`);
    expect(overrides.body.items).toEqual([expect.objectContaining({ personId: bob.personId, replacesPersonId: alice.personId, start: startIso, end: endIso })]);
    expect((await lead.get(`/v1/schedules/${schedule.body.id}/gaps?from=${startIso}&to=${endIso}`)).body.gaps).toEqual([]);
    const now = await lead.get(`/v1/oncall?schedule=${schedule.body.id}&at=${vacationStart.plus({ hours: 12 }).toUTC().toISO()}`);
    expect(now.body.items[0].current.person.id).toBe(bob.personId);
  });
});

describe("vacation with substitutes, in one step", () => {
  it("approval names substitutes: one for everything, one per assignment; shifts change hands, on-call gets overrides, all in one answer", async () => {
    const teamId = await team();
    const schedule = await lead.post("/v1/schedules", {
      name: `Substituted on call ${Date.now()}`,
      timeZone: zone,
      teamId,
      layers: [{ participants: [alice.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: base.toISODate() }],
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    const away = base.plus({ weeks: 8 });
    const morning = await lead.post("/v1/shifts", { teamId, personId: alice.personId, start: away.plus({ hours: 9 }).toUTC().toISO(), end: away.plus({ hours: 13 }).toUTC().toISO() });
    const afternoon = await lead.post("/v1/shifts", { teamId, personId: alice.personId, start: away.plus({ days: 1, hours: 13 }).toUTC().toISO(), end: away.plus({ days: 1, hours: 17 }).toUTC().toISO() });
    expect([morning.status, afternoon.status]).toEqual([201, 201]);
    const request = await alice.post("/v1/time-off", { startDate: away.toISODate(), endDate: away.plus({ days: 1 }).toISODate(), reason: "vacation" });
    expect(request.body.status).toBe("requested");
    // A member cannot name substitutes (that decides the request).
    expect((await alice.post("/v1/time-off", { startDate: away.plus({ days: 3 }).toISODate(), endDate: away.plus({ days: 3 }).toISODate(), reason: "vacation", substitute: bob.personId })).status).toBe(403);
    // Bob covers everything except the afternoon shift, which Carol takes.
    const approved = await lead.post(`/v1/time-off/${request.body.id}/approve`, {
      substitute: bob.personId,
      substitutes: [{ kind: "shift", id: afternoon.body.id, personId: carol.personId }],
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.uncovered).toEqual([]);
    expect(approved.body.substitutionsRefused).toEqual([]);
    // (Alice is also on call in earlier tests' schedules; Bob covers those too.)
    const mine = approved.body.covered.filter((c: any) => c.assignment.kind === "shift" || c.assignment.id === schedule.body.id);
    expect(mine.map((c: any) => [c.assignment.kind, c.personId]).sort()).toEqual([["oncall", bob.personId], ["shift", bob.personId], ["shift", carol.personId]].sort());
    expect((await lead.get(`/v1/shifts/${morning.body.id}`)).body.personId).toBe(bob.personId);
    expect((await lead.get(`/v1/shifts/${afternoon.body.id}`)).body.personId).toBe(carol.personId);
    const from = away.toUTC().toISO();
    const to = away.plus({ days: 2 }).toUTC().toISO();
    expect((await lead.get(`/v1/schedules/${schedule.body.id}/overrides?from=${from}&to=${to}`)).body.items).toEqual([
      expect.objectContaining({ personId: bob.personId, replacesPersonId: alice.personId, start: from, end: to }),
    ]);
    expect((await lead.get(`/v1/schedules/${schedule.body.id}/gaps?from=${from}&to=${to}`)).body.gaps).toEqual([]);
  });

  it("a lead's request with a substitute is approved as made; a substitute a rule refuses leaves that assignment uncovered, with the reason", async () => {
    const teamId = await team();
    const away = base.plus({ weeks: 10 });
    const own = await lead.post("/v1/shifts", { teamId, personId: alice.personId, start: away.plus({ hours: 9 }).toUTC().toISO(), end: away.plus({ hours: 13 }).toUTC().toISO() });
    // Bob already works then: he cannot take Alice's shift.
    await lead.post("/v1/shifts", { teamId, personId: bob.personId, start: away.plus({ hours: 10 }).toUTC().toISO(), end: away.plus({ hours: 14 }).toUTC().toISO() });
    const res = await lead.post("/v1/time-off", { personId: alice.personId, startDate: away.toISODate(), endDate: away.toISODate(), reason: "sick", substitute: bob.personId });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: "approved", decidedBy: lead.personId });
    const shiftsOf = (list: any[]) => list.filter((x: any) => (x.assignment ?? x).kind === "shift");
    expect(shiftsOf(res.body.covered)).toEqual([]);
    expect(shiftsOf(res.body.uncovered).map((a: any) => a.id)).toEqual([own.body.id]);
    expect(shiftsOf(res.body.substitutionsRefused)).toEqual([expect.objectContaining({ personId: bob.personId, code: "shift_overlaps", assignment: expect.objectContaining({ id: own.body.id }) })]);
    expect((await lead.get(`/v1/shifts/${own.body.id}`)).body.personId).toBe(alice.personId);
    // Naming the person themselves, or an assignment they do not have, is refused before anything is written.
    const self = await lead.post("/v1/time-off", { personId: alice.personId, startDate: away.plus({ days: 1 }).toISODate(), endDate: away.plus({ days: 1 }).toISODate(), reason: "sick", substitute: alice.personId });
    expect([self.status, self.body.code]).toEqual([422, "invalid_substitute"]);
    const stray = await lead.post("/v1/time-off", { personId: alice.personId, startDate: away.plus({ days: 1 }).toISODate(), endDate: away.plus({ days: 1 }).toISODate(), reason: "sick", substitutes: [{ kind: "shift", id: own.body.id, personId: carol.personId }] });
    expect([stray.status, stray.body.code, stray.body.errors?.[0]?.field]).toEqual([422, "not_in_time_off", "substitutes.0"]);
    expect((await alice.get(`/v1/time-off?personId=${alice.personId}&status=approved`)).body.items.filter((x: any) => x.start >= away.plus({ days: 1 }).toUTC().toISO()!)).toEqual([]);
  });
});

describe("expiry", () => {
  it("a swap past its deadline reads as expired and can no longer be accepted", async () => {
    const teamId = await team();
    const sid = await shift(teamId, alice, 20, 9, 13);
    const soon = new Date(Date.now() + 1500).toISOString();
    const offer = await alice.post("/v1/swaps", { kind: "give_away", counterpartId: bob.personId, offered: { kind: "shift", id: sid }, expiresAt: soon });
    expect(offer.body.status).toBe("pending");
    const past = await alice.post("/v1/swaps", { kind: "open", offered: { kind: "shift", id: await shift(teamId, alice, 21, 9, 13) }, expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(past.status).toBe(422);
    expect(past.body.errors[0].field).toBe("expiresAt");
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await bob.get(`/v1/swaps/${offer.body.id}`)).body.status).toBe("expired");
    expect((await bob.get(`/v1/swaps?status=pending`)).body.items.map((s: any) => s.id)).not.toContain(offer.body.id);
    expect((await bob.get(`/v1/swaps?status=expired`)).body.items.map((s: any) => s.id)).toContain(offer.body.id);
    const late = await bob.post(`/v1/swaps/${offer.body.id}/accept`);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("invalid_transition");
    expect((await t.admin.get(`/v1/shifts/${sid}`)).body.personId).toBe(alice.personId);
  });
});

describe("time off", () => {
  it("auto-approves where the team says so, and cancels before it starts", async () => {
    const teamId = await team({ timeOffAutoApprove: true });
    const sid = await shift(teamId, carol, 10, 9, 13);
    const res = await carol.post("/v1/time-off", { start: day(10, 8), end: day(10, 12), reason: "personal" });
    expect(res.body.status).toBe("approved");
    expect(res.body.decidedBy).toBeNull();
    expect(res.body.uncovered).toEqual([expect.objectContaining({ kind: "shift", id: sid, start: day(10, 9).replace(/\.\d+Z$/, ".000Z"), end: day(10, 12).replace(/\.\d+Z$/, ".000Z") })]);
    expect((await carol.post(`/v1/time-off/${res.body.id}/cancel`)).body.status).toBe("cancelled");
    const again = await carol.post(`/v1/time-off/${res.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("invalid_transition");
  });

  it("bad input is a clear 4xx", async () => {
    const both = await alice.post("/v1/time-off", { startDate: "2027-01-01", endDate: "2027-01-02", start: day(1, 0), end: day(2, 0), reason: "vacation" });
    expect(both.status).toBe(422);
    expect(both.body.errors[0].field).toBe("start");
    const backwards = await alice.post("/v1/time-off", { startDate: "2027-01-05", endDate: "2027-01-02", reason: "vacation" });
    expect(backwards.body.errors[0].field).toBe("endDate");
    expect((await alice.post("/v1/time-off", { startDate: "2027-01-05", endDate: "2027-01-06", reason: "holiday" })).status).toBe(400);
    expect((await alice.post("/v1/time-off", { personId: bob.personId, startDate: "2027-01-05", endDate: "2027-01-06", reason: "vacation" })).status).toBe(403);
  });

  it("time off wholly in the past: a member is refused; a lead records it (approved), and the audit log says who", async () => {
    const past = { startDate: "2026-03-02", endDate: "2026-03-03", reason: "sick" };
    const refused = await alice.post("/v1/time-off", past);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: "time_off_in_past", errors: [{ field: "endDate" }] });
    const byInstants = await alice.post("/v1/time-off", { start: "2026-03-02T08:00:00Z", end: "2026-03-02T12:00:00Z", reason: "sick" });
    expect([byInstants.status, byInstants.body.errors?.[0]?.field]).toEqual([422, "end"]);
    // Under way (started, not ended) is still the member's own request.
    const underWay = await alice.post("/v1/time-off", { start: new Date(Date.now() - 3_600_000).toISOString(), end: new Date(Date.now() + 3_600_000).toISOString(), reason: "sick" });
    expect(underWay.status, JSON.stringify(underWay.body)).toBe(201);
    const recorded = await lead.post("/v1/time-off", { ...past, personId: alice.personId });
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    expect(recorded.body).toMatchObject({ status: "approved", decidedBy: lead.personId, personId: alice.personId });
    const log = await t.admin.get(`/v1/audit?entity=time_off&entityId=${recorded.body.id}`);
    expect(log.body.items.map((e: any) => [e.action, e.actorId])).toEqual([["record_past", lead.personId]]);
    expect((await alice.get(`/v1/time-off?personId=${alice.personId}&status=approved`)).body.items.map((x: any) => x.id)).toContain(recorded.body.id);
  });
});

describe("concurrent completions", () => {
  it("two swaps handing over the same shift, accepted (and so completed) at once: exactly one wins (5 rounds)", async () => {
    const teamId = await team();
    for (let round = 0; round < 5; round++) {
      const x = await shift(teamId, alice, 11 + round, 9, 12);
      const y = await shift(teamId, carol, 11 + round, 14, 17);
      const give = await alice.post("/v1/swaps", { kind: "give_away", counterpartId: bob.personId, offered: { kind: "shift", id: x } });
      const trade = await carol.post("/v1/swaps", { kind: "trade", counterpartId: alice.personId, offered: { kind: "shift", id: y }, requested: { kind: "shift", id: x } });
      expect([give.status, trade.status]).toEqual([201, 201]);
      const [a, b] = await Promise.all([bob.post(`/v1/swaps/${give.body.id}/accept`), alice.post(`/v1/swaps/${trade.body.id}/accept`)]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      expect([a, b].find((r) => r.status === 409)!.body.code).toBe("assignment_changed");
      const owner = (await t.handle.db.select().from(shiftsTable)).find((s) => s.id === x)!.personId;
      expect(owner).toBe(a.status === 200 ? bob.personId : carol.personId);
    }
  });
});
