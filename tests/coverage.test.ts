import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { people, timeOff } from "../src/db/schema/index.ts";
import { createTimeOffRepository } from "../src/db/repositories/time-off.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";
import { at, la } from "./helpers/time.ts";

// The ConvertKit live-chat team (SPEC §1): 07:00–18:00 Pacific on weekdays,
// 4-hour minimum shifts on the hour, 3 chats per agent, 2 chat agents needed
// 12:00–16:00 and one French speaker every morning.
let t: TestApp;
let teamId: string;
let lead: Client & { personId: string };
let alice: Client & { personId: string };
let bob: Client & { personId: string };
let carol: Client & { personId: string };
let dave: Client & { personId: string };
let chatRequirement: string;
let frenchRequirement: string;

const iso = (s: string) => new Date(s).toISOString();

beforeAll(async () => {
  t = await createTestApp();
  teamId = (await t.team({ name: "ConvertKit", timeZone: "America/Los_Angeles", minShiftMinutes: 240, maxConcurrentChats: 3 })).id;
  lead = await t.person({ role: "lead", name: "Lead" });
  alice = await t.person({ name: "Alice" });
  bob = await t.person({ name: "Bob" });
  carol = await t.person({ name: "Carol", skills: ["french"] });
  dave = await t.person({ name: "Dave", skills: ["french"] });
  for (const p of [lead, alice, bob, carol, dave]) {
    await t.admin.post(`/v1/teams/${teamId}/members`, { personId: p.personId, isLead: p === lead });
  }
  await lead.request("PUT", `/v1/teams/${teamId}/support-hours`, {
    body: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "07:00", end: "18:00" }] },
  });
  const chat = await lead.post(`/v1/teams/${teamId}/staffing-requirements`, {
    days: ["mon", "tue", "wed", "thu", "fri"],
    start: "12:00",
    end: "16:00",
    headcount: 2,
    label: "chat",
  });
  expect(chat.status).toBe(201);
  chatRequirement = chat.body.id;
  const french = await lead.post(`/v1/teams/${teamId}/staffing-requirements`, {
    days: ["mon", "tue", "wed", "thu", "fri"],
    start: "07:00",
    end: "12:00",
    headcount: 1,
    skill: "french",
  });
  frenchRequirement = french.body.id;
  // Tuesday 2026-12-08 and Tuesday 2026-03-10 (two days after the spring-forward change).
  for (const date of ["2026-12-08", "2026-03-10"]) {
    for (const [who, start, end, label] of [
      [carol, "07:00", "11:00", "email"],
      [bob, "10:00", "14:00", "chat"],
      [alice, "12:00", "16:00", "chat"],
    ] as const) {
      const res = await lead.post("/v1/shifts", { teamId, personId: who.personId, start: la(date, start), end: la(date, end), label });
      expect(res.status).toBe(201);
    }
  }
});
afterAll(() => t.close());

async function coverage(date: string, nextDate: string) {
  const res = await lead.get(`/v1/teams/${teamId}/coverage?from=${la(date, "00:00")}&to=${la(nextDate, "00:00")}`);
  expect(res.status).toBe(200);
  return res.body;
}

describe("coverage gaps (ConvertKit)", () => {
  it.each([
    ["a winter Tuesday", "2026-12-08", "2026-12-09"],
    ["the Tuesday after the spring-forward change", "2026-03-10", "2026-03-11"],
  ])("on %s: one chat agent short 14:00–16:00, no French speaker 11:00–12:00, nobody 16:00–18:00", async (_label, date, next) => {
    const body = await coverage(date, next);
    const chat = body.shortfalls.filter((s: { requirementId: string }) => s.requirementId === chatRequirement);
    expect(chat).toEqual([
      {
        requirementId: chatRequirement,
        label: "chat",
        skill: null,
        start: iso(la(date, "14:00")),
        end: iso(la(date, "16:00")),
        required: 2,
        scheduled: 1,
        shortfall: 1,
        capacityChats: 3,
        personIds: [alice.personId],
      },
    ]);
    const french = body.shortfalls.filter((s: { requirementId: string }) => s.requirementId === frenchRequirement);
    expect(french.map((s: any) => [s.start, s.end, s.scheduled, s.shortfall])).toEqual([[iso(la(date, "11:00")), iso(la(date, "12:00")), 0, 1]]);
    expect(body.unstaffed).toEqual([{ start: iso(la(date, "16:00")), end: iso(la(date, "18:00")) }]);
    // Capacity over support hours: Carol alone, then Carol+Bob, Bob alone, Bob+Alice, Alice, nobody.
    expect(body.capacity.map((c: any) => [c.start, c.chats])).toEqual([
      [iso(la(date, "07:00")), 3],
      [iso(la(date, "10:00")), 6],
      [iso(la(date, "11:00")), 3],
      [iso(la(date, "12:00")), 6],
      [iso(la(date, "14:00")), 3],
      [iso(la(date, "16:00")), 0],
    ]);
  });

  it("the same local gap is an hour earlier in UTC after the change (PDT vs PST)", async () => {
    const winter = (await coverage("2026-12-08", "2026-12-09")).shortfalls.find((s: any) => s.requirementId === chatRequirement);
    const spring = (await coverage("2026-03-10", "2026-03-11")).shortfalls.find((s: any) => s.requirementId === chatRequirement);
    expect(winter.start.slice(11)).toBe("22:00:00.000Z");
    expect(spring.start.slice(11)).toBe("21:00:00.000Z");
  });

  it("a week that crosses the DST change reports each weekday's gap at 12:00 local", async () => {
    // Fri 2026-03-06 … Tue 2026-03-10: Friday and Monday have no chat shifts at all.
    const body = await coverage("2026-03-06", "2026-03-11");
    const chat = body.shortfalls.filter((s: any) => s.requirementId === chatRequirement && s.scheduled === 0);
    expect(chat.map((s: any) => [s.start, s.end])).toEqual([
      [iso(la("2026-03-06", "12:00")), iso(la("2026-03-06", "16:00"))],
      [iso(la("2026-03-09", "12:00")), iso(la("2026-03-09", "16:00"))],
    ]);
    expect(new Date(chat[0].start).getUTCHours()).toBe(20);
    expect(new Date(chat[1].start).getUTCHours()).toBe(19);
  });

  it("approved time off in the middle of a shift opens a gap exactly over it", async () => {
    const off = await createTimeOffRepository(t.handle.db).insert({
      personId: bob.personId,
      startAt: new Date(la("2026-12-08", "12:30")),
      endAt: new Date(la("2026-12-08", "13:15")),
      status: "approved",
    });
    const body = await coverage("2026-12-08", "2026-12-09");
    const chat = body.shortfalls.filter((s: any) => s.requirementId === chatRequirement);
    expect(chat.map((s: any) => [s.start, s.end, s.scheduled])).toEqual([
      [iso(la("2026-12-08", "12:30")), iso(la("2026-12-08", "13:15")), 1],
      [iso(la("2026-12-08", "14:00")), iso(la("2026-12-08", "16:00")), 1],
    ]);
    await t.handle.db.delete(timeOff).where(eq(timeOff.id, off.id));
  });

  it("a requirement in another zone is read in that zone (≥ 1 french 17:00–18:00 Europe/Paris)", async () => {
    const paris = await lead.post(`/v1/teams/${teamId}/staffing-requirements`, {
      days: ["tue"],
      start: "17:00",
      end: "18:00",
      headcount: 1,
      skill: "french",
      timeZone: "Europe/Paris",
    });
    expect(paris.status).toBe(201);
    const body = await coverage("2026-12-08", "2026-12-09");
    const gap = body.shortfalls.filter((s: any) => s.requirementId === paris.body.id);
    // 17:00 Paris is 08:00 Los Angeles: Carol (French) is on, so no gap.
    expect(gap).toEqual([]);
    await lead.patch(`/v1/teams/${teamId}/staffing-requirements/${paris.body.id}`, { start: "20:00", end: "21:00" });
    const later = (await coverage("2026-12-08", "2026-12-09")).shortfalls.filter((s: any) => s.requirementId === paris.body.id);
    expect(later.map((s: any) => [s.start, s.end])).toEqual([[iso(at("Europe/Paris", "2026-12-08", "20:00")), iso(at("Europe/Paris", "2026-12-08", "21:00"))]]);
    expect((await lead.delete(`/v1/teams/${teamId}/staffing-requirements/${paris.body.id}`)).status).toBe(204);
  });

  it("who could fill the 14:00–16:00 chat gap: free members, fewest hours that week first", async () => {
    const res = await lead.get(`/v1/teams/${teamId}/coverage/candidates?start=${la("2026-12-08", "14:00")}&end=${la("2026-12-08", "16:00")}`);
    expect(res.status).toBe(200);
    const names = res.body.candidates.map((c: any) => c.person.name);
    // Alice is on shift; Bob's ends at 14:00 (half-open), so he is free.
    expect(names).not.toContain("Alice");
    expect(names).toEqual(["Dave", "Lead", "Bob", "Carol"]);
    expect(res.body.candidates.find((c: any) => c.person.name === "Bob").weekScheduledMinutes).toBe(240);
    const french = await lead.get(`/v1/teams/${teamId}/coverage/candidates?start=${la("2026-12-08", "14:00")}&end=${la("2026-12-08", "16:00")}&skill=french`);
    expect(french.body.candidates.map((c: any) => c.person.name)).toEqual(["Dave", "Carol"]);
  });

  it("the 24/7 switch: nights and weekends become support hours nobody covers", async () => {
    await lead.request("PUT", `/v1/teams/${teamId}/support-hours`, { body: { allWeek: true } });
    const body = await coverage("2026-12-08", "2026-12-09");
    expect(body.unstaffed).toEqual([
      { start: iso(la("2026-12-08", "00:00")), end: iso(la("2026-12-08", "07:00")) },
      { start: iso(la("2026-12-08", "16:00")), end: iso(la("2026-12-09", "00:00")) },
    ]);
    await lead.request("PUT", `/v1/teams/${teamId}/support-hours`, {
      body: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "07:00", end: "18:00" }] },
    });
  });

  it("bad windows are clear 4xx errors", async () => {
    const backwards = await lead.get(`/v1/teams/${teamId}/coverage?from=${la("2026-12-09", "00:00")}&to=${la("2026-12-08", "00:00")}`);
    expect(backwards.status).toBe(422);
    expect(backwards.body.errors[0].field).toBe("to");
    const huge = await lead.get(`/v1/teams/${teamId}/coverage?from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z`);
    expect(huge.body.code).toBe("window_too_large");
    const missing = await lead.get(`/v1/teams/${teamId}/coverage?from=2026-01-01T00:00:00Z`);
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe("to");
    const req = await lead.post(`/v1/teams/${teamId}/staffing-requirements`, { days: ["xyz"], start: "07:00", end: "08:00", headcount: 0 });
    expect(req.status).toBe(400);
    expect(req.body.errors.map((e: any) => e.field).sort()).toEqual(["days.0", "headcount"]);
  });
});

describe("hours report", () => {
  it("splits weekday, weekend (team-local days) and outside support hours", async () => {
    const sat = await lead.post("/v1/shifts", {
      teamId,
      personId: dave.personId,
      start: la("2026-12-12", "09:00"),
      end: la("2026-12-12", "13:00"),
      outsideSupportHours: true,
    });
    expect(sat.status).toBe(201);
    const res = await lead.get(`/v1/teams/${teamId}/hours?from=${la("2026-12-07", "00:00")}&to=${la("2026-12-14", "00:00")}`);
    expect(res.status).toBe(200);
    const byPerson = Object.fromEntries(res.body.people.map((r: any) => [r.personId, r]));
    expect(byPerson[dave.personId]).toMatchObject({ totalMinutes: 240, weekdayMinutes: 0, weekendMinutes: 240, outsideSupportMinutes: 240, shiftCount: 1 });
    expect(byPerson[alice.personId]).toMatchObject({ totalMinutes: 240, weekdayMinutes: 240, weekendMinutes: 0, outsideSupportMinutes: 0 });
    expect(byPerson[lead.personId]).toBeUndefined();
    // The report names people, with the zone their own times read best in.
    expect(byPerson[dave.personId].person).toEqual({ id: dave.personId, name: (await t.admin.get(`/v1/people/${dave.personId}`)).body.name, timeZone: expect.any(String) });
  });
});

describe("no silent caps", () => {
  it("a team of 1,100: every free member is a candidate, and the team's time off list reaches its last member", async () => {
    const big = await t.team({ name: "Eleven hundred", timeZone: "UTC" });
    // Set-based seed: people created one after another (createdAt orders them), the last beyond any 1,000-row cut.
    await t.handle.db.execute(sql`
      WITH p AS (
        INSERT INTO people (name, email, time_zone, created_at)
        SELECT 'Bulk ' || g, 'bulk' || g || '@caps.test', 'UTC', now() + g * interval '1 millisecond' FROM generate_series(1, 1100) g
        RETURNING id
      )
      INSERT INTO team_members (team_id, person_id) SELECT ${big.id}::uuid, id FROM p`);
    const [last] = await t.handle.db.select().from(people).where(eq(people.email, "bulk1100@caps.test"));
    await createTimeOffRepository(t.handle.db).insert({ personId: last!.id, startAt: new Date("2026-12-21T00:00:00Z"), endAt: new Date("2026-12-22T00:00:00Z"), status: "approved" });
    const candidates = await t.admin.get(`/v1/teams/${big.id}/coverage/candidates?start=2026-12-08T10:00:00Z&end=2026-12-08T12:00:00Z`);
    expect(candidates.status).toBe(200);
    expect(candidates.body.candidates).toHaveLength(1100);
    const away = await t.admin.get(`/v1/time-off?teamId=${big.id}`);
    expect(away.body.items.map((x: any) => x.personId)).toEqual([last!.id]);
    const conflicts = await t.admin.get(`/v1/conflicts?teamId=${big.id}&from=2026-12-20T00:00:00Z&to=2026-12-23T00:00:00Z`);
    expect(conflicts.status).toBe(200);
  });
});
