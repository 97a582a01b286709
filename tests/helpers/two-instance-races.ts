/**
 * Races sent to two Rota instances over one PostgreSQL database, shared by
 * tests/two-instances.test.ts (app.inject) and bench/two-instances.ts (real
 * servers over HTTP). Each race returns what happened; the caller asserts or
 * prints it. Requests alternate between the instances, so any state one
 * instance keeps to itself (a lock in memory, a cache) would show.
 */
import { eq, sql } from "drizzle-orm";
import { DateTime } from "luxon";
import type { Db } from "../../src/db/client.ts";
import { dutyBookings, people, scheduleOverrides, shifts } from "../../src/db/schema/index.ts";
import { issueToken } from "../../src/services/tokens.ts";

export interface Answer {
  status: number;
  body: any;
}

/** One request to instance 0 or 1 with a bearer token. */
export type Send = (instance: number, token: string, method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<Answer>;

export interface RaceWorld {
  send: Send;
  adminToken: string;
  /** The shared database, for setup shortcuts and for counting what was really written. */
  db: Db;
}

export type Histogram = Record<string, number>;

function histogram(answers: Answer[]): Histogram {
  const counts: Histogram = {};
  for (const a of answers) {
    const key = a.status < 300 ? String(a.status) : `${a.status} ${a.body?.code ?? ""}`.trim();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

async function expectOk(answer: Answer, what: string): Promise<any> {
  if (answer.status >= 300) throw new Error(`${what} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** People with tokens, inserted directly so setup stays fast. */
async function peopleWithTokens(db: Db, count: number, label: string): Promise<{ id: string; token: string }[]> {
  const tag = unique(label);
  const rows = await db
    .insert(people)
    .values(Array.from({ length: count }, (_, i) => ({ name: `${label} ${i}`, email: `${tag}-${i}@example.test`, timeZone: "UTC", trainedAt: new Date("2026-01-01T00:00:00Z") })))
    .returning();
  return Promise.all(rows.map(async (p) => ({ id: p.id, token: (await issueToken(db, p.id, "race", new Date())).secret })));
}

const zone = "America/New_York";

/** `people` people click the same slot (2 seats) at once, half on each instance. */
export async function lastSeats(world: RaceWorld, count = 40) {
  const { send, adminToken, db } = world;
  const month = DateTime.now().setZone(zone).plus({ months: 2 }).toFormat("yyyy-MM");
  const program = await expectOk(
    await send(0, adminToken, "POST", "/v1/duty-programs", {
      name: unique("Race duty"),
      timeZone: zone,
      hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "10:00" }] },
      seatsPerSlot: 2,
      quotaPerMonth: 1,
      trainingRequired: false,
    }),
    "creating a duty program",
  );
  await expectOk(await send(1, adminToken, "POST", `/v1/duty-programs/${program.id}/months/${month}/slots`), "generating slots");
  const slots = (await expectOk(await send(0, adminToken, "GET", `/v1/duty-programs/${program.id}/slots?month=${month}`), "listing slots")).items;
  const slot = slots[3];
  const clickers = await peopleWithTokens(db, count, "Clicker");
  const answers = await Promise.all(clickers.map((c, i) => send(i % 2, c.token, "POST", `/v1/duty-slots/${slot.id}/bookings`, {})));
  const booked = await db.select().from(dutyBookings).where(eq(dutyBookings.slotId, slot.id));
  const freeSeatsSeenBy = await Promise.all(
    [0, 1].map(async (i) => (await send(i, adminToken, "GET", `/v1/duty-programs/${program.id}/slots?month=${month}`)).body.items.find((s: { id: string }) => s.id === slot.id)?.freeSeats),
  );
  return { seats: 2, requests: answers.length, statuses: histogram(answers), bookingsInDatabase: booked.length, freeSeatsSeenBy };
}

/** An open shift offered by one person; `takers` colleagues accept it at once on both instances (acceptance completes it), then the winner completes it again on both at once. */
export async function openSwap(world: RaceWorld, takers = 10) {
  const { send, adminToken, db } = world;
  const team = await expectOk(await send(0, adminToken, "POST", "/v1/teams", { name: unique("Race team"), timeZone: "UTC" }), "creating a team");
  const [offerer, ...colleagues] = await peopleWithTokens(db, takers + 1, "Swapper");
  for (const p of [offerer!, ...colleagues]) await expectOk(await send(0, adminToken, "POST", `/v1/teams/${team.id}/members`, { personId: p.id }), "adding a member");
  const day = DateTime.utc().plus({ weeks: 3 }).startOf("week").plus({ days: 1 });
  const shift = await expectOk(
    await send(1, adminToken, "POST", "/v1/shifts", { teamId: team.id, personId: offerer!.id, start: day.set({ hour: 9 }).toISO(), end: day.set({ hour: 13 }).toISO() }),
    "creating a shift",
  );
  const offer = await expectOk(await send(0, offerer!.token, "POST", "/v1/swaps", { kind: "open", offered: { kind: "shift", id: shift.id } }), "offering the shift");
  const accepts = await Promise.all(colleagues.map((c, i) => send(i % 2, c.token, "POST", `/v1/swaps/${offer.id}/accept`)));
  const winnerIndex = accepts.findIndex((a) => a.status === 200);
  const winner = colleagues[winnerIndex];
  const completes = winner ? await Promise.all([0, 1, 0, 1].map((i) => send(i, winner.token, "POST", `/v1/swaps/${offer.id}/complete`))) : [];
  const [row] = await db.select().from(shifts).where(eq(shifts.id, shift.id));
  const shiftsOfTeam = await db.select().from(shifts).where(eq(shifts.teamId, team.id));
  return {
    accepts: histogram(accepts),
    completes: histogram(completes),
    shiftOwnerIsWinner: row?.personId === winner?.id,
    shiftsInTeam: shiftsOfTeam.length,
    swapStatusSeenBy: await Promise.all([0, 1].map(async (i) => (await send(i, adminToken, "GET", `/v1/swaps/${offer.id}`)).body?.status)),
  };
}

/**
 * `count` overrides on one schedule at once, half per instance, each on its
 * own hour; both instances warmed their on-call cache first. Every override
 * must land, the schedule version must count each one (no lost bump), and
 * both instances must then name the override's person for its hour.
 */
export async function overrides(world: RaceWorld, count = 10) {
  const { send, adminToken, db } = world;
  const crew = await peopleWithTokens(db, count + 1, "Oncall");
  const team = await expectOk(await send(0, adminToken, "POST", "/v1/teams", { name: unique("Oncall team"), timeZone: "UTC" }), "creating a team");
  for (const p of crew) await expectOk(await send(1, adminToken, "POST", `/v1/teams/${team.id}/members`, { personId: p.id }), "adding a member");
  const base = DateTime.utc().plus({ days: 2 }).startOf("day");
  const schedule = await expectOk(
    await send(0, adminToken, "POST", "/v1/schedules", {
      name: unique("Race schedule"),
      timeZone: "UTC",
      teamId: team.id,
      layers: [{ participants: [crew[0]!.id], turn: { unit: "weeks", count: 1 }, handoffTime: "00:00", startDate: base.minus({ days: 7 }).toISODate() }],
    }),
    "creating a schedule",
  );
  const hour = (i: number) => base.plus({ hours: 1 + i });
  const onCallAt = async (instance: number, at: DateTime) =>
    (await send(instance, adminToken, "GET", `/v1/oncall?schedule=${schedule.id}&at=${at.plus({ minutes: 30 }).toISO()}`)).body?.items?.[0]?.current?.person?.id;
  // Warm both caches on the old version.
  for (const i of [0, 1]) await onCallAt(i, hour(0));
  const before = (await send(0, adminToken, "GET", `/v1/schedules/${schedule.id}`)).body.version as number;
  const substitutes = crew.slice(1);
  const answers = await Promise.all(
    substitutes.map((p, i) => send(i % 2, adminToken, "POST", `/v1/schedules/${schedule.id}/overrides`, { personId: p.id, start: hour(i).toISO(), end: hour(i).plus({ hours: 1 }).toISO() })),
  );
  const after = (await send(1, adminToken, "GET", `/v1/schedules/${schedule.id}`)).body.version as number;
  let staleAnswers = 0;
  for (const [i, p] of substitutes.entries()) for (const instance of [0, 1]) if ((await onCallAt(instance, hour(i))) !== p.id) staleAnswers++;
  const rows = await db.select({ n: sql<number>`count(*)::int` }).from(scheduleOverrides).where(eq(scheduleOverrides.scheduleId, schedule.id));
  return { requests: answers.length, statuses: histogram(answers), overridesInDatabase: rows[0]!.n, versionBumps: after - before, staleAnswers };
}

/** `count` PATCHes of one person and one team, all with the same If-Match, half per instance: exactly one winner each. */
export async function ifMatchUpdates(world: RaceWorld, count = 10) {
  const { send, adminToken, db } = world;
  const [person] = await peopleWithTokens(db, 1, "Contended");
  const team = await expectOk(await send(0, adminToken, "POST", "/v1/teams", { name: unique("Contended team"), timeZone: "UTC" }), "creating a team");
  const personEtag = (await send(1, adminToken, "GET", `/v1/people/${person!.id}`)).body.version as number;
  const personAnswers = await Promise.all(
    Array.from({ length: count }, (_, i) => send(i % 2, adminToken, "PATCH", `/v1/people/${person!.id}`, { title: `Title ${i}` }, { "if-match": `"v${personEtag}"` })),
  );
  const teamAnswers = await Promise.all(
    Array.from({ length: count }, (_, i) => send(i % 2, adminToken, "PATCH", `/v1/teams/${team.id}`, { maxConcurrentChats: i + 1 }, { "if-match": `"v${team.version}"` })),
  );
  const personNow = (await send(0, adminToken, "GET", `/v1/people/${person!.id}`)).body;
  const teamNow = (await send(1, adminToken, "GET", `/v1/teams/${team.id}`)).body;
  const personWinner = personAnswers.find((a) => a.status === 200)?.body;
  const teamWinner = teamAnswers.find((a) => a.status === 200)?.body;
  return {
    people: histogram(personAnswers),
    teams: histogram(teamAnswers),
    personVersionBumps: personNow.version - personEtag,
    teamVersionBumps: teamNow.version - team.version,
    personKeptWinner: personNow.title === personWinner?.title,
    teamKeptWinner: teamNow.maxConcurrentChats === teamWinner?.maxConcurrentChats,
  };
}
