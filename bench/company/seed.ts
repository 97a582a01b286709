/**
 * The company the bench runs against, written straight into the database the
 * server will open, before it starts: set-based SQL (generate_series) for the
 * bulk, drizzle batches where the value has to come from our own code (token
 * hashes, DST-correct duty slots). Deterministic: every id is an md5 of a
 * name ("rota-bench/person/42"), every time is relative to `anchor` (today,
 * 00:00 UTC), so two runs on the same day seed the same rows.
 *
 * Shape (full size; --quick shrinks every number):
 * - people: shift workers in the first `supportTeams` teams (`supportTeamSize`
 *   each, Europe/London), everyone else spread over engineering teams (London,
 *   Berlin, New York); the first of each team leads it.
 * - schedules: `schedules` of 3 layers each, owned by the engineering teams:
 *   weekday business hours (weekly), follow-the-sun in Sydney (daily), and a
 *   24/7 backstop (weekly) that always includes `everywherePerson`, who so
 *   appears in every schedule; `overridesPerSchedule` overrides around today.
 * - shifts: support people work 5 days in 7 (days off rotating), two 4-hour
 *   shifts a day, over `historyDays` back and `aheadDays` ahead.
 * - a week of approved time off per person every quarter.
 * - duty: one company-wide program (Mon–Fri 08:00–18:00 London, 60-minute
 *   slots, quota 1): next month's slots with 3 seats (the booking rush), the
 *   month after with enough seats for everyone (auto-assign).
 * - an API token per person.
 *
 * Row triggers are off while the bulk goes in (SET LOCAL session_replication_role
 * = replica): the commitments they would write are inserted by one statement
 * instead, and the calendar outbox is left empty (a seed is not a change).
 */
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db, DbHandle } from "../../src/db/client.ts";
import { apiTokens, dutySlots } from "../../src/db/schema/index.ts";
import { generateSlots } from "../../src/domain/duty.ts";
import { TimeContext, instantToLocal } from "../../src/domain/wallclock.ts";
import type { WeeklyHours } from "../../src/domain/weekly.ts";
import { hashToken } from "../../src/services/tokens.ts";

export interface CompanySize {
  people: number;
  teams: number;
  supportTeams: number;
  supportTeamSize: number;
  schedules: number;
  overridesPerSchedule: number;
  historyDays: number;
  aheadDays: number;
}

export const FULL: CompanySize = { people: 5000, teams: 50, supportTeams: 10, supportTeamSize: 50, schedules: 200, overridesPerSchedule: 20, historyDays: 730, aheadDays: 90 };
export const QUICK: CompanySize = { people: 200, teams: 5, supportTeams: 1, supportTeamSize: 20, schedules: 10, overridesPerSchedule: 5, historyDays: 60, aheadDays: 45 };

const DAY = 86_400_000;
export const ADMIN_TOKEN = "rota_bench_admin_token_000000000000";
const PROGRAM_ZONE = "Europe/London";

/** The uuid PostgreSQL makes of md5(key)::uuid, so ids can be named on both sides. */
export function benchId(key: string): string {
  const h = createHash("md5").update(key, "utf8").digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const personToken = (i: number) => `rota_bench_person_${String(i).padStart(5, "0")}_secret`;

/** What the scenarios need to know about the seeded company. */
export interface Company {
  size: CompanySize;
  anchor: Date;
  adminId: string;
  personId(i: number): string;
  teamId(t: number): string;
  scheduleId(s: number): string;
  /** Index of the person on every schedule's backstop layer. */
  everywherePerson: number;
  /** Engineering people (no shifts), in index order: those who book in the rush. */
  engineers: number[];
  /** The shift team the coverage report and the iCal feed are about (team 0). */
  shiftTeam: { id: string; people: number[] };
  /** The k-th (0–7) of the team members schedule s rotates through (business hours 0–3, follow-the-sun 4–7). */
  scheduleMember(s: number, k: number): string;
  /** Shifts of team 0 in [from, to) (whole London days), counted from the seed's formula. */
  shiftsOfTeam0(from: Date, to: Date): number;
  /** The id of person i's (team 0) first morning shift `fromDay` days from today or later. */
  morningShift(i: number, fromDay: number): string;
  /**
   * Two of `people` (team 0) and a morning shift of each, 3–30 days ahead, such that each is
   * free (off that day, not away) when the other's shift is: a trade the rules allow.
   */
  tradePair(people: number[]): [{ person: number; shiftId: string }, { person: number; shiftId: string }];
  program: { id: string; rushMonth: string; assignMonth: string; rushSlots: number; assignSlots: number; rushSeats: number; assignSeats: number };
  counts: Record<string, number>;
  seconds: number;
}

function monthAfter(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number);
  const index = y! * 12 + (m! - 1) + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

const FIRST = ["Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kai", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara"];
const LAST = ["Andersen", "Baker", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hughes", "Ivanova", "Jensen", "Kowalski", "Larsen", "Müller", "Nakamura", "O'Brien", "Patel", "Rossi", "Schmidt", "Tanaka", "Weber"];
const sqlArray = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x.replaceAll("'", "''")}'`).join(",")}]`;

async function rowsOf<T>(db: Db, query: string): Promise<T[]> {
  const result = (await db.execute(sql.raw(query))) as unknown as { rows?: T[] } | T[];
  return Array.isArray(result) ? result : (result.rows ?? []);
}

/** Seeds an empty, migrated database. */
export async function seedCompany(handle: DbHandle, size: CompanySize, now: Date): Promise<Company> {
  const started = performance.now();
  const { people: N, teams: T, supportTeams: S, supportTeamSize: Z, schedules: SC, overridesPerSchedule: O } = size;
  const SZ = S * Z;
  const E = T - S;
  const perEngineeringTeam = Math.floor((N - SZ) / E);
  if (E < 1 || SZ >= N || Math.ceil(SC / E) * 8 > perEngineeringTeam - 1) throw new Error(`company size does not fit: ${JSON.stringify(size)}`);
  const anchor = new Date(Math.floor(now.getTime() / DAY) * DAY);
  const A = `timestamptz '${anchor.toISOString()}'`;
  const P = N - 1; // on every schedule: an engineer whose own team's layers never use them (k beyond 8 × ranks)
  const id = (kind: string, expr: string) => `md5('rota-bench/${kind}/' || ${expr})::uuid`;
  const personAt = (expr: string) => id("person", expr);
  // Member k of engineering team e (0-based among engineering teams).
  const engineer = (e: string, k: string) => personAt(`(${SZ} + ${e} + ${E} * (${k}))`);
  const adminId = benchId("rota-bench/admin");

  const thisMonth = instantToLocal(anchor, PROGRAM_ZONE).date.slice(0, 7);
  const rushMonth = monthAfter(thisMonth, 1);
  const assignMonth = monthAfter(thisMonth, 2);
  const hours: WeeklyHours = { zone: PROGRAM_ZONE, windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00" }], exceptions: [] };
  const context = new TimeContext();
  const rushSlots = generateSlots({ hours, slotMinutes: 60 }, rushMonth, context);
  const assignSlots = generateSlots({ hours, slotMinutes: 60 }, assignMonth, context);
  const rushSeats = 3;
  // Room for everyone, twice over: the engine spreads people, it should not be starved of seats.
  const assignSeats = Math.ceil((2 * N) / assignSlots.length);
  const programId = benchId("rota-bench/duty-program");

  const statements = [
    "SET LOCAL session_replication_role = replica",
    "SET LOCAL TimeZone = 'UTC'",
    `INSERT INTO people (id, name, email, time_zone, role, created_at, updated_at)
       VALUES ('${adminId}', 'Bench Admin', 'admin@bench.rota.test', 'UTC', 'admin', ${A} - interval '900 days', ${A} - interval '900 days')`,
    `INSERT INTO teams (id, name, time_zone, created_at, updated_at)
       SELECT ${id("team", "t")}, CASE WHEN t < ${S} THEN 'Support ' ELSE 'Engineering ' END || t, 'Europe/London', ${A} - interval '900 days', ${A} - interval '900 days'
       FROM generate_series(0, ${T - 1}) AS t`,
    `INSERT INTO people (id, name, email, time_zone, role, skills, trained_at, created_at, updated_at)
       SELECT ${personAt("i")},
              (${sqlArray(FIRST)})[1 + i % ${FIRST.length}] || ' ' || (${sqlArray(LAST)})[1 + (i / ${FIRST.length}) % ${LAST.length}],
              'person' || i || '@bench.rota.test',
              CASE WHEN i < ${SZ} THEN 'Europe/London' ELSE (ARRAY['Europe/London','Europe/London','Europe/London','Europe/London','Europe/London','Europe/London','Europe/London','Europe/Berlin','Europe/Berlin','America/New_York'])[1 + i % 10] END,
              (CASE WHEN (i < ${SZ} AND i % ${Z} = 0) OR (i >= ${SZ} AND i < ${SZ + E}) THEN 'lead' ELSE 'member' END)::person_role,
              CASE WHEN i % 5 = 0 THEN ARRAY['english','german'] WHEN i % 7 = 0 THEN ARRAY['english','billing'] ELSE ARRAY['english'] END,
              ${A} - interval '400 days',
              ${A} - interval '800 days', ${A} - interval '800 days'
       FROM generate_series(0, ${N - 1}) AS i`,
    `INSERT INTO team_members (team_id, person_id, is_lead, created_at)
       SELECT ${id("team", `CASE WHEN i < ${SZ} THEN i / ${Z} ELSE ${S} + (i - ${SZ}) % ${E} END`)}, ${personAt("i")},
              (i < ${SZ} AND i % ${Z} = 0) OR (i >= ${SZ} AND i < ${SZ + E}), ${A} - interval '800 days'
       FROM generate_series(0, ${N - 1}) AS i`,
    // Support hours and staffing requirements of the shift teams (team zone).
    `INSERT INTO team_support_windows (team_id, days, start_time, end_time)
       SELECT ${id("team", "t")}, w.days, w.s, w.e
       FROM generate_series(0, ${S - 1}) AS t,
            (VALUES (ARRAY['mon','tue','wed','thu','fri','sat','sun'], '06:00', '22:00')) AS w(days, s, e)`,
    `INSERT INTO staffing_requirements (team_id, days, start_time, end_time, headcount, label, skill, created_at, updated_at)
       SELECT ${id("team", "t")}, r.days, r.s, r.e, r.n, r.label, r.skill, ${A} - interval '800 days', ${A} - interval '800 days'
       FROM generate_series(0, ${S - 1}) AS t,
            (VALUES (ARRAY['mon','tue','wed','thu','fri'], '08:00', '20:00', ${Math.max(2, Math.round(Z / 5))}, 'chat', NULL),
                    (ARRAY['sat','sun'], '10:00', '18:00', ${Math.max(1, Math.round(Z / 12))}, 'chat', NULL),
                    (ARRAY['mon','tue','wed','thu','fri'], '09:00', '17:00', 2, NULL, 'german')) AS r(days, s, e, n, label, skill)`,
    // Shifts: 5 days in 7 per person, the days off rotating so weekends are staffed; two 4-hour shifts a day,
    // at London wall-clock times inside the support hours (06:00–22:00).
    `INSERT INTO shifts (id, team_id, person_id, start_at, end_at, label, created_by, created_at, updated_at)
       SELECT ${id("shift", "i || '/' || d || '/' || h")}, ${id("team", `i / ${Z}`)}, ${personAt("i")},
              (date '${anchor.toISOString().slice(0, 10)}' + d + make_interval(hours => 6 + (i % ${Z} % 4) * 2 + h * 5)) AT TIME ZONE 'Europe/London',
              (date '${anchor.toISOString().slice(0, 10)}' + d + make_interval(hours => 10 + (i % ${Z} % 4) * 2 + h * 5)) AT TIME ZONE 'Europe/London',
              CASE WHEN i % 3 = 0 THEN 'email' ELSE 'chat' END, '${adminId}',
              ${A} + make_interval(days => d - 30), ${A} + make_interval(days => d - 30)
       FROM generate_series(0, ${SZ - 1}) AS i, generate_series(${-size.historyDays}, ${size.aheadDays - 1}) AS d, generate_series(0, 1) AS h
       WHERE (((i % ${Z}) + d) % 7 + 7) % 7 < 5 AND ((d - (i * 7) % 84) % 91 + 91) % 91 >= 5`,
    `INSERT INTO commitments (person_id, during, source_kind, source_id)
       SELECT person_id, tstzrange(start_at, end_at, '[)'), 'shift', id FROM shifts`,
    // A week of approved time off each quarter (not for the person whose approvals are timed); no shifts then (above).
    `INSERT INTO time_off (person_id, start_at, end_at, status, reason, decided_by, decided_at, created_by, created_at, updated_at)
       SELECT ${personAt("i")}, ${A} + make_interval(days => q * 91 + (i * 7) % 84), ${A} + make_interval(days => q * 91 + (i * 7) % 84 + 5),
              'approved', 'vacation', '${adminId}', ${A} + make_interval(days => q * 91 - 20), ${personAt("i")},
              ${A} + make_interval(days => q * 91 - 30), ${A} + make_interval(days => q * 91 - 20)
       FROM generate_series(0, ${N - 2}) AS i, generate_series(${-Math.ceil(size.historyDays / 91)}, 0) AS q`,
    // Schedules of the engineering teams: schedule s belongs to team S + s % E; r = s / E picks 8 of its members.
    `INSERT INTO schedules (id, name, time_zone, team_id, created_at, updated_at)
       SELECT ${id("schedule", "s")}, 'Service ' || s,
              (ARRAY['Europe/London','America/New_York','Europe/Berlin','America/Los_Angeles','Asia/Tokyo'])[1 + s % 5],
              ${id("team", `${S} + s % ${E}`)}, ${A} - interval '700 days', ${A} - interval '700 days'
       FROM generate_series(0, ${SC - 1}) AS s`,
    `INSERT INTO schedule_layers (id, schedule_id, position, name, turn_unit, turn_count, handoff_time, time_zone, start_date)
       SELECT ${id("layer", "s || '/' || l.position")}, ${id("schedule", "s")}, l.position, l.name, l.unit::turn_unit, 1, l.handoff, l.zone,
              date '2024-01-01' + CASE WHEN l.position = 2 THEN s % 7 ELSE 0 END
       FROM generate_series(0, ${SC - 1}) AS s,
            (VALUES (0, 'Business hours', 'weeks', '09:00', NULL), (1, 'Follow the sun', 'days', '09:00', 'Australia/Sydney'), (2, 'Backstop', 'weeks', '10:00', NULL))
              AS l(position, name, unit, handoff, zone)`,
    `INSERT INTO schedule_layer_restrictions (layer_id, days, start_time, end_time)
       SELECT ${id("layer", "s || '/' || r.position")}, r.days, '09:00', '17:00'
       FROM generate_series(0, ${SC - 1}) AS s,
            (VALUES (0, ARRAY['mon','tue','wed','thu','fri']), (1, ARRAY['mon','tue','wed','thu','fri','sat','sun'])) AS r(position, days)`,
    `INSERT INTO schedule_layer_participants (layer_id, position, person_id)
       SELECT ${id("layer", "s || '/' || l")}, j,
              CASE WHEN l = 2 AND j = s % 4 THEN ${personAt(String(P))}
                   ELSE ${engineer(`s % ${E}`, `(s / ${E}) * 8 + CASE WHEN l = 1 THEN 4 ELSE 0 END + j`)} END
       FROM generate_series(0, ${SC - 1}) AS s, generate_series(0, 2) AS l, generate_series(0, 3) AS j`,
    `INSERT INTO schedule_overrides (schedule_id, person_id, start_at, end_at, note, created_by, created_at)
       SELECT ${id("schedule", "s")}, ${engineer(`s % ${E}`, `(s / ${E}) * 8 + (o + 1) % 8`)},
              ${A} + make_interval(days => o * 2 - ${O}, hours => s % 24), ${A} + make_interval(days => o * 2 - ${O}, hours => s % 24 + 6),
              'Covering', '${adminId}', ${A} + make_interval(days => o * 2 - ${O} - 7, mins => o)
       FROM generate_series(0, ${SC - 1}) AS s, generate_series(0, ${O - 1}) AS o`,
    // The company-wide duty program; its slots follow (generated by the domain's own DST-correct code).
    `INSERT INTO duty_programs (id, name, time_zone, slot_minutes, seats_per_slot, quota_per_month, eligibility, created_at, updated_at)
       VALUES ('${programId}', 'Chat duty', '${PROGRAM_ZONE}', 60, ${rushSeats}, 1, 'all', ${A} - interval '200 days', ${A} - interval '200 days')`,
    `INSERT INTO duty_program_windows (program_id, days, start_time, end_time) VALUES ('${programId}', ARRAY['mon','tue','wed','thu','fri'], '08:00', '18:00')`,
  ];

  await handle.db.transaction(async (tx) => {
    for (const statement of statements) await tx.execute(sql.raw(statement));
    const slotRows = [
      ...rushSlots.map((s) => ({ month: rushMonth, seats: rushSeats, s })),
      ...assignSlots.map((s) => ({ month: assignMonth, seats: assignSeats, s })),
    ].map(({ month, seats, s }) => ({
      id: benchId(`rota-bench/slot/${s.start.toISOString()}`),
      programId,
      month,
      startAt: s.start,
      endAt: s.end,
      seats,
      createdAt: new Date(anchor.getTime() - 10 * DAY),
      updatedAt: new Date(anchor.getTime() - 10 * DAY),
    }));
    for (let i = 0; i < slotRows.length; i += 1000) await tx.insert(dutySlots).values(slotRows.slice(i, i + 1000));
    const tokens = [
      { personId: adminId, name: "bench", prefix: ADMIN_TOKEN.slice(0, 11), tokenHash: hashToken(ADMIN_TOKEN), createdAt: anchor },
      ...Array.from({ length: N }, (_, i) => ({ personId: benchId(`rota-bench/person/${i}`), name: "bench", prefix: personToken(i).slice(0, 11), tokenHash: hashToken(personToken(i)), createdAt: anchor })),
    ];
    for (let i = 0; i < tokens.length; i += 1000) await tx.insert(apiTokens).values(tokens.slice(i, i + 1000));
  });
  // Planner statistics, as autovacuum would have them on a database this size.
  await handle.db.execute(sql.raw("ANALYZE"));

  const [counts] = await rowsOf<Record<string, string>>(
    handle.db,
    `SELECT (SELECT count(*) FROM people) AS people, (SELECT count(*) FROM teams) AS teams, (SELECT count(*) FROM schedules) AS schedules,
            (SELECT count(*) FROM schedule_layers) AS layers, (SELECT count(*) FROM schedule_overrides) AS overrides,
            (SELECT count(*) FROM shifts) AS shifts, (SELECT count(*) FROM time_off) AS "timeOff", (SELECT count(*) FROM duty_slots) AS "dutySlots",
            (SELECT count(*) FROM api_tokens) AS tokens`,
  );
  // Team 0's people are 0 … Z-1: person i works day d (London date anchor + d) when (i + d) mod 7 < 5 and
  // they are not away (five days from (i × 7) mod 84 in every 91), two shifts between 06:00 and 21:00.
  const workday = (i: number, d: number) => ((((i % Z) + d) % 7) + 7) % 7 < 5;
  const away = (i: number, d: number) => ((((d - ((i * 7) % 84)) % 91) + 91) % 91) < 5;
  const works = (i: number, d: number) => workday(i, d) && !away(i, d);
  const free = (i: number, d: number) => !workday(i, d) && !away(i, d);
  const engineers = Array.from({ length: N - SZ }, (_, k) => SZ + k).filter((i) => i !== P);
  return {
    size,
    anchor,
    adminId,
    personId: (i) => benchId(`rota-bench/person/${i}`),
    teamId: (t) => benchId(`rota-bench/team/${t}`),
    scheduleId: (s) => benchId(`rota-bench/schedule/${s}`),
    everywherePerson: P,
    engineers,
    shiftTeam: { id: benchId("rota-bench/team/0"), people: Array.from({ length: Z }, (_, i) => i) },
    scheduleMember: (s, k) => benchId(`rota-bench/person/${SZ + (s % E) + E * (Math.floor(s / E) * 8 + k)}`),
    shiftsOfTeam0(from, to) {
      let n = 0;
      for (let i = 0; i < Z; i++) {
        for (let d = -size.historyDays; d < size.aheadDays; d++) {
          // Windows here are whole London days: a day's shifts are in or out together; its noon (UTC) says which.
          const noon = anchor.getTime() + d * DAY + 12 * 3_600_000;
          if (works(i, d) && noon >= from.getTime() && noon < to.getTime()) n += 2;
        }
      }
      return n;
    },
    morningShift(i, fromDay) {
      for (let d = fromDay; d < size.aheadDays; d++) if (works(i, d)) return benchId(`rota-bench/shift/${i}/${d}/0`);
      throw new Error(`person ${i} has no shift ahead`);
    },
    tradePair(people) {
      for (const a of people) {
        for (const b of people) {
          if (a === b) continue;
          const da = [...Array(28).keys()].map((k) => k + 3).find((d) => works(a, d) && free(b, d));
          const db = [...Array(28).keys()].map((k) => k + 3).find((d) => works(b, d) && free(a, d));
          if (da !== undefined && db !== undefined) {
            return [
              { person: a, shiftId: benchId(`rota-bench/shift/${a}/${da}/0`) },
              { person: b, shiftId: benchId(`rota-bench/shift/${b}/${db}/0`) },
            ];
          }
        }
      }
      throw new Error("no two people of team 0 can trade shifts");
    },
    program: { id: programId, rushMonth, assignMonth, rushSlots: rushSlots.length, assignSlots: assignSlots.length, rushSeats, assignSeats },
    counts: Object.fromEntries(Object.entries(counts ?? {}).map(([k, v]) => [k, Number(v)])),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
