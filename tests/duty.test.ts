import { DateTime } from "luxon";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../src/db/client.ts";
import { createDutyRepository } from "../src/db/repositories/duty.ts";
import { dutyBookings, dutyFairnessLedger, people as peopleTable } from "../src/db/schema/index.ts";
import { autoAssignMonth, bookPlan, listPrograms } from "../src/services/duty.ts";
import { issueToken } from "../src/services/tokens.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";
import { countingDb } from "./helpers/statements.ts";

// Drift's company-wide chat duty (SPEC §1): everyone does one hour a month,
// picks and trades slots on a shared calendar, after a training session.
const zone = "America/New_York";
// Two months ahead, so every slot is in the future whenever the suite runs.
const month = DateTime.now().setZone(zone).plus({ months: 2 }).toFormat("yyyy-MM");
const nextMonth = DateTime.fromFormat(month, "yyyy-MM", { zone }).plus({ months: 1 }).toFormat("yyyy-MM");

let t: TestApp;
let lead: Client & { personId: string };
let tate: Client & { personId: string };
let dan: Client & { personId: string };
let newHire: Client & { personId: string };
let programId: string;
let slots: any[];

const trainedAt = "2026-01-15T15:00:00Z";

beforeAll(async () => {
  t = await createTestApp();
  lead = await t.person({ role: "lead", name: "Lead Lou", timeZone: zone });
  tate = await t.person({ name: "Tate", timeZone: zone, skills: ["legal"] });
  dan = await t.person({ name: "Dan", timeZone: zone });
  newHire = await t.person({ name: "New Hire", timeZone: zone });
  for (const p of [lead, tate, dan]) await t.admin.patch(`/v1/people/${p.personId}`, { trainedAt });
  const created = await lead.post("/v1/duty-programs", {
    name: "Company chat duty",
    timeZone: zone,
    slotMinutes: 60,
    hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] },
    seatsPerSlot: 2,
    quotaPerMonth: 1,
    changeCutoffMinutes: 1440,
    trainingRequired: true,
  });
  expect(created.status).toBe(201);
  programId = created.body.id;
  const generated = await lead.post(`/v1/duty-programs/${programId}/months/${month}/slots`);
  expect(generated.status).toBe(200);
  slots = (await tate.get(`/v1/duty-programs/${programId}/slots?month=${month}`)).body.items;
});
afterAll(() => t.close());

describe("duty programs and slots", () => {
  it("generates one slot per working hour of every weekday of the month, at whole local hours", async () => {
    let weekdays = 0;
    const first = DateTime.fromFormat(month, "yyyy-MM", { zone });
    for (let d = first; d.month === first.month; d = d.plus({ days: 1 })) if (d.weekday <= 5) weekdays++;
    expect(slots).toHaveLength(weekdays * 8);
    for (const s of slots) {
      const local = DateTime.fromISO(s.start, { zone });
      expect(local.minute).toBe(0);
      expect(local.hour).toBeGreaterThanOrEqual(9);
      expect(local.hour).toBeLessThan(17);
      expect(s).toMatchObject({ seats: 2, freeSeats: 2, bookings: [], closed: false });
    }
  });

  it("generating again is idempotent", async () => {
    const again = await lead.post(`/v1/duty-programs/${programId}/months/${month}/slots`);
    expect(again.body).toEqual({ month, created: 0, total: slots.length });
  });

  it("can take its hours from a team's support hours, closed days included", async () => {
    const team = await t.team({ name: "Advocates hours", timeZone: zone });
    const first = DateTime.fromFormat(month, "yyyy-MM", { zone });
    const firstWeekday = [0, 1, 2, 3, 4, 5, 6].map((n) => first.plus({ days: n })).find((d) => d.weekday <= 5)!;
    await t.admin.request("PUT", `/v1/teams/${team.id}/support-hours`, {
      body: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "13:00", end: "15:00" }], exceptions: [{ date: firstWeekday.toISODate(), closed: true }] },
    });
    const program = await lead.post("/v1/duty-programs", { name: "Team-hours duty", timeZone: zone, hoursTeamId: team.id });
    expect(program.status).toBe(201);
    await lead.post(`/v1/duty-programs/${program.body.id}/months/${month}/slots`);
    const items = (await lead.get(`/v1/duty-programs/${program.body.id}/slots?month=${month}`)).body.items;
    let weekdays = 0;
    for (let d = first; d.month === first.month; d = d.plus({ days: 1 })) if (d.weekday <= 5) weekdays++;
    expect(items).toHaveLength((weekdays - 1) * 2);
    expect(items.every((s: any) => [13, 14].includes(DateTime.fromISO(s.start, { zone }).hour))).toBe(true);
    expect(items.some((s: any) => DateTime.fromISO(s.start, { zone }).toISODate() === firstWeekday.toISODate())).toBe(false);
  });

  it("only admins and leads run programs; bad input is a clear 4xx", async () => {
    expect((await tate.post("/v1/duty-programs", { name: "x", timeZone: zone, hours: { windows: [] } })).status).toBe(403);
    const noHours = await lead.post("/v1/duty-programs", { name: "Empty", timeZone: zone });
    expect(noHours.status).toBe(422);
    expect(noHours.body.errors[0].field).toBe("hours.windows");
    const badWindow = await lead.post("/v1/duty-programs", { name: "Bad", timeZone: zone, bookingWindow: { opens: { monthsBefore: 1, day: 30 }, closes: { monthsBefore: 1, day: 25 } } });
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.errors[0].field).toBe("bookingWindow.opens.day");
    const badMonth = await lead.post(`/v1/duty-programs/${programId}/months/2026-13/slots`);
    expect(badMonth.status).toBe(400);
    expect(badMonth.body.errors[0].field).toBe("month");
  });

  // The lists are join tables with foreign keys (drizzle/0008_child_tables.sql): order and repeats survive, unknown ids do not.
  it("eligibility lists come back as given; an id naming nobody is a 404 naming the list; a deleted team leaves it", async () => {
    const first = await t.team();
    const second = await t.team();
    const hours = { windows: [{ days: ["mon"], start: "09:00", end: "10:00" }] };
    const lists = { eligibleTeamIds: [second.id, first.id], eligiblePersonIds: [tate.personId, dan.personId, tate.personId], excludedPersonIds: [newHire.personId] };
    const created = await lead.post("/v1/duty-programs", { name: "Lists", timeZone: zone, hours, eligibility: "teams", ...lists });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(lists);
    expect((await lead.get(`/v1/duty-programs/${created.body.id}`)).body).toMatchObject(lists);

    const nobody = "00000000-0000-4000-8000-00000000dead";
    const unknownPerson = await lead.patch(`/v1/duty-programs/${created.body.id}`, { excludedPersonIds: [newHire.personId, nobody] });
    expect(unknownPerson.status).toBe(404);
    expect(unknownPerson.body).toMatchObject({ code: "not_found", errors: [{ field: "excludedPersonIds" }] });
    const unknownTeam = await lead.post("/v1/duty-programs", { name: "Lists 2", timeZone: zone, hours, eligibleTeamIds: [nobody] });
    expect(unknownTeam.status).toBe(404);
    expect(unknownTeam.body.errors[0].field).toBe("eligibleTeamIds");

    const patched = await lead.patch(`/v1/duty-programs/${created.body.id}`, { eligiblePersonIds: [dan.personId] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ...lists, eligiblePersonIds: [dan.personId] });

    expect((await t.admin.delete(`/v1/teams/${second.id}`)).status).toBe(204);
    expect((await lead.get(`/v1/duty-programs/${created.body.id}`)).body.eligibleTeamIds).toEqual([first.id]);
  });
});

describe("booking", () => {
  it("Tate books a slot; the calendar shows him there with one free seat (and a poller's ETag stops matching)", async () => {
    const url = `/v1/duty-programs/${programId}/slots?month=${month}`;
    const before = await dan.get(url);
    const etag = String(before.headers.etag);
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    // Dan's page re-reads the month: nothing changed, an empty 304.
    const unchanged = await dan.get(url, { "if-none-match": etag });
    expect(unchanged.status).toBe(304);
    expect(unchanged.raw.body).toBe("");
    const res = await tate.post(`/v1/duty-slots/${slots[0].id}/bookings`, {});
    const changed = await dan.get(url, { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ personId: tate.personId, slotId: slots[0].id, month, start: slots[0].start });
    const calendar = (await dan.get(`/v1/duty-programs/${programId}/slots?month=${month}`)).body.items;
    expect(calendar[0]).toMatchObject({ freeSeats: 1, bookings: [{ personId: tate.personId, name: "Tate" }] });
  });

  it("a second slot the same month is over quota", async () => {
    const res = await tate.post(`/v1/duty-slots/${slots[5].id}/bookings`, {});
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("quota_exceeded");
  });

  it("a new hire must finish training first", async () => {
    const res = await newHire.post(`/v1/duty-slots/${slots[1].id}/bookings`, {});
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("training_required");
    await t.admin.patch(`/v1/people/${newHire.personId}`, { trainedAt });
    expect((await newHire.post(`/v1/duty-slots/${slots[1].id}/bookings`, {})).status).toBe(201);
  });

  it("a retried click with the same Idempotency-Key is one booking", async () => {
    const first = await dan.post(`/v1/duty-slots/${slots[2].id}/bookings`, {}, { "idempotency-key": "dan-click" });
    const retry = await dan.post(`/v1/duty-slots/${slots[2].id}/bookings`, {}, { "idempotency-key": "dan-click" });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    const rows = (await t.handle.db.select().from(dutyBookings)).filter((b) => b.personId === dan.personId);
    expect(rows).toHaveLength(1);
  });

  it("a booking never overlaps the person's shift (one commitments table for both)", async () => {
    const team = await t.team({ name: "Advocates", timeZone: zone, minShiftMinutes: 60 });
    const sam = await t.person({ name: "Sam", timeZone: zone });
    await t.admin.patch(`/v1/people/${sam.personId}`, { trainedAt });
    await t.admin.post(`/v1/teams/${team.id}/members`, { personId: sam.personId });
    const shift = await t.admin.post("/v1/shifts", { teamId: team.id, personId: sam.personId, start: slots[3].start, end: slots[4].end });
    expect(shift.status).toBe(201);
    const res = await sam.post(`/v1/duty-slots/${slots[4].id}/bookings`, {});
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("booking_overlaps");
    expect(res.body.conflict).toEqual({ kind: "shift", id: shift.body.id });
  });

  it("a program for some teams refuses a person of no such team, and an excluded one, as not_eligible", async () => {
    const team = await t.team({ name: "Eligible team", timeZone: zone });
    const inside = await t.person({ name: "Ina", timeZone: zone });
    const excluded = await t.person({ name: "Exa", timeZone: zone });
    const outside = await t.person({ name: "Otto", timeZone: zone });
    for (const p of [inside, excluded]) await t.admin.post(`/v1/teams/${team.id}/members`, { personId: p.personId });
    const hours = { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] };
    const program = await t.admin.post("/v1/duty-programs", { name: "Team duty", timeZone: zone, hours, eligibility: "teams", eligibleTeamIds: [team.id], excludedPersonIds: [excluded.personId] });
    expect(program.status).toBe(201);
    expect((await t.admin.post(`/v1/duty-programs/${program.body.id}/months/${month}/slots`)).status).toBe(200);
    const [slot] = (await t.admin.get(`/v1/duty-programs/${program.body.id}/slots?month=${month}`)).body.items;
    for (const p of [outside, excluded]) {
      const res = await p.post(`/v1/duty-slots/${slot.id}/bookings`, {});
      expect(res.status).toBe(422);
      expect(res.body.code).toBe("not_eligible");
    }
    expect((await inside.post(`/v1/duty-slots/${slot.id}/bookings`, {})).status).toBe(201);
  });

  it("a member cannot book for someone else; a lead can", async () => {
    const other = await t.person({ name: "Other", timeZone: zone });
    await t.admin.patch(`/v1/people/${other.personId}`, { trainedAt });
    expect((await tate.post(`/v1/duty-slots/${slots[6].id}/bookings`, { personId: other.personId })).status).toBe(403);
    const byLead = await lead.post(`/v1/duty-slots/${slots[6].id}/bookings`, { personId: other.personId });
    expect(byLead.status).toBe(201);
    expect(byLead.body.bookedBy).toBe(lead.personId);
  });
});

describe("moving and cancelling", () => {
  it("moving is atomic: into a full slot fails and the booking stays; into a free one it moves", async () => {
    const mine = (await dan.get(`/v1/duty-programs/${programId}/slots?month=${month}`)).body.items.find((s: any) => s.bookings.some((b: any) => b.personId === dan.personId));
    const bookingId = mine.bookings.find((b: any) => b.personId === dan.personId).id;
    await lead.request("PATCH", `/v1/duty-slots/${slots[7].id}`, { body: { seats: 0 } });
    const full = await dan.post(`/v1/duty-bookings/${bookingId}/move`, { slotId: slots[7].id });
    expect(full.status).toBe(409);
    expect(full.body.code).toBe("slot_full");
    const still = (await t.handle.db.select().from(dutyBookings)).filter((b) => b.personId === dan.personId);
    expect(still.map((b) => b.slotId)).toEqual([mine.id]);
    const moved = await dan.post(`/v1/duty-bookings/${bookingId}/move`, { slotId: slots[8].id });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: bookingId, slotId: slots[8].id, start: slots[8].start });
    const after = (await t.handle.db.select().from(dutyBookings)).filter((b) => b.personId === dan.personId);
    expect(after.map((b) => b.slotId)).toEqual([slots[8].id]);
  });

  it("seats cannot drop below the bookings a slot holds", async () => {
    const res = await lead.request("PATCH", `/v1/duty-slots/${slots[0].id}`, { body: { seats: 0 } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("seats_below_bookings");
  });

  it("after the 24-hour cut-off only a lead may cancel, except within 10 minutes of booking (a mistake undone)", async () => {
    const soon = DateTime.now().plus({ hours: 3 }).startOf("hour");
    const slot = await lead.post(`/v1/duty-programs/${programId}/slots`, { start: soon.toUTC().toISO(), end: soon.plus({ hours: 1 }).toUTC().toISO(), seats: 1 });
    expect(slot.status).toBe(201);
    const casual = await t.person({ name: "Casual", timeZone: zone });
    await t.admin.patch(`/v1/people/${casual.personId}`, { trainedAt });
    // Booked by mistake inside the cut-off: undone at once, within the grace period.
    const mistake = await casual.post(`/v1/duty-slots/${slot.body.id}/bookings`, {});
    expect(mistake.status).toBe(201);
    expect((await casual.delete(`/v1/duty-bookings/${mistake.body.id}`)).status).toBe(204);
    const booking = await casual.post(`/v1/duty-slots/${slot.body.id}/bookings`, {});
    expect(booking.status).toBe(201);
    // Eleven minutes later the grace period is over and the cut-off rules.
    await t.handle.db.update(dutyBookings).set({ createdAt: new Date(Date.now() - 11 * 60_000) }).where(eq(dutyBookings.id, booking.body.id));
    const late = await casual.delete(`/v1/duty-bookings/${booking.body.id}`);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("cutoff_passed");
    expect((await lead.delete(`/v1/duty-bookings/${booking.body.id}`)).status).toBe(204);
    // The program sets the grace period: 0 turns it off.
    const strict = await lead.request("PATCH", `/v1/duty-programs/${programId}`, { body: { cancelGraceMinutes: 0 } });
    expect([strict.status, strict.body.cancelGraceMinutes]).toEqual([200, 0]);
    const again = await casual.post(`/v1/duty-slots/${slot.body.id}/bookings`, {});
    expect((await casual.delete(`/v1/duty-bookings/${again.body.id}`)).body.code).toBe("cutoff_passed");
    expect((await lead.request("PATCH", `/v1/duty-programs/${programId}`, { body: { cancelGraceMinutes: 1441 } })).body.errors[0].field).toBe("cancelGraceMinutes");
    await lead.request("PATCH", `/v1/duty-programs/${programId}`, { body: { cancelGraceMinutes: 10 } });
    await lead.delete(`/v1/duty-bookings/${again.body.id}`);
  });

  it("before the cut-off cancelling is free", async () => {
    const other = (await t.handle.db.select().from(dutyBookings)).find((b) => b.personId === newHire.personId)!;
    expect((await newHire.delete(`/v1/duty-bookings/${other.id}`)).status).toBe(204);
    expect((await newHire.post(`/v1/duty-slots/${slots[9].id}/bookings`, {})).status).toBe(201);
  });
});

describe("on duty, reminders and the booking window", () => {
  it("routes a legal question to the counsel on duty", async () => {
    const at = new Date(new Date(slots[0].start).getTime() + 10 * 60_000).toISOString();
    const res = await dan.get(`/v1/duty-programs/${programId}/on-duty?at=${at}&skill=legal`);
    expect(res.status).toBe(200);
    expect(res.body.onDuty.map((d: any) => d.person.name)).toEqual(["Tate"]);
    expect(res.body.withSkill.map((d: any) => d.person.id)).toEqual([tate.personId]);
    const nobody = await dan.get(`/v1/duty-programs/${programId}/on-duty?at=${slots[0].end}`);
    expect(nobody.body.onDuty.every((d: any) => d.person.id !== tate.personId)).toBe(true);
  });

  it("lists who still has to book, for a reminder bot", async () => {
    const res = await lead.get(`/v1/duty-programs/${programId}/months/${month}/unbooked`);
    expect(res.status).toBe(200);
    const names = res.body.items.map((i: any) => i.person.name);
    expect(names).toContain("Lead Lou");
    expect(names).not.toContain("Tate");
    expect(names).not.toContain("Dan");
  });

  it("outside the booking window members are refused, leads are not", async () => {
    // Booking for next month opens 15 months before… it does not matter when; a window that has closed:
    await lead.patch(`/v1/duty-programs/${programId}`, { bookingWindow: { opens: { monthsBefore: 12, day: 1 }, closes: { monthsBefore: 11, day: 1 } } });
    const closed = await lead.post(`/v1/duty-programs/${programId}/months/${nextMonth}/slots`);
    expect(closed.body.created).toBeGreaterThan(0);
    const nextSlots = (await lead.get(`/v1/duty-programs/${programId}/slots?month=${nextMonth}`)).body.items;
    const res = await tate.post(`/v1/duty-slots/${nextSlots[0].id}/bookings`, {});
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("booking_closed");
    expect((await lead.post(`/v1/duty-slots/${nextSlots[0].id}/bookings`, { personId: tate.personId })).status).toBe(201);
    await lead.patch(`/v1/duty-programs/${programId}`, { bookingWindow: null });
  });
});

describe("the last seat", () => {
  it("200 people clicking the same last seat at once: one booking, 199 clean 409 slot_full", async () => {
    const slot = slots[20];
    await lead.request("PATCH", `/v1/duty-slots/${slot.id}`, { body: { seats: 1 } });
    // 200 trained people with tokens, made directly so setup stays fast.
    const rows = await t.handle.db
      .insert(peopleTable)
      .values(Array.from({ length: 200 }, (_, i) => ({ name: `Clicker ${i}`, email: `clicker${i}@example.test`, timeZone: zone, trainedAt: new Date(trainedAt) })))
      .returning();
    const tokens = await Promise.all(rows.map(async (p) => (await issueToken(t.handle.db, p.id, "test", new Date())).secret));
    const results = await Promise.all(tokens.map((token) => t.as(token).post(`/v1/duty-slots/${slot.id}/bookings`, {})));
    const won = results.filter((r) => r.status === 201);
    expect(won).toHaveLength(1);
    const lost = results.filter((r) => r.status !== 201);
    expect(lost).toHaveLength(199);
    for (const r of lost) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe("slot_full");
    }
    const booked = (await t.handle.db.select().from(dutyBookings)).filter((b) => b.slotId === slot.id);
    expect(booked).toHaveLength(1);
  });
});

describe("the quota under concurrency", () => {
  it("five people each booking ten different slots at once: each gets exactly one (quota 1)", async () => {
    const eager = await Promise.all(Array.from({ length: 5 }, (_, i) => t.person({ name: `Eager ${i}`, timeZone: zone })));
    for (const e of eager) await t.admin.patch(`/v1/people/${e.personId}`, { trainedAt });
    const free = (await lead.get(`/v1/duty-programs/${programId}/slots?month=${month}`)).body.items.filter((s: any) => s.freeSeats === 2).slice(30, 40);
    expect(free).toHaveLength(10);
    const results = await Promise.all(eager.flatMap((e) => free.map((s: any) => e.post(`/v1/duty-slots/${s.id}/bookings`, {}).then((r) => ({ who: e.personId, r })))));
    for (const e of eager) {
      const mine = results.filter((x) => x.who === e.personId);
      expect(mine.filter((x) => x.r.status === 201)).toHaveLength(1);
      for (const x of mine.filter((y) => y.r.status !== 201)) expect(["quota_exceeded", "slot_full"]).toContain(x.r.body.code);
      expect((await t.handle.db.select().from(dutyBookings)).filter((b) => b.personId === e.personId)).toHaveLength(1);
    }
  });
});

describe("fair auto-assign", () => {
  let autoProgram: string;
  let paris: Client & { personId: string };
  let la: Client & { personId: string };
  let nightOwl: Client & { personId: string };

  beforeAll(async () => {
    paris = await t.person({ name: "Paris Person", timeZone: "Europe/Paris" });
    la = await t.person({ name: "LA Person", timeZone: "America/Los_Angeles" });
    nightOwl = await t.person({ name: "Night Owl", timeZone: zone });
    await t.admin.patch(`/v1/people/${nightOwl.personId}`, { workingDays: ["sat"], workingStart: "22:00", workingEnd: "23:00" });
    const created = await lead.post("/v1/duty-programs", {
      name: "Auto duty",
      timeZone: zone,
      hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] },
      seatsPerSlot: 1,
      eligibility: "people",
      eligiblePersonIds: [paris.personId, la.personId, nightOwl.personId],
    });
    autoProgram = created.body.id;
    await lead.post(`/v1/duty-programs/${autoProgram}/months/${month}/slots`);
  });

  it("dry run: each person gets a slot inside their own working hours; deterministic; who cannot be placed and why", async () => {
    const first = await lead.post(`/v1/duty-programs/${autoProgram}/months/${month}/auto-assign`);
    const second = await lead.post(`/v1/duty-programs/${autoProgram}/months/${month}/auto-assign`);
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(first.body.apply).toBe(false);
    const slotsById = new Map((await lead.get(`/v1/duty-programs/${autoProgram}/slots?month=${month}`)).body.items.map((s: any) => [s.id, s]));
    const byPerson = new Map(first.body.assignments.map((a: any) => [a.personId, slotsById.get(a.slotId)]));
    const parisSlot: any = byPerson.get(paris.personId);
    const laSlot: any = byPerson.get(la.personId);
    const parisLocal = DateTime.fromISO(parisSlot.start, { zone: "Europe/Paris" });
    const laLocal = DateTime.fromISO(laSlot.start, { zone: "America/Los_Angeles" });
    expect(parisLocal.hour).toBeGreaterThanOrEqual(9);
    expect(DateTime.fromISO(parisSlot.end, { zone: "Europe/Paris" }).hour).toBeLessThanOrEqual(17);
    expect(laLocal.hour).toBeGreaterThanOrEqual(9);
    expect(first.body.unplaced).toEqual([
      { personId: nightOwl.personId, person: { id: nightOwl.personId, name: "Night Owl", timeZone: zone }, reason: "no_slot_in_working_hours", detail: expect.stringContaining("working hours") },
    ]);
    expect(first.body.assignments.find((a: any) => a.personId === paris.personId).person).toEqual({ id: paris.personId, name: "Paris Person", timeZone: "Europe/Paris" });
    // Nothing was written.
    expect((await t.handle.db.select().from(dutyBookings)).filter((b) => b.programId === autoProgram)).toHaveLength(0);
  });

  it("apply=true books those slots and the people drop off the unbooked list", async () => {
    const res = await lead.post(`/v1/duty-programs/${autoProgram}/months/${month}/auto-assign?apply=true`);
    expect(res.status).toBe(200);
    expect(res.body.assignments).toHaveLength(2);
    const rows = (await t.handle.db.select().from(dutyBookings)).filter((b) => b.programId === autoProgram);
    expect(rows.map((r) => r.personId).sort()).toEqual([paris.personId, la.personId].sort());
    expect(rows.every((r) => r.autoAssigned)).toBe(true);
    const left = (await lead.get(`/v1/duty-programs/${autoProgram}/months/${month}/unbooked`)).body.items.map((i: any) => i.person.id);
    expect(left).toEqual([nightOwl.personId]);
    expect((await tate.post(`/v1/duty-programs/${autoProgram}/months/${month}/auto-assign`)).status).toBe(403);
  });

  it("no one owed a slot is left out silently: the untrained and those away all month are listed with their reason", async () => {
    const untrained = await t.person({ name: "Una Untrained", timeZone: zone });
    const away = await t.person({ name: "Vic Away", timeZone: zone });
    await t.admin.patch(`/v1/people/${away.personId}`, { trainedAt });
    const created = await lead.post("/v1/duty-programs", {
      name: "Trained duty",
      timeZone: zone,
      hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] },
      seatsPerSlot: 1,
      trainingRequired: true,
      eligibility: "people",
      eligiblePersonIds: [untrained.personId, away.personId],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await lead.post(`/v1/duty-programs/${created.body.id}/months/${month}/slots`);
    const first = DateTime.fromISO(`${month}-01`, { zone });
    const off = await t.admin.post("/v1/time-off", { personId: away.personId, startDate: first.minus({ days: 1 }).toISODate(), endDate: first.endOf("month").toISODate(), reason: "vacation" });
    expect(off.status, JSON.stringify(off.body)).toBe(201);
    if (off.body.status !== "approved") expect((await t.admin.post(`/v1/time-off/${off.body.id}/approve`, {})).status).toBe(200);
    const res = await lead.post(`/v1/duty-programs/${created.body.id}/months/${month}/auto-assign`);
    expect(res.status).toBe(200);
    expect(res.body.assignments).toEqual([]);
    expect(res.body.unplaced.map((u: any) => [u.person.name, u.reason])).toEqual([
      ["Una Untrained", "not_trained"],
      ["Vic Away", "on_time_off"],
    ]);
  });
});

describe("auto-assign: set-based apply", () => {
  const leadCtx = (db: Db) => ({ db, actor: { personId: lead.personId, role: "lead" as const, ledTeamIds: [], tokenId: "test" }, requestId: "test", now: new Date() });
  const trainedPeople = async (prefix: string, n: number) =>
    t.handle.db
      .insert(peopleTable)
      .values(Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${i}`, email: `${prefix.toLowerCase().replace(/\W/g, "")}${i}@example.test`, timeZone: zone, trainedAt: new Date(trainedAt) })))
      .returning();
  const program = async (name: string, people: { id: string }[], extra: Record<string, unknown> = {}) => {
    const created = await lead.post("/v1/duty-programs", {
      name,
      timeZone: zone,
      hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] },
      eligibility: "people",
      eligiblePersonIds: people.map((p) => p.id),
      ...extra,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await lead.post(`/v1/duty-programs/${created.body.id}/months/${month}/slots`)).status).toBe(200);
    return created.body.id as string;
  };

  it("books 3 people or 30 in the same number of statements (no query per person), dry run and apply alike", async () => {
    const counting = countingDb(t.handle);
    const counts: Record<number, { dry: number; apply: number }> = {};
    for (const n of [3, 30]) {
      const people = await trainedPeople(`Scale ${n}`, n);
      const id = await program(`Scale ${n} duty`, people, { seatsPerSlot: 3 });
      counting.reset();
      const dry = await autoAssignMonth(leadCtx(counting.db), id, month, false);
      const afterDry = counting.statements();
      const applied = await autoAssignMonth(leadCtx(counting.db), id, month, true);
      counts[n] = { dry: afterDry, apply: counting.statements() - afterDry };
      expect(applied.assignments.map(({ bookingId: _, ...a }) => a)).toEqual(dry.assignments);
      expect(applied.assignments).toHaveLength(n);
      const rows = (await t.handle.db.select().from(dutyBookings)).filter((b) => b.programId === id);
      expect(rows.map((r) => r.id).sort()).toEqual(applied.assignments.map((a) => a.bookingId).sort());
      expect(rows.every((r) => r.autoAssigned && r.bookedBy === lead.personId)).toBe(true);
    }
    expect(counts[30]).toEqual(counts[3]);
    expect(counts[30]!.apply).toBeLessThan(30);
  });

  it("a plan gone stale under its locks: what still holds is booked, the rest named in the planner's order with the booking's own refusal", async () => {
    const [p1, p2, p3, p4, p5, p6, p7] = await trainedPeople("Stale", 7);
    const id = await program("Stale plan duty", [p1!, p2!, p3!, p4!, p5!, p6!, p7!], { seatsPerSlot: 2, quotaPerMonth: 2 });
    const s = (await lead.get(`/v1/duty-programs/${id}/slots?month=${month}`)).body.items;
    // Since planning: p1 booked their two slots, s[2] went down to one seat, p4 got a shift over s[3], s[4] closed.
    for (const slot of [s[10], s[11]]) expect((await lead.post(`/v1/duty-slots/${slot.id}/bookings`, { personId: p1!.id })).status).toBe(201);
    expect((await lead.request("PATCH", `/v1/duty-slots/${s[2].id}`, { body: { seats: 1 } })).status).toBe(200);
    const team = await t.team({ name: "Stale plan team", timeZone: zone, minShiftMinutes: 60 });
    await t.admin.post(`/v1/teams/${team.id}/members`, { personId: p4!.id });
    const shift = await t.admin.post("/v1/shifts", { teamId: team.id, personId: p4!.id, start: s[3].start, end: s[3].end });
    expect(shift.status, JSON.stringify(shift.body)).toBe(201);
    expect((await lead.request("PATCH", `/v1/duty-slots/${s[4].id}`, { body: { closed: true } })).status).toBe(200);

    const plan = [
      { personId: p1!.id, slotId: s[1].id, unpopular: false },
      { personId: p2!.id, slotId: s[2].id, unpopular: false },
      { personId: p3!.id, slotId: s[2].id, unpopular: false },
      { personId: p4!.id, slotId: s[3].id, unpopular: false },
      { personId: p5!.id, slotId: s[4].id, unpopular: false },
      { personId: p6!.id, slotId: s[0].id, unpopular: true },
      // The same person twice (no planner does this): the checks pass, the database's unique index refuses the second.
      { personId: p7!.id, slotId: s[5].id, unpopular: false },
      { personId: p7!.id, slotId: s[5].id, unpopular: false },
    ];
    const duty = createDutyRepository(t.handle.db);
    const programRow = (await duty.findProgram(id))!;
    const people = new Map([p1, p2, p3, p4, p5, p6, p7].map((p) => [p!.id, p!]));
    const result = await t.handle.db.transaction((tx) => bookPlan(tx, leadCtx(tx), programRow, month, plan, people));

    expect(result.booked.map((b) => [b.planned.personId, b.planned.slotId])).toEqual([
      [p2!.id, s[2].id],
      [p6!.id, s[0].id],
      [p7!.id, s[5].id],
    ]);
    expect(result.refused.map((r) => [r.personId, r.error.code])).toEqual([
      [p1!.id, "quota_exceeded"],
      [p3!.id, "slot_full"],
      [p4!.id, "booking_overlaps"],
      [p5!.id, "slot_closed"],
      [p7!.id, "already_booked"],
    ]);
    expect(result.refused[2]!.error.details).toEqual({ conflict: { kind: "shift", id: shift.body.id } });
    expect(result.refused[0]!.error.message).toBe("Stale 0 already has 2 of 2 slot(s) in " + month + "; move that booking instead");
    const rows = (await t.handle.db.select().from(dutyBookings)).filter((b) => b.programId === id && b.autoAssigned);
    expect(rows.map((r) => r.id).sort()).toEqual(result.booked.map((b) => b.bookingId).sort());
    const ledger = await t.handle.db.select().from(dutyFairnessLedger).where(eq(dutyFairnessLedger.programId, id));
    expect(ledger.map((l) => [l.personId, l.month, l.unpopularCount])).toEqual([[p6!.id, month, 1]]);
  });
});

describe("auto-assign racing people who book by hand", () => {
  it("a lead applies auto-assign while 100 people click slots: no deadlock, no seat or quota exceeded, every owed person booked or named", async () => {
    const people = await t.handle.db
      .insert(peopleTable)
      .values(Array.from({ length: 300 }, (_, i) => ({ name: `Racer ${i}`, email: `racer${i}@example.test`, timeZone: zone, trainedAt: new Date(trainedAt) })))
      .returning();
    const created = await lead.post("/v1/duty-programs", {
      name: "Race duty",
      timeZone: zone,
      hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] },
      seatsPerSlot: 2,
      eligibility: "people",
      eligiblePersonIds: people.map((p) => p.id),
    });
    const id = created.body.id;
    await lead.post(`/v1/duty-programs/${id}/months/${month}/slots`);
    const raceSlots = (await lead.get(`/v1/duty-programs/${id}/slots?month=${month}`)).body.items;
    const clicks = people.slice(0, 100).map((p, i) => lead.post(`/v1/duty-slots/${raceSlots[(i * 7) % raceSlots.length].id}/bookings`, { personId: p.id }));
    const [auto, ...clicked] = await Promise.all([lead.post(`/v1/duty-programs/${id}/months/${month}/auto-assign?apply=true`), ...clicks]);

    expect(auto.status, JSON.stringify(auto.body)).toBe(200);
    for (const r of clicked) expect([201, 409], JSON.stringify(r.body)).toContain(r.status);
    const rows = (await t.handle.db.select().from(dutyBookings)).filter((b) => b.programId === id);
    const perSlot = new Map<string, number>();
    for (const r of rows) perSlot.set(r.slotId, (perSlot.get(r.slotId) ?? 0) + 1);
    expect(Math.max(...perSlot.values())).toBeLessThanOrEqual(2);
    expect(new Set(rows.map((r) => r.personId)).size).toBe(rows.length);
    expect(rows.filter((r) => r.autoAssigned).map((r) => r.id).sort()).toEqual(auto.body.assignments.map((a: any) => a.bookingId).sort());
    const named = new Set([...auto.body.assignments, ...auto.body.unplaced].map((a: any) => a.personId));
    for (const p of people) expect(named.has(p.id) || rows.some((r) => r.personId === p.id && !r.autoAssigned)).toBe(true);
  });
});

describe("listing duty programs", () => {
  it("costs a constant number of statements however many programs (own hours and team hours), each as GET by id shows it", async () => {
    const counting = countingDb(t.handle);
    const ctx = { db: counting.db, actor: { personId: lead.personId, role: "lead" as const, ledTeamIds: [], tokenId: "test" }, requestId: "test", now: new Date() };
    const page = await listPrograms(ctx, { limit: 50, cursor: undefined });
    expect(page.items.length).toBeGreaterThanOrEqual(8);
    expect(page.items.some((p) => p.hoursTeamId !== null)).toBe(true);
    // The page, the programs' windows and exceptions, their teams, the teams' windows and exceptions.
    expect(counting.statements()).toBeLessThanOrEqual(6);
    const listed = (await lead.get("/v1/duty-programs?limit=50")).body.items;
    for (const item of listed) expect((await lead.get(`/v1/duty-programs/${item.id}`)).body).toEqual(item);
  });
});
