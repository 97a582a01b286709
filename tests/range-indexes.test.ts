import type { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, DbHandle } from "../src/db/client.ts";
import { loadOnDutyNow } from "../src/db/load-slack.ts";
import { commitmentsOfPeople, createDutyRepository } from "../src/db/repositories/duty.ts";
import { createFeedRepository } from "../src/db/repositories/feeds.ts";
import { pruneIdempotencyKeysOlderThan } from "../src/db/repositories/idempotency.ts";
import { createScheduleRepository } from "../src/db/repositories/schedules.ts";
import { createShiftRepository } from "../src/db/repositories/shifts.ts";
import { createTimeOffQueries, createTimeOffRepository } from "../src/db/repositories/time-off.ts";
import * as schema from "../src/db/schema/index.ts";
import { loadAssignments } from "../src/services/assignments.ts";
import { createTestDatabase, testDbKind } from "./helpers/db.ts";

/*
 * Overlap reads go through the GiST range indexes (src/db/sql.ts `overlaps`,
 * the `*_during_idx` indexes of src/db/schema), so a week's read of a team
 * with ten years of shifts touches that week, not the ten years before it.
 * Each case runs the real repository function on a history-heavy database,
 * records the SQL it sent, and asserts PostgreSQL's plan for that SQL scans
 * the range index and never the whole table. A query rewritten back to
 * `start < to AND end > from`, or an index dropped, fails here.
 *
 * PostgreSQL only (CI sets TEST_DATABASE_URL): PGlite's planner chose the
 * same plans when tried, but seeding it takes about 8 s of every PGlite run,
 * and the other files already check the results on both databases.
 */
const onPostgres = testDbKind() === "postgres";

const ids = {
  team: "00000000-0000-4000-8000-00000000a000",
  person: "00000000-0000-4000-8000-00000000b000",
  schedule: "00000000-0000-4000-8000-00000000c000",
  program: "00000000-0000-4000-8000-00000000d000",
};
// A week near the end of the history (2015-01-01 to 2023-03-19: 3,000 days).
const from = new Date("2022-06-06T00:00:00Z");
const to = new Date("2022-06-13T00:00:00Z");

/**
 * One team and one person with a shift every day for 3,000 days, 499 more
 * people in 19 more teams, 3,000 overrides of one schedule, weekly time off,
 * a duty slot a day booked in turn, and a month of idempotency keys.
 */
async function seed(handle: DbHandle): Promise<void> {
  const query = (text: string) => (handle.driver as pg.Pool).query(text);
  await query(`
    INSERT INTO people (id, name, email, time_zone)
    SELECT CASE WHEN n = 0 THEN '${ids.person}'::uuid ELSE gen_random_uuid() END, 'Person ' || n, 'p' || n || '@example.com', 'UTC'
    FROM generate_series(0, 499) n`);
  await query(`
    INSERT INTO teams (id, name, time_zone)
    SELECT CASE WHEN n = 0 THEN '${ids.team}'::uuid ELSE gen_random_uuid() END, 'Team ' || n, 'UTC'
    FROM generate_series(0, 19) n`);
  // Person 0 works every day in the focus team; person n (1–499) in team n % 19 + 1, every 300 days.
  await query(`
    INSERT INTO shifts (team_id, person_id, start_at, end_at)
    SELECT '${ids.team}', '${ids.person}', d, d + interval '8 hours'
    FROM generate_series(timestamptz '2015-01-01', timestamptz '2015-01-01' + interval '2999 days', interval '1 day') d`);
  await query(`
    INSERT INTO shifts (team_id, person_id, start_at, end_at)
    SELECT t.id, p.id, d, d + interval '8 hours'
    FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM people WHERE id <> '${ids.person}') p
    JOIN (SELECT id, row_number() OVER (ORDER BY name) - 1 AS n FROM teams WHERE id <> '${ids.team}') t ON t.n = p.n % 19
    CROSS JOIN generate_series(timestamptz '2015-01-01' + (p.n % 300) * interval '1 day', timestamptz '2015-01-01' + interval '2999 days', interval '300 days') d`);
  await query(`INSERT INTO schedules (id, name, time_zone) VALUES ('${ids.schedule}', 'Primary', 'UTC')`);
  await query(`
    INSERT INTO schedule_overrides (schedule_id, person_id, start_at, end_at)
    SELECT '${ids.schedule}', '${ids.person}', d + interval '18 hours', d + interval '20 hours'
    FROM generate_series(timestamptz '2015-01-01', timestamptz '2015-01-01' + interval '2999 days', interval '1 day') d`);
  await query(`
    INSERT INTO time_off (person_id, start_at, end_at, status)
    SELECT p.id, d, d + interval '1 day', 'approved'
    FROM people p CROSS JOIN generate_series(timestamptz '2015-01-03', timestamptz '2015-01-03' + interval '2999 days', interval '7 days') d
    WHERE p.id = '${ids.person}' OR p.email LIKE 'p1_@%'`);
  await query(`
    INSERT INTO duty_programs (id, name, time_zone) VALUES ('${ids.program}', 'Support chat', 'UTC'), (gen_random_uuid(), 'Other chat', 'UTC')`);
  await query(`
    INSERT INTO duty_slots (program_id, month, start_at, end_at, seats)
    SELECT '${ids.program}', to_char(d, 'YYYY-MM'), d + interval '12 hours', d + interval '13 hours', 1
    FROM generate_series(timestamptz '2015-01-01', timestamptz '2015-01-01' + interval '2999 days', interval '1 day') d`);
  await query(`
    INSERT INTO duty_bookings (slot_id, program_id, month, person_id, start_at, end_at)
    SELECT s.id, s.program_id, s.month, p.id, s.start_at, s.end_at
    FROM (SELECT *, row_number() OVER (ORDER BY start_at) AS n FROM duty_slots) s
    JOIN (SELECT id, row_number() OVER (ORDER BY email) - 1 AS n FROM people) p ON p.n = s.n % 500`);
  await query(`
    INSERT INTO idempotency_keys (actor_id, key, method, path, request_hash, created_at)
    SELECT '${ids.person}', 'key-' || n, 'POST', '/v1/shifts', 'hash', timestamptz '2023-06-12' - n * interval '10 minutes'
    FROM generate_series(1, 4320) n`);
  await query("ANALYZE");
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

let handle: DbHandle & { url?: string };
/** The SQL (and parameters) each repository call sent. */
let sent: { query: string; params: unknown[] }[] = [];
let db: Db;

async function planOf(query: string, params: unknown[]): Promise<PlanNode> {
  const result = await (handle.driver as pg.Pool).query(`EXPLAIN (FORMAT JSON) ${query}`, params);
  const cell = (result.rows[0] as Record<string, unknown>)["QUERY PLAN"];
  const plan = (typeof cell === "string" ? JSON.parse(cell) : cell) as { Plan: PlanNode }[];
  return plan[0]!.Plan;
}

/**
 * Runs `call`, then EXPLAINs every statement it sent that reads `table`:
 * each must scan `index` (every one of them, when several), and none may
 * read `table` sequentially.
 */
async function expectRangeIndex(table: string, index: string | string[], call: (db: Db) => Promise<unknown>) {
  sent = [];
  await call(db);
  const reading = sent.filter((s) => s.query.includes(`from "${table}"`) || s.query.includes(`join "${table}"`) || s.query.includes(`FROM "${table}"`));
  expect(reading.length, `no statement read ${table}`).toBeGreaterThan(0);
  for (const { query, params } of reading) {
    const nodes = nodesOf(await planOf(query, params));
    const shape = nodes.map((n) => `${n["Node Type"]}${n["Relation Name"] ? ` on ${n["Relation Name"]}` : ""}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""}`).join(" / ");
    for (const name of [index].flat()) expect(nodes.some((n) => n["Index Name"] === name), `${query}\n→ ${shape}`).toBe(true);
    expect(nodes.some((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"] === table), `${query}\n→ ${shape}`).toBe(false);
  }
}

beforeAll(async () => {
  if (!onPostgres) return;
  handle = await createTestDatabase();
  await seed(handle);
  const logger = { logQuery: (query: string, params: unknown[]) => void sent.push({ query, params }) };
  db = (handle.kind === "pglite"
    ? drizzlePglite({ client: handle.driver as PGlite, schema, logger })
    : drizzlePg({ client: handle.driver as pg.Pool, schema, logger })) as unknown as Db;
}, 60_000);
afterAll(() => handle?.close());

describe.skipIf(!onPostgres)("a week's read of ten years of history scans the range index, not the history", () => {
  it("a team's shifts in a week (list, coverage report, calendar feed) use shifts_team_during_idx", async () => {
    await expectRangeIndex("shifts", "shifts_team_during_idx", (db) => createShiftRepository(db).list({ teamId: ids.team, from, to }, { limit: 50 }));
    await expectRangeIndex("shifts", "shifts_team_during_idx", (db) => createShiftRepository(db).overlappingWithSkills({ teamId: ids.team, from, to }));
    await expectRangeIndex("shifts", "shifts_team_during_idx", (db) => createFeedRepository(db).shifts({ teamIds: [ids.team] }, from, to));
  });

  it("a person's shifts in a week (list, feed, assignments) use shifts_person_during_idx", async () => {
    await expectRangeIndex("shifts", "shifts_person_during_idx", (db) => createShiftRepository(db).list({ personId: ids.person, from, to }, { limit: 50 }));
    await expectRangeIndex("shifts", "shifts_person_during_idx", (db) => createFeedRepository(db).shifts({ personId: ids.person }, from, to));
    await expectRangeIndex("shifts", "shifts_person_during_idx", (db) => loadAssignments(db, [ids.person], from, to));
    // A person's feed with their teams' shifts: one index per side of the OR.
    await expectRangeIndex("shifts", ["shifts_person_during_idx", "shifts_team_during_idx"], (db) => createFeedRepository(db).shifts({ personId: ids.person, teamIds: [ids.team] }, from, to));
  });

  it("'does the team still have future shifts?' before deleting it uses shifts_team_during_idx", async () => {
    await expectRangeIndex("shifts", "shifts_team_during_idx", (db) => createShiftRepository(db).countFutureForTeam(ids.team, to));
  });

  it("a schedule's overrides in a week use schedule_overrides_during_idx", async () => {
    await expectRangeIndex("schedule_overrides", "schedule_overrides_during_idx", (db) => createScheduleRepository(db).overridesIn(ids.schedule, from, to));
  });

  it("a person's approved time off in a week (checks, list, feed) uses time_off_person_during_idx", async () => {
    await expectRangeIndex("time_off", "time_off_person_during_idx", (db) => createTimeOffRepository(db).approvedOverlapping([ids.person], from, to));
    await expectRangeIndex("time_off", "time_off_person_during_idx", (db) => createTimeOffQueries(db).list({ personId: ids.person, from, to }, { limit: 50 }));
    await expectRangeIndex("time_off", "time_off_person_during_idx", (db) => createFeedRepository(db).approvedTimeOff([ids.person], from, to));
  });

  it("a program's slots in a week use duty_slots_program_during_idx", async () => {
    await expectRangeIndex("duty_slots", "duty_slots_program_during_idx", (db) => createFeedRepository(db).slots({ programId: ids.program }, from, to));
  });

  it("who is on duty now (one program or all) and a person's bookings in a week use the bookings' range indexes", async () => {
    const now = new Date("2022-06-08T12:30:00Z");
    await expectRangeIndex("duty_bookings", "duty_bookings_program_during_idx", (db) => createDutyRepository(db).onDutyAt(ids.program, now));
    await expectRangeIndex("duty_bookings", "duty_bookings_program_during_idx", (db) => loadOnDutyNow(db, now));
    await expectRangeIndex("duty_bookings", "duty_bookings_person_during_idx", (db) => loadAssignments(db, [ids.person], from, to));
  });

  it("a person's commitments in a week use the exclusion constraint's index, commitments_no_overlap", async () => {
    await expectRangeIndex("commitments", "commitments_no_overlap", (db) => createShiftRepository(db).commitmentsOverlapping(ids.person, from, to));
    await expectRangeIndex("commitments", "commitments_no_overlap", (db) => createShiftRepository(db).busyPeople([ids.person], from, to));
    await expectRangeIndex("commitments", "commitments_no_overlap", (db) => commitmentsOfPeople(db, [ids.person], from, to));
  });

  it("the hourly prune of Idempotency-Keys finds the old ones by idempotency_keys_created_idx", async () => {
    await expectRangeIndex("idempotency_keys", "idempotency_keys_created_idx", (db) => pruneIdempotencyKeysOlderThan(db, new Date("2023-05-13T12:00:00Z")));
  });
});
