import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTimeOffRepository } from "../src/db/repositories/time-off.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";
import { at } from "./helpers/time.ts";

// Elementary (SPEC §1): every day one engineer or founder is on call for the
// community, handing off at 09:00 Israel time; a vacation gets a substitute.
// Israel changes clocks on 2026-10-25 (03:00 IDT → 02:00 IST).
const zone = "Asia/Jerusalem";
const il = (date: string, time: string) => new Date(at(zone, date, time)).toISOString();

let t: TestApp;
let teamId: string;
let lead: Client & { personId: string };
let or: Client & { personId: string };
let maya: Client & { personId: string };
let noa: Client & { personId: string };
let scheduleId: string;

beforeAll(async () => {
  t = await createTestApp();
  teamId = (await t.team({ name: "Community success", timeZone: zone })).id;
  lead = await t.person({ role: "lead", name: "Or (lead)", timeZone: zone });
  or = lead;
  maya = await t.person({ name: "Maya", timeZone: zone, skills: ["dbt"] });
  noa = await t.person({ name: "Noa", timeZone: "Europe/Lisbon" });
  await t.admin.post(`/v1/teams/${teamId}/members`, { personId: lead.personId, isLead: true });
  const created = await lead.post("/v1/schedules", {
    name: "Community",
    timeZone: zone,
    teamId,
    layers: [{ name: "Daily", participants: [or.personId, maya.personId, noa.personId], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-10-19" }],
  });
  expect(created.status).toBe(201);
  scheduleId = created.body.id;
});
afterAll(() => t.close());

async function segments(from: string, to: string, extra = "") {
  const res = await t.admin.get(`/v1/schedules/${scheduleId}/segments?from=${from}&to=${to}${extra}`);
  expect(res.status).toBe(200);
  return res.body.segments;
}

describe("the Elementary daily rotation", () => {
  it("hands off at 09:00 Israel time on both sides of the clock change (the turn across it lasts 25 h)", async () => {
    const segs = await segments(il("2026-10-23", "09:00"), il("2026-10-27", "09:00"));
    expect(segs.map((s: any) => [s.start, s.end])).toEqual([
      [il("2026-10-23", "09:00"), il("2026-10-24", "09:00")],
      [il("2026-10-24", "09:00"), il("2026-10-25", "09:00")],
      [il("2026-10-25", "09:00"), il("2026-10-26", "09:00")],
      [il("2026-10-26", "09:00"), il("2026-10-27", "09:00")],
    ]);
    const hours = segs.map((s: any) => (new Date(s.end).getTime() - new Date(s.start).getTime()) / 3600_000);
    expect(hours).toEqual([24, 25, 24, 24]);
    for (const s of segs) expect(DateTime.fromISO(s.start, { zone }).toFormat("HH:mm")).toBe("09:00");
    // Rotation order from 2026-10-19 (Or): the 23rd is day 4 → Maya, then Noa, Or, Maya.
    expect(segs.map((s: any) => s.personId)).toEqual([maya.personId, noa.personId, or.personId, maya.personId]);
  });

  it("a vacation substitution overrides the schedule, and the API says which override won", async () => {
    const first = await lead.post(`/v1/schedules/${scheduleId}/overrides`, { personId: noa.personId, replacesPersonId: maya.personId, start: il("2026-10-26", "09:00"), end: il("2026-10-27", "09:00"), note: "Maya on vacation" });
    expect(first.status).toBe(201);
    const newer = await lead.post(`/v1/schedules/${scheduleId}/overrides`, { personId: or.personId, start: il("2026-10-26", "12:00"), end: il("2026-10-26", "14:00") });
    expect(newer.body.supersedes.map((s: any) => s.id)).toEqual([first.body.id]);
    const segs = await segments(il("2026-10-26", "09:00"), il("2026-10-27", "09:00"));
    expect(segs.map((s: any) => [s.personId, s.start, s.source.kind])).toEqual([
      [noa.personId, il("2026-10-26", "09:00"), "override"],
      [or.personId, il("2026-10-26", "12:00"), "override"],
      [noa.personId, il("2026-10-26", "14:00"), "override"],
    ]);
    const layerOnly = await segments(il("2026-10-26", "09:00"), il("2026-10-27", "09:00"), `&layer=${(await t.admin.get(`/v1/schedules/${scheduleId}`)).body.layers[0].id}`);
    expect(layerOnly.map((s: any) => s.personId)).toEqual([maya.personId]);
  });

  it("a member may put themselves on call, not someone else, and not take someone off", async () => {
    expect((await maya.post(`/v1/schedules/${scheduleId}/overrides`, { personId: maya.personId, start: il("2026-11-02", "09:00"), end: il("2026-11-02", "10:00") })).status).toBe(201);
    expect((await maya.post(`/v1/schedules/${scheduleId}/overrides`, { personId: noa.personId, start: il("2026-11-02", "09:00"), end: il("2026-11-02", "10:00") })).status).toBe(403);
    expect((await maya.post(`/v1/schedules/${scheduleId}/overrides`, { personId: maya.personId, replacesPersonId: noa.personId, start: il("2026-11-02", "09:00"), end: il("2026-11-02", "10:00") })).status).toBe(403);
    const bad = await lead.post(`/v1/schedules/${scheduleId}/overrides`, { personId: lead.personId, start: il("2026-11-02", "10:00"), end: il("2026-11-02", "09:00") });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe("end");
  });

  it("approved time off of the person on call is flagged and counted as a gap until an override covers it", async () => {
    // Turns count from 2026-10-19 (Or, Maya, Noa, …): 2026-11-06 is day 18, Or's turn.
    await createTimeOffRepository(t.handle.db).insert({ personId: or.personId, startAt: new Date(il("2026-11-06", "12:00")), endAt: new Date(il("2026-11-07", "00:00")), status: "approved" });
    const from = il("2026-11-06", "09:00");
    const to = il("2026-11-07", "09:00");
    const segs = await segments(from, to);
    expect(segs).toEqual([
      {
        personId: or.personId,
        start: from,
        end: to,
        source: expect.objectContaining({ kind: "layer" }),
        conflicts: [{ kind: "time_off", timeOffId: expect.any(String), start: il("2026-11-06", "12:00"), end: il("2026-11-07", "00:00") }],
      },
    ]);
    const gaps = await t.admin.get(`/v1/schedules/${scheduleId}/gaps?from=${from}&to=${to}`);
    expect(gaps.body.gaps).toEqual([{ start: il("2026-11-06", "12:00"), end: il("2026-11-07", "00:00"), reason: "time_off", personId: or.personId }]);
    expect(gaps.body.uncoveredMinutes).toBe(12 * 60);
    await lead.post(`/v1/schedules/${scheduleId}/overrides`, { personId: maya.personId, replacesPersonId: or.personId, start: il("2026-11-06", "12:00"), end: il("2026-11-07", "00:00") });
    const after = await t.admin.get(`/v1/schedules/${scheduleId}/gaps?from=${from}&to=${to}`);
    expect(after.body.gaps).toEqual([]);
  });

  it("lists handoffs for a bot", async () => {
    const res = await t.admin.get(`/v1/schedules/${scheduleId}/handoffs?from=${il("2026-10-23", "09:00")}&to=${il("2026-10-25", "10:00")}`);
    expect(res.body.handoffs.map((h: any) => [h.at, h.fromPersonId, h.toPersonId])).toEqual([
      [il("2026-10-24", "09:00"), maya.personId, noa.personId],
      [il("2026-10-25", "09:00"), noa.personId, or.personId],
    ]);
  });
});

describe("layered schedules", () => {
  it("a weekday business-hours layer wins over a 24/7 layer; outside it the 24/7 layer shows through", async () => {
    const created = await lead.post("/v1/schedules", {
      name: "Support escalation",
      timeZone: "America/Los_Angeles",
      teamId,
      layers: [
        { name: "Business hours", participants: [maya.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-11-02", restrictions: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] },
        { name: "24/7", participants: [noa.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-11-02" },
      ],
    });
    expect(created.status).toBe(201);
    const la = (date: string, time: string) => new Date(at("America/Los_Angeles", date, time)).toISOString();
    const res = await t.admin.get(`/v1/schedules/${created.body.id}/segments?from=${la("2026-11-03", "00:00")}&to=${la("2026-11-04", "00:00")}`);
    expect(res.body.segments.map((s: any) => [s.personId, s.start, s.end])).toEqual([
      [noa.personId, la("2026-11-03", "00:00"), la("2026-11-03", "09:00")],
      [maya.personId, la("2026-11-03", "09:00"), la("2026-11-03", "17:00")],
      [noa.personId, la("2026-11-03", "17:00"), la("2026-11-04", "00:00")],
    ]);
  });

  it("bad layers are 4xx naming the field", async () => {
    const res = await lead.post("/v1/schedules", { name: "Bad", timeZone: zone, layers: [{ participants: [maya.personId], turn: { unit: "days", count: 1 }, handoffTime: "9am", startDate: "2026-10-19" }] });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe("layers.0.handoffTime");
    const unknown = await lead.post("/v1/schedules", { name: "Bad2", timeZone: zone, layers: [{ participants: ["00000000-0000-4000-8000-000000000000"], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-10-19" }] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].field).toBe("layers.0.participants");
    expect((await maya.post("/v1/schedules", { name: "Mine", timeZone: zone, teamId })).status).toBe(403);
  });

  // Participants are rows of schedule_layer_participants keyed by position: order and repeats are the rotation.
  it("a person may take two turns a cycle: participants (and a change's) come back in order and rotate that way", async () => {
    const created = await lead.post("/v1/schedules", {
      name: "Twice",
      timeZone: zone,
      layers: [{ participants: [maya.personId, noa.personId, maya.personId], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-10-19",
        participantChanges: [{ effectiveFrom: "2026-10-22", participants: [noa.personId, or.personId] }] }],
    });
    expect(created.status).toBe(201);
    const [layer] = (await t.admin.get(`/v1/schedules/${created.body.id}`)).body.layers;
    expect(layer.participants).toEqual([maya.personId, noa.personId, maya.personId]);
    expect(layer.participantChanges).toEqual([{ effectiveFrom: "2026-10-22", participants: [noa.personId, or.personId] }]);
    const res = await t.admin.get(`/v1/schedules/${created.body.id}/segments?from=${il("2026-10-19", "09:00")}&to=${il("2026-10-22", "09:00")}`);
    expect(res.body.segments.map((s: any) => s.personId)).toEqual([maya.personId, noa.personId, maya.personId]);
  });

  it("a turn with nobody (null) is a hole the layer below shows through; a layer's start cuts the turn it falls in", async () => {
    const created = await lead.post("/v1/schedules", {
      name: "Holes",
      timeZone: zone,
      layers: [
        { name: "Primary", participants: [maya.personId, null], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-10-19", start: il("2026-10-19", "15:00") },
        { name: "Backstop", participants: [noa.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-10-19" },
      ],
    });
    expect(created.status).toBe(201);
    const [primary] = (await t.admin.get(`/v1/schedules/${created.body.id}`)).body.layers;
    expect(primary.participants).toEqual([maya.personId, null]);
    expect(primary.start).toBe(il("2026-10-19", "15:00"));
    const res = await t.admin.get(`/v1/schedules/${created.body.id}/segments?from=${il("2026-10-19", "09:00")}&to=${il("2026-10-22", "09:00")}`);
    expect(res.body.segments.map((s: any) => [s.personId, s.start])).toEqual([
      [noa.personId, il("2026-10-19", "09:00")], // before the primary layer's start
      [maya.personId, il("2026-10-19", "15:00")],
      [noa.personId, il("2026-10-20", "09:00")], // nobody's turn on the primary
      [maya.personId, il("2026-10-21", "09:00")],
    ]);
    const allNull = await lead.post("/v1/schedules", { name: "Nobody", timeZone: zone, layers: [{ participants: [null], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-10-19" }] });
    expect(allNull.status).toBe(422);
    expect(allNull.body.code).toBe("no_participants");
  });
});

describe("GET /v1/oncall", () => {
  it("answers for a time in the past: who, since, until, next, and the override that put them there", async () => {
    const res = await maya.get(`/v1/oncall?schedule=community&at=${il("2026-10-26", "13:00")}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    const item = res.body.items[0];
    expect(item.current).toMatchObject({ person: { id: or.personId, name: "Or (lead)" }, since: il("2026-10-26", "12:00"), until: il("2026-10-26", "14:00"), source: "override" });
    expect(item.current.override.id).toBeDefined();
    expect(item.next).toMatchObject({ person: { id: noa.personId }, from: il("2026-10-26", "14:00") });
  });

  it("answers for now, by schedule name, team and id alike", async () => {
    const now = await maya.get(`/v1/oncall?schedule=Community`);
    expect(now.body.items[0].current.person.id).toBeDefined();
    const byTeam = await maya.get(`/v1/oncall?team=${teamId}`);
    expect(byTeam.body.items.map((i: any) => i.schedule.name).sort()).toEqual(["Community", "Support escalation"]);
    const byId = await maya.get(`/v1/oncall?schedule=${scheduleId}&at=${il("2026-10-24", "10:00")}`);
    expect(byId.body.items[0].current.person.id).toBe(noa.personId);
    expect(byId.body.items[0].current.since).toBe(il("2026-10-24", "09:00"));
    expect(byId.body.items[0].current.until).toBe(il("2026-10-25", "09:00"));
    expect((await maya.get(`/v1/oncall?schedule=nope`)).status).toBe(404);
  });

  it("filters by skill", async () => {
    const withSkill = await maya.get(`/v1/oncall?schedule=Community&skill=dbt&at=${il("2026-10-23", "10:00")}`);
    expect(withSkill.body.items.map((i: any) => i.current.person.id)).toEqual([maya.personId]);
    const without = await maya.get(`/v1/oncall?schedule=Community&skill=dbt&at=${il("2026-10-24", "10:00")}`);
    expect(without.body.items).toEqual([]);
  });

  it("sees a new override at once (the cache is keyed by the schedule's version)", async () => {
    const when = il("2026-12-01", "12:00");
    const before = (await maya.get(`/v1/oncall?schedule=Community&at=${when}`)).body.items[0].current.person.id;
    const substitute = [or, maya, noa].find((p) => p.personId !== before)!;
    await lead.post(`/v1/schedules/${scheduleId}/overrides`, { personId: substitute.personId, start: il("2026-12-01", "11:00"), end: il("2026-12-01", "13:00") });
    const after = (await maya.get(`/v1/oncall?schedule=Community&at=${when}`)).body.items[0];
    expect(after.current.person.id).toBe(substitute.personId);
    expect(after.current.source).toBe("override");
  });
});
