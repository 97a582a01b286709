import { createHmac } from "node:crypto";
import { DateTime } from "luxon";
import { bootstrapAdmin } from "../../src/services/bootstrap.ts";
import { ADMIN_TOKEN, type Client, type TestApp } from "./app.ts";

/** What a uuid in a request can point at; the fuzzer picks real ids by the field's name. */
export type Kind =
  | "person" | "team" | "token" | "requirement" | "shift" | "pattern" | "program" | "slot" | "booking"
  | "schedule" | "layer" | "override" | "timeOff" | "swap" | "workspace";

/** The seeded objects a fuzz batch aims at, so path ids resolve and requests reach the services. */
export interface World {
  ids: Record<Kind, string[]>;
  /** The people the fuzzer calls as: never deleted through a path id, healed after a successful write. */
  callers: { adminId: string; memberId: string; memberToken: string; leadId: string; leadToken: string; tokenIds: string[] };
  /** A duty month with generated slots, two months ahead so it stays in the future. */
  month: string;
  /** The first instant of that month (UTC); generated instants sit around it. */
  base: DateTime;
  slack: { teamId: string; secret: string };
}

interface Queryable {
  query(sql: string): Promise<{ rows: any[] }>;
}

function driverOf(t: TestApp): Queryable {
  return t.handle.driver as unknown as Queryable;
}

function ok<T = any>(res: { status: number; body: T }, what: string, expected = [200, 201]): T {
  if (!expected.includes(res.status)) throw new Error(`seeding ${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const SLACK_SECRET = "fuzz-signing-secret-0123456789abcdef";

/**
 * Empties the database, bootstraps the admin again and seeds one small
 * company: a team with a lead and a member, support hours, a staffing
 * requirement, shifts, a pattern, a schedule with an override, a duty program
 * with slots and a booking, time off, a swap, a Slack workspace and a token.
 */
export async function seedWorld(t: TestApp): Promise<World> {
  const driver = driverOf(t);
  const { rows } = await driver.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  await driver.query(`TRUNCATE ${rows.map((r) => `"public"."${r.tablename}"`).join(", ")} RESTART IDENTITY CASCADE`);
  const boot = await bootstrapAdmin(t.handle.db, { token: ADMIN_TOKEN, email: "admin@example.test", now: new Date() });
  if (!boot) throw new Error("the database was not empty after truncating");
  const admin = t.admin;

  const zone = "Europe/Berlin";
  const base = DateTime.utc().startOf("month").plus({ months: 2 });
  const month = base.toFormat("yyyy-MM");
  const at = (days: number, hours: number) => base.plus({ days, hours }).toISO({ suppressMilliseconds: true })!;

  const lead = await t.person({ role: "lead", name: "Lea Lead", timeZone: zone, skills: ["french"] });
  const member = await t.person({ name: "Mo Member", timeZone: zone, skills: ["legal"] });
  const other = await t.person({ name: "Otto Other", timeZone: "America/New_York" });
  const team = ok(await admin.post("/v1/teams", { name: "Fuzzed support", timeZone: zone }), "team");
  const spare = ok(await admin.post("/v1/teams", { name: "Spare team", timeZone: "Asia/Tokyo" }), "spare team");
  ok(await admin.post(`/v1/teams/${team.id}/members`, { personId: lead.personId, isLead: true }), "lead membership");
  ok(await admin.post(`/v1/teams/${team.id}/members`, { personId: member.personId }), "membership");
  ok(await admin.request("PUT", `/v1/teams/${team.id}/support-hours`, { body: { allWeek: true } }), "support hours");
  const requirement = ok(
    await admin.post(`/v1/teams/${team.id}/staffing-requirements`, { days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00", headcount: 1 }),
    "staffing requirement",
  );
  for (const p of [lead, member]) ok(await admin.patch(`/v1/people/${p.personId}`, { trainedAt: "2026-01-15T15:00:00Z" }), "trainedAt");

  const memberShift = ok(await admin.post("/v1/shifts", { teamId: team.id, personId: member.personId, start: at(2, 8), end: at(2, 12), label: "chat" }), "shift");
  const leadShift = ok(await admin.post("/v1/shifts", { teamId: team.id, personId: lead.personId, start: at(3, 8), end: at(3, 12) }), "lead shift");
  const pattern = ok(
    await admin.post("/v1/shift-patterns", {
      teamId: team.id,
      personId: lead.personId,
      rrule: `FREQ=WEEKLY;BYDAY=MO;UNTIL=${base.plus({ months: 1 }).toFormat("yyyyMMdd")}`,
      start: base.plus({ days: 10 }).setZone(zone).set({ hour: 14, minute: 0 }).toFormat("yyyy-MM-dd'T'HH:mm"),
      endTime: "16:00",
    }),
    "shift pattern",
  );

  const schedule = ok(
    await admin.post("/v1/schedules", {
      name: "Fuzzed on-call",
      timeZone: zone,
      teamId: team.id,
      layers: [{ name: "Daily", participants: [member.personId, lead.personId], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: DateTime.utc().toISODate() }],
    }),
    "schedule",
  );
  const override = ok(await admin.post(`/v1/schedules/${schedule.id}/overrides`, { personId: lead.personId, start: at(5, 0), end: at(5, 6) }), "override");

  const program = ok(
    await admin.post("/v1/duty-programs", {
      name: "Fuzzed chat duty",
      timeZone: zone,
      hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] },
      seatsPerSlot: 2,
      quotaPerMonth: 3,
      bookingWindow: null,
      trainingRequired: false,
    }),
    "duty program",
  );
  ok(await admin.post(`/v1/duty-programs/${program.id}/months/${month}/slots`), "duty slots");
  const slots = ok(await admin.get(`/v1/duty-programs/${program.id}/slots?month=${month}`), "slot list").items as { id: string }[];
  const booking = ok(await member.post(`/v1/duty-slots/${slots[20]!.id}/bookings`, {}), "booking");

  const timeOff = ok(
    await member.post("/v1/time-off", { startDate: base.plus({ days: 20 }).toISODate(), endDate: base.plus({ days: 21 }).toISODate(), reason: "vacation", note: "private note" }),
    "time off",
  );
  const swap = ok(await member.post("/v1/swaps", { kind: "give_away", counterpartId: lead.personId, offered: { kind: "shift", id: memberShift.id } }), "swap");
  const workspace = ok(
    await admin.post("/v1/slack/workspaces", { slackTeamId: "T0FUZZ", name: "Fuzz workspace", signingSecret: SLACK_SECRET, defaultScheduleId: schedule.id }),
    "slack workspace",
  );
  const spareToken = ok(await admin.post("/v1/tokens", { name: "spare", personId: other.personId }), "token");
  const callerTokens = (await driver.query(`SELECT id FROM api_tokens WHERE person_id IN ('${boot.personId}', '${member.personId}', '${lead.personId}')`)).rows.map((r) => r.id as string);

  return {
    ids: {
      person: [lead.personId, member.personId, other.personId, boot.personId],
      team: [team.id, spare.id],
      token: [spareToken.id],
      requirement: [requirement.id],
      shift: [memberShift.id, leadShift.id],
      pattern: [pattern.id],
      program: [program.id],
      slot: [slots[20]!.id, slots[21]!.id, slots[slots.length - 1]!.id],
      booking: [booking.id],
      schedule: [schedule.id],
      layer: (schedule.layers as { id: string }[]).map((l) => l.id),
      override: [override.id],
      timeOff: [timeOff.id],
      swap: [swap.id],
      workspace: [workspace.id],
    },
    callers: { adminId: boot.personId, memberId: member.personId, memberToken: member.token!, leadId: lead.personId, leadToken: lead.token!, tokenIds: callerTokens },
    month,
    base,
    slack: { teamId: "T0FUZZ", secret: SLACK_SECRET },
  };
}

export function memberClient(t: TestApp, world: World): Client {
  return t.as(world.callers.memberToken);
}

/** Slack's v0 signature of a body, so signed commands reach the command parser. */
export function slackSignature(secret: string, timestamp: number, body: string | Buffer): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest("hex")}`;
}

/**
 * A successful write may demote, deactivate or revoke the fuzzer's own
 * callers; put them back so later requests keep their reach.
 */
export async function healCallers(t: TestApp, world: World): Promise<void> {
  const { adminId, memberId, leadId, tokenIds } = world.callers;
  const driver = driverOf(t);
  await driver.query(`UPDATE people SET active = true, role = 'admin' WHERE id = '${adminId}' AND (NOT active OR role <> 'admin')`);
  await driver.query(`UPDATE people SET active = true, role = 'member' WHERE id = '${memberId}' AND (NOT active OR role <> 'member')`);
  await driver.query(`UPDATE people SET active = true, role = 'lead' WHERE id = '${leadId}' AND (NOT active OR role <> 'lead')`);
  await driver.query(`UPDATE api_tokens SET revoked_at = NULL WHERE id IN (${tokenIds.map((id) => `'${id}'`).join(", ")}) AND revoked_at IS NOT NULL`);
}

/**
 * Row count and checksum of every public table, in one query. The checksum
 * is a sum of row hashes, so it needs no sort. Left out on purpose:
 * `api_tokens.last_used_at` (any authenticated request may touch it once a
 * minute) and the whole `idempotency_keys` table (it records refused
 * requests too, so that their retries get the same answer).
 */
export async function tableChecksumQuery(t: TestApp): Promise<string> {
  const { rows } = await driverOf(t).query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'idempotency_keys' ORDER BY tablename");
  return rows
    .map(({ tablename }) => {
      const row = tablename === "api_tokens" ? `(to_jsonb(x) - 'last_used_at')::text` : "x::text";
      return `SELECT '${tablename}' AS name, count(*)::int AS rows, coalesce(sum(hashtextextended(${row}, 0)::numeric), 0)::text AS sum FROM "public"."${tablename}" x`;
    })
    .join("\nUNION ALL\n");
}

export type Snapshot = Map<string, string>;

export async function snapshot(t: TestApp, query: string): Promise<Snapshot> {
  const { rows } = await driverOf(t).query(query);
  return new Map(rows.map((r) => [r.name as string, `${r.rows}:${r.sum}`]));
}

/** The tables whose rows differ between two snapshots. */
export function changedTables(before: Snapshot, after: Snapshot): string[] {
  return [...after.keys()].filter((name) => before.get(name) !== after.get(name));
}
