import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shifts as shiftsTable } from "../src/db/schema/index.ts";
import { createTimeOffRepository } from "../src/db/repositories/time-off.ts";
import { rollPatternsForward } from "../src/services/shift-patterns.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";
import { la } from "./helpers/time.ts";

let t: TestApp;
let teamId: string;
let lead: Client & { personId: string };
let alice: Client & { personId: string };
let bob: Client & { personId: string };

beforeAll(async () => {
  t = await createTestApp();
  teamId = (await t.team({ name: "ConvertKit chat", timeZone: "America/Los_Angeles", minShiftMinutes: 240, shiftGranularityMinutes: 60, maxConcurrentChats: 3 })).id;
  lead = await t.person({ role: "lead", name: "Lead Lee" });
  alice = await t.person({ name: "Alice" });
  bob = await t.person({ name: "Bob" });
  for (const [p, isLead] of [[lead, true], [alice, false], [bob, false]] as const) {
    expect((await t.admin.post(`/v1/teams/${teamId}/members`, { personId: p.personId, isLead })).status).toBe(201);
  }
  const hours = await lead.request("PUT", `/v1/teams/${teamId}/support-hours`, {
    body: {
      windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "07:00", end: "18:00" }],
      exceptions: [{ date: "2026-12-25", closed: true }, { date: "2026-12-24", start: "10:00", end: "14:00" }],
    },
  });
  expect(hours.status).toBe(200);
});
afterAll(() => t.close());

const shift = (who: { personId: string }, date: string, start: string, end: string, extra: Record<string, unknown> = {}) => ({
  teamId,
  personId: who.personId,
  start: la(date, start),
  end: la(date, end),
  ...extra,
});

describe("support hours", () => {
  it("reads back what was set, and expands to exact UTC intervals (PST is UTC−8)", async () => {
    const read = await t.admin.get(`/v1/teams/${teamId}/support-hours`);
    expect(read.body).toMatchObject({ configured: true, allWeek: false, timeZone: "America/Los_Angeles" });
    expect(read.body.windows).toEqual([{ days: ["mon", "tue", "wed", "thu", "fri"], start: "07:00", end: "18:00" }]);
    const week = await t.admin.get(`/v1/teams/${teamId}/support-hours/expanded?from=${la("2026-12-21", "00:00")}&to=${la("2026-12-28", "00:00")}`);
    expect(week.status).toBe(200);
    expect(week.body.intervals).toEqual([
      { start: "2026-12-21T15:00:00.000Z", end: "2026-12-22T02:00:00.000Z" },
      { start: "2026-12-22T15:00:00.000Z", end: "2026-12-23T02:00:00.000Z" },
      { start: "2026-12-23T15:00:00.000Z", end: "2026-12-24T02:00:00.000Z" },
      // Christmas Eve: special hours 10:00–14:00; Christmas Day closed.
      { start: "2026-12-24T18:00:00.000Z", end: "2026-12-24T22:00:00.000Z" },
    ]);
  });

  it("rejects a bad window naming the field, and a member may not change them", async () => {
    const bad = await lead.request("PUT", `/v1/teams/${teamId}/support-hours`, { body: { windows: [{ days: ["mon"], start: "25:00", end: "18:00" }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toContain("windows.0.start");
    const both = await lead.request("PUT", `/v1/teams/${teamId}/support-hours`, { body: { allWeek: true, windows: [{ days: ["mon"], start: "07:00", end: "18:00" }] } });
    expect(both.status).toBe(422);
    expect(both.body.errors[0].field).toBe("windows");
    expect((await alice.request("PUT", `/v1/teams/${teamId}/support-hours`, { body: { allWeek: true } })).status).toBe(403);
    expect((await t.admin.get(`/v1/teams/${teamId}/support-hours`)).body.allWeek).toBe(false);
  });

  it("a window over 400 days is refused", async () => {
    const res = await t.admin.get(`/v1/teams/${teamId}/support-hours/expanded?from=2026-01-01T00:00:00Z&to=2028-01-01T00:00:00Z`);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("window_too_large");
  });
});

describe("shifts", () => {
  it("a lead schedules Alice 07:00–11:00 on Tuesday; it reads back in UTC", async () => {
    const res = await lead.post("/v1/shifts", shift(alice, "2026-12-08", "07:00", "11:00", { label: "chat" }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ personId: alice.personId, start: "2026-12-08T15:00:00.000Z", end: "2026-12-08T19:00:00.000Z", label: "chat", detached: false });
    expect((await t.admin.get(`/v1/shifts/${res.body.id}`)).body).toEqual(res.body);
  });

  it.each([
    ["shorter than the 4-hour minimum", "2026-12-09", "07:00", "10:00", "shift_too_short", "end"],
    ["off the hourly grid", "2026-12-09", "07:30", "11:30", "shift_misaligned", "start"],
    ["outside support hours", "2026-12-09", "05:00", "09:00", "outside_support_hours", "start"],
    ["on Christmas Day (closed)", "2026-12-25", "09:00", "13:00", "outside_support_hours", "start"],
    ["ending before it starts", "2026-12-09", "11:00", "07:00", "invalid_interval", "end"],
  ])("refuses a shift %s", async (_label, date, start, end, code, field) => {
    const res = await lead.post("/v1/shifts", shift(bob, date, start, end));
    expect(res.status).toBe(422);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.body.code).toBe(code);
    expect(res.body.errors[0].field).toBe(field);
  });

  it("refuses malformed input with 400 naming the field", async () => {
    const res = await lead.post("/v1/shifts", { teamId, personId: bob.personId, start: "tomorrow", end: la("2026-12-09", "11:00"), colour: "red" });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(["colour", "start"]);
  });

  it("a lead may place a shift outside support hours explicitly; a member may not", async () => {
    const ok = await lead.post("/v1/shifts", shift(bob, "2026-12-12", "08:00", "12:00", { outsideSupportHours: true }));
    expect(ok.status).toBe(201);
    await t.admin.patch(`/v1/teams/${teamId}`, { selfScheduling: true });
    const member = await bob.post("/v1/shifts", shift(bob, "2026-12-13", "08:00", "12:00", { outsideSupportHours: true }));
    expect(member.status).toBe(403);
    await t.admin.patch(`/v1/teams/${teamId}`, { selfScheduling: false });
  });

  it("an overlapping shift is a 409 naming the other shift; a touching one is fine", async () => {
    const first = await lead.post("/v1/shifts", shift(bob, "2026-12-10", "07:00", "11:00"));
    expect(first.status).toBe(201);
    const overlap = await lead.post("/v1/shifts", shift(bob, "2026-12-10", "10:00", "14:00"));
    expect(overlap.status).toBe(409);
    expect(overlap.body.code).toBe("shift_overlaps");
    expect(overlap.body.conflict).toEqual({ kind: "shift", id: first.body.id });
    expect((await lead.post("/v1/shifts", shift(bob, "2026-12-10", "11:00", "15:00"))).status).toBe(201);
  });

  it("someone outside the team cannot be scheduled", async () => {
    const stranger = await t.person({ name: "Stranger" });
    const res = await lead.post("/v1/shifts", shift(stranger, "2026-12-11", "07:00", "11:00"));
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("person_not_member");
    expect(res.body.errors[0].field).toBe("personId");
  });

  it("approved time off blocks a shift with 409 person_on_time_off; requested time off does not", async () => {
    const repo = createTimeOffRepository(t.handle.db);
    await repo.insert({ personId: alice.personId, startAt: new Date(la("2026-12-14", "00:00")), endAt: new Date(la("2026-12-15", "00:00")), status: "approved" });
    await repo.insert({ personId: alice.personId, startAt: new Date(la("2026-12-15", "00:00")), endAt: new Date(la("2026-12-16", "00:00")), status: "requested" });
    const blocked = await lead.post("/v1/shifts", shift(alice, "2026-12-14", "07:00", "11:00"));
    expect(blocked.status).toBe(409);
    expect(blocked.body.code).toBe("person_on_time_off");
    expect((await lead.post("/v1/shifts", shift(alice, "2026-12-15", "07:00", "11:00"))).status).toBe(201);
  });

  it("members schedule themselves only when the team allows it, and only themselves", async () => {
    const off = await bob.post("/v1/shifts", shift(bob, "2026-12-16", "07:00", "11:00"));
    expect(off.status).toBe(403);
    expect(off.body.code).toBe("self_scheduling_disabled");
    await lead.patch(`/v1/teams/${teamId}`, { selfScheduling: true });
    expect((await bob.post("/v1/shifts", shift(bob, "2026-12-16", "07:00", "11:00"))).status).toBe(201);
    expect((await bob.post("/v1/shifts", shift(alice, "2026-12-16", "12:00", "16:00"))).status).toBe(403);
    await lead.patch(`/v1/teams/${teamId}`, { selfScheduling: false });
  });

  it("moving a shift re-checks everything and honours If-Match", async () => {
    const created = await lead.post("/v1/shifts", shift(alice, "2026-12-17", "07:00", "11:00"));
    const moved = await lead.patch(`/v1/shifts/${created.body.id}`, { start: la("2026-12-17", "12:00"), end: la("2026-12-17", "16:00") }, { "if-match": created.headers.etag as string });
    expect(moved.status).toBe(200);
    expect(moved.body.start).toBe(la("2026-12-17", "12:00").replace(/\.\d+Z$/, ".000Z"));
    const stale = await lead.patch(`/v1/shifts/${created.body.id}`, { label: "email" }, { "if-match": created.headers.etag as string });
    expect(stale.status).toBe(412);
    const short = await lead.patch(`/v1/shifts/${created.body.id}`, { end: la("2026-12-17", "14:00") });
    expect(short.body.code).toBe("shift_too_short");
  });

  it("lists by person and window in start order, paginated", async () => {
    const all = await t.admin.get(`/v1/shifts?personId=${bob.personId}&from=${la("2026-12-01", "00:00")}&to=${la("2027-01-01", "00:00")}`);
    const starts = all.body.items.map((s: { start: string }) => s.start);
    expect(starts).toEqual([...starts].sort());
    expect(all.body.items.length).toBeGreaterThanOrEqual(3);
    const first = await t.admin.get(`/v1/shifts?personId=${bob.personId}&limit=1`);
    const second = await t.admin.get(`/v1/shifts?personId=${bob.personId}&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].id).toBe(all.body.items[1].id);
  });

  it("windows are half-open: Alice's 07:00–11:00 Tuesday shift is in 10:00–10:30, not in 06:00–07:00 or 11:00–12:00; an empty or backwards window lists nothing", async () => {
    const starts = async (query: string) => {
      const res = await t.admin.get(`/v1/shifts?personId=${alice.personId}&${query}`);
      expect(res.status).toBe(200);
      return res.body.items.map((s: { start: string }) => s.start);
    };
    const tuesday = la("2026-12-08", "07:00");
    const at = (time: string) => la("2026-12-08", time);
    expect(await starts(`from=${at("10:00")}&to=${at("10:30")}`)).toEqual([tuesday]);
    expect(await starts(`from=${at("06:00")}&to=${at("07:00")}`)).toEqual([]);
    expect(await starts(`from=${at("11:00")}&to=${at("12:00")}`)).toEqual([]);
    // One bound only: the other side is open.
    expect(await starts(`to=${at("07:00")}`)).not.toContain(tuesday);
    expect(await starts(`to=${at("08:00")}`)).toContain(tuesday);
    expect(await starts(`from=${at("11:00")}`)).not.toContain(tuesday);
    expect(await starts(`from=${at("10:59")}`)).toContain(tuesday);
    expect(await starts(`from=${at("10:00")}&to=${at("10:00")}`)).toEqual([]);
    expect(await starts(`from=${at("10:30")}&to=${at("10:00")}`)).toEqual([]);
  });

  it("a team with future shifts cannot be deleted", async () => {
    const res = await t.admin.delete(`/v1/teams/${teamId}`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("team_has_future_assignments");
    expect(res.body.futureShifts).toBeGreaterThan(0);
    expect((await t.admin.get(`/v1/teams/${teamId}`)).status).toBe(200);
  });

  it("ten simultaneous requests for overlapping shifts of one person: exactly one wins (3 rounds)", async () => {
    for (const date of ["2026-12-18", "2026-12-21", "2026-12-22"]) {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          lead.post("/v1/shifts", shift(bob, date, `${String(7 + (i % 3)).padStart(2, "0")}:00`, `${String(11 + (i % 3)).padStart(2, "0")}:00`)),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 201)) {
        expect(r.status).toBe(409);
        expect(r.body.code).toBe("shift_overlaps");
      }
      const rows = (await t.handle.db.select().from(shiftsTable)).filter(
        (s) => s.personId === bob.personId && s.startAt >= new Date(la(date, "00:00")) && s.startAt < new Date(la(date, "23:00")),
      );
      expect(rows).toHaveLength(1);
    }
  });
});

describe("recurring shift patterns", () => {
  // Relative to today so the test keeps meaning something as time passes.
  const zone = "America/Los_Angeles";
  const firstMonday = DateTime.now().setZone(zone).plus({ weeks: 1 }).startOf("week");
  const startLocal = `${firstMonday.toISODate()}T07:00`;
  const until = firstMonday.plus({ days: 120 });
  const rrule = `FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=${until.toFormat("yyyyLLdd")}`;
  let patternId: string;
  let materializedUntil: Date;

  it("Alice, Mon/Wed 07:00–11:00: shifts for the next 8 weeks, every one at 07:00 local across DST", async () => {
    const res = await lead.post("/v1/shift-patterns", { teamId, personId: alice.personId, rrule, start: startLocal, endTime: "11:00", label: "chat" });
    expect(res.status).toBe(201);
    patternId = res.body.pattern.id;
    materializedUntil = new Date(res.body.pattern.materializedUntil);
    // Expected occurrences, computed independently: Mondays and Wednesdays at 07:00 local before the horizon.
    const expected: string[] = [];
    for (let d = firstMonday; d <= until; d = d.plus({ days: 1 })) {
      if (d.weekday !== 1 && d.weekday !== 3) continue;
      const start = DateTime.fromObject({ year: d.year, month: d.month, day: d.day, hour: 7 }, { zone });
      if (start.toJSDate() < materializedUntil && !(start.month === 12 && start.day === 25)) expected.push(start.toUTC().toISO()!);
    }
    const listed = await t.admin.get(`/v1/shifts?patternId=${patternId}&limit=200`);
    const starts = listed.body.items.map((s: { start: string }) => s.start);
    // Occurrences on days Alice cannot work (e.g. time off) are skipped and reported instead.
    const skipped = res.body.skipped.map((s: { start: string }) => new Date(s.start).toISOString());
    expect([...starts, ...skipped].sort()).toEqual(expected);
    expect(res.body.created).toBe(starts.length);
    for (const s of listed.body.items) {
      expect(DateTime.fromISO(s.start, { zone }).toFormat("HH:mm")).toBe("07:00");
      expect(new Date(s.end).getTime() - new Date(s.start).getTime()).toBe(4 * 3600_000);
    }
  });

  it("an unparseable rule or a bad end time is a 422 naming the field", async () => {
    const bad = await lead.post("/v1/shift-patterns", { teamId, personId: alice.personId, rrule: "FREQ=SOMETIMES", start: startLocal, endTime: "11:00" });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toContain("rrule");
    expect((await t.admin.get(`/v1/shift-patterns?personId=${alice.personId}`)).body.items).toHaveLength(1);
  });

  it("editing one occurrence detaches it; deleting one skips it for good; deleting the pattern keeps both kinds of history", async () => {
    const listed = (await t.admin.get(`/v1/shifts?patternId=${patternId}&limit=200`)).body.items;
    const [toEdit, toDelete] = [listed[0], listed[1]];
    const edited = await lead.patch(`/v1/shifts/${toEdit.id}`, { label: "email" });
    expect(edited.body.detached).toBe(true);
    expect((await lead.delete(`/v1/shifts/${toDelete.id}`)).status).toBe(204);
    expect((await t.admin.get(`/v1/shift-patterns/${patternId}`)).body.skippedOccurrences).toEqual([toDelete.occurrence]);

    // Rolling forward later adds new occurrences but never brings the deleted one back.
    const later = new Date(materializedUntil.getTime() + 7 * 86_400_000 - 56 * 86_400_000);
    const rolled = await rollPatternsForward(t.handle.db, later);
    expect(rolled).not.toBeNull();
    const after = (await t.admin.get(`/v1/shifts?patternId=${patternId}&limit=200`)).body.items;
    expect(after.some((s: { occurrence: string }) => s.occurrence === toDelete.occurrence)).toBe(false);
    expect(after.length).toBeGreaterThan(listed.length - 1);

    const removed = await lead.delete(`/v1/shift-patterns/${patternId}`);
    expect(removed.status).toBe(200);
    expect(removed.body.deletedShifts).toBe(after.length - 1);
    const survivors = await t.admin.get(`/v1/shifts/${toEdit.id}`);
    expect(survivors.status).toBe(200);
    expect(survivors.body.label).toBe("email");
  });
});
