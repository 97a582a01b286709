import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";

/*
 * Probe findings 7, 8 and 9 (issue 11), one scenario each: leads reaching
 * into teams they do not lead, a person in no team putting themself on call,
 * and private time off, swaps, assignments and conflicts readable by anyone.
 * The rules are in src/services/policy.ts and README "People, teams and rights".
 */

const zone = "Europe/London";
// Relative to today, so shifts and swaps never start in the past whenever the suite runs.
const base = DateTime.now().setZone(zone).plus({ weeks: 3 }).startOf("week");
const at = (days: number, hour: number) => base.plus({ days, hours: hour }).toUTC().toISO()!;

type Person = Client & { personId: string };
let t: TestApp;
let lead1: Person;
let lead2: Person;
let amy: Person; // member of team 1
let ben: Person; // member of team 1
let otto: Person; // member of team 2 only: unrelated to team 1
let nora: Person; // in no team
let team1: string;
let team2: string;

beforeAll(async () => {
  t = await createTestApp();
  lead1 = await t.person({ role: "lead", name: "Lead One", timeZone: zone });
  lead2 = await t.person({ role: "lead", name: "Lead Two", timeZone: zone });
  amy = await t.person({ name: "Amy", timeZone: zone });
  ben = await t.person({ name: "Ben", timeZone: zone });
  otto = await t.person({ name: "Otto", timeZone: zone });
  nora = await t.person({ name: "Nora", timeZone: zone });
  team1 = (await t.team({ timeZone: zone })).id;
  team2 = (await t.team({ timeZone: zone })).id;
  for (const [teamId, p, isLead] of [
    [team1, lead1, true],
    [team1, amy, false],
    [team1, ben, false],
    [team2, lead2, true],
    [team2, otto, false],
  ] as const) {
    expect((await t.admin.post(`/v1/teams/${teamId}/members`, { personId: p.personId, isLead })).status).toBe(201);
  }
});
afterAll(() => t.close());

describe("finding 7: a lead manages only the people of the teams they lead", () => {
  it("lead 2 creates a team and tries to take over Amy of team 1: adding her, approving her time off, setting her skills and training are all 403", async () => {
    const own = await lead2.post("/v1/teams", { name: "Lead Two's own", timeZone: zone });
    expect(own.status).toBe(201);
    const add = await lead2.post(`/v1/teams/${own.body.id}/members`, { personId: amy.personId });
    expect(add.status).toBe(403);
    expect(add.body.code).toBe("forbidden");
    expect(add.body.errors[0].field).toBe("personId");

    const timeOff = await amy.post("/v1/time-off", { startDate: base.plus({ days: 10 }).toISODate(), endDate: base.plus({ days: 11 }).toISODate(), reason: "personal" });
    expect(timeOff.status).toBe(201);
    expect((await lead2.post(`/v1/time-off/${timeOff.body.id}/approve`)).status).toBe(403);
    expect((await lead2.patch(`/v1/people/${amy.personId}`, { skills: ["french"] })).status).toBe(403);
    expect((await lead2.patch(`/v1/people/${amy.personId}`, { trainedAt: "2026-11-01T10:00:00Z" })).status).toBe(403);
    // Her own lead still can.
    expect((await lead1.post(`/v1/time-off/${timeOff.body.id}/approve`)).status).toBe(200);
    expect((await lead1.patch(`/v1/people/${amy.personId}`, { skills: ["french"] })).status).toBe(200);
  });

  it("a lead adds people in no team yet, or only in teams they lead; anyone else takes an admin", async () => {
    const own = await lead2.post("/v1/teams", { name: "Lead Two's second", timeZone: zone });
    const newcomer = await t.person({ name: "Newcomer", timeZone: zone });
    expect((await lead2.post(`/v1/teams/${own.body.id}/members`, { personId: newcomer.personId })).status).toBe(201);
    // Otto is only in team 2, which lead 2 leads.
    expect((await lead2.post(`/v1/teams/${own.body.id}/members`, { personId: otto.personId })).status).toBe(201);
    // Ben is in team 1: an admin may still put him there.
    expect((await t.admin.post(`/v1/teams/${own.body.id}/members`, { personId: ben.personId })).status).toBe(201);
  });

  it("a lead cannot add an admin to their team, nor edit, re-flag, remove or approve the time off of an admin an admin put there", async () => {
    const boss = await t.person({ role: "admin", name: "Boss", timeZone: zone });
    expect((await lead1.post(`/v1/teams/${team1}/members`, { personId: boss.personId })).status).toBe(403);
    expect((await t.admin.post(`/v1/teams/${team1}/members`, { personId: boss.personId })).status).toBe(201);

    const edit = await lead1.patch(`/v1/people/${boss.personId}`, { title: "Demoted", skills: ["x"] });
    expect(edit.status).toBe(403);
    expect((await lead1.patch(`/v1/teams/${team1}/members/${boss.personId}`, { isLead: true })).status).toBe(403);
    const timeOff = await boss.post("/v1/time-off", { startDate: base.plus({ days: 20 }).toISODate(), endDate: base.plus({ days: 20 }).toISODate(), reason: "vacation" });
    expect(timeOff.status).toBe(201);
    expect((await lead1.post(`/v1/time-off/${timeOff.body.id}/approve`)).status).toBe(403);
    expect((await lead1.post(`/v1/time-off/${timeOff.body.id}/cancel`)).status).toBe(403);
    expect((await lead1.delete(`/v1/teams/${team1}/members/${boss.personId}`)).status).toBe(403);
    expect((await t.admin.get(`/v1/people/${boss.personId}`)).body).toMatchObject({ title: null, skills: [] });
  });
});

describe("finding 8: only a schedule's participants put themselves on call; everyone else needs its team's lead", () => {
  it("Nora (no team) and Ben (team 1, not on the rotation) get 403; Amy, a participant, and the lead get 201", async () => {
    const schedule = await lead1.post("/v1/schedules", {
      name: "Team 1 on call",
      timeZone: zone,
      teamId: team1,
      layers: [{ participants: [lead1.personId, amy.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: base.toISODate() }],
    });
    expect(schedule.status).toBe(201);
    const url = `/v1/schedules/${schedule.body.id}/overrides`;
    const window = { start: at(2, 9), end: at(2, 10) };
    // Each puts themselves on call.
    const nobody = await nora.post(url, { ...window, personId: nora.personId });
    expect(nobody.status).toBe(403);
    expect(nobody.body.code).toBe("forbidden");
    expect((await ben.post(url, { ...window, personId: ben.personId })).status).toBe(403);
    expect((await lead2.post(url, { ...window, personId: lead2.personId })).status).toBe(403);
    expect((await amy.post(url, { ...window, personId: amy.personId })).status).toBe(201);
    expect((await lead1.post(url, { ...window, personId: ben.personId })).status).toBe(201);
    const overrides = (await lead1.get(`${url}?from=${at(2, 0)}&to=${at(3, 0)}`)).body.items.map((o: any) => o.personId);
    expect(overrides.sort()).toEqual([amy.personId, ben.personId].sort());
  });
});

describe("finding 9: private things stay with the people involved, their leads and admins", () => {
  let timeOffId: string;
  let swapId: string;
  const from = at(0, 0);
  const to = at(7, 0);

  beforeAll(async () => {
    // Amy has a shift on Tuesday and is away that day; she offers Ben a shift on Wednesday.
    for (const [who, d] of [
      [amy, 1],
      [amy, 2],
      [ben, 3],
    ] as const) {
      expect((await lead1.post("/v1/shifts", { teamId: team1, personId: who.personId, start: at(d, 9), end: at(d, 13) })).status).toBe(201);
    }
    const request = await amy.post("/v1/time-off", { start: at(1, 0), end: at(2, 0), reason: "sick", note: "private medical note" });
    expect(request.status).toBe(201);
    timeOffId = request.body.id;
    expect((await lead1.post(`/v1/time-off/${timeOffId}/approve`)).status).toBe(200);
    const wednesday = (await amy.get(`/v1/shifts?personId=${amy.personId}&from=${at(2, 0)}&to=${at(3, 0)}`)).body.items[0];
    const swap = await amy.post("/v1/swaps", { kind: "give_away", counterpartId: ben.personId, offered: { kind: "shift", id: wednesday.id } });
    expect(swap.status).toBe(201);
    swapId = swap.body.id;
  });

  it("Otto of team 2 sees that Amy is away, but not why: reason and note are withheld", async () => {
    const one = await otto.get(`/v1/time-off/${timeOffId}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ personId: amy.personId, status: "approved", reason: null, note: null, decisionNote: null, detailsWithheld: true });
    expect(one.body.uncovered).toBeUndefined();
    const list = await otto.get(`/v1/time-off?personId=${amy.personId}`);
    expect(list.body.items).toContainEqual(expect.objectContaining({ id: timeOffId, reason: null, note: null, detailsWithheld: true }));
    expect(list.body.items.every((r: any) => r.detailsWithheld && r.reason === null)).toBe(true);
    expect(JSON.stringify([one.body, list.body])).not.toContain("private medical note");
    // Teammates see "away" too; Amy, her lead and admins see why.
    expect((await ben.get(`/v1/time-off/${timeOffId}`)).body).toMatchObject({ note: null, detailsWithheld: true });
    for (const reader of [amy, lead1, t.admin]) {
      expect((await reader.get(`/v1/time-off/${timeOffId}`)).body).toMatchObject({ reason: "sick", note: "private medical note", detailsWithheld: false });
    }
  });

  it("Otto cannot read Amy's swap, nor find it by listing her swaps", async () => {
    const swap = await otto.get(`/v1/swaps/${swapId}`);
    expect(swap.status).toBe(403);
    expect(swap.body.code).toBe("forbidden");
    expect((await otto.get(`/v1/swaps?personId=${amy.personId}`)).body.items).toEqual([]);
    expect((await lead2.get(`/v1/swaps/${swapId}`)).status).toBe(403);
    for (const reader of [amy, ben, lead1, t.admin]) expect((await reader.get(`/v1/swaps/${swapId}`)).status).toBe(200);
    expect((await lead1.get(`/v1/swaps?personId=${amy.personId}`)).body.items.map((s: any) => s.id)).toEqual([swapId]);
  });

  it("Otto and Nora cannot read Amy's assignments; her teammates and lead can", async () => {
    const url = `/v1/people/${amy.personId}/assignments?from=${from}&to=${to}`;
    expect((await otto.get(url)).status).toBe(403);
    expect((await nora.get(url)).status).toBe(403);
    expect((await lead2.get(url)).status).toBe(403);
    for (const reader of [amy, ben, lead1, t.admin]) expect((await reader.get(url)).status).toBe(200);
  });

  it("team 1's conflicts: 403 for Otto, Nora and lead 2; Ben sees them without Amy's reason; her lead sees the reason", async () => {
    const url = `/v1/conflicts?teamId=${team1}&from=${from}&to=${to}`;
    expect((await otto.get(url)).status).toBe(403);
    expect((await nora.get(url)).status).toBe(403);
    expect((await lead2.get(url)).status).toBe(403);
    const teammate = await ben.get(url);
    expect(teammate.status).toBe(200);
    expect(teammate.body.items).toEqual([expect.objectContaining({ timeOffId, reason: null, assignment: expect.objectContaining({ kind: "shift", personId: amy.personId }) })]);
    expect((await lead1.get(url)).body.items).toEqual([expect.objectContaining({ timeOffId, reason: "sick" })]);
    expect((await amy.get(url)).body.items).toEqual([expect.objectContaining({ reason: "sick" })]);
  });
});
