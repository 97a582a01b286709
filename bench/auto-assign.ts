/**
 * Duty auto-assign at company scale (issue 17, scenario h): 5,000 eligible
 * people in six zones (a tenth with their own working days, a tenth with
 * weekly shifts, a twentieth on two weeks of approved time off, a
 * twentieth already booked, a fiftieth untrained, a seventh with unpopular
 * slots in the ledger), one program (Mon–Fri 07:00–21:00 New York, hourly,
 * 20 seats, training required) and its month of slots two months ahead.
 * Times the dry run, then the apply, through the service as a lead would
 * call it, counting the SQL statements each sends; then the planner alone
 * on 5,000 and 20,000 synthetic people × 400 slots (median of 5 runs), to
 * show it grows linearly in people.
 *
 *   npx tsx bench/auto-assign.ts                                        # embedded PGlite
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rota_bench npx tsx bench/auto-assign.ts
 *
 * Self-contained (its own seeding, no server): the database must be empty
 * (PGlite in memory is; a PostgreSQL database is migrated here). Prints one
 * JSON line per measurement; exits 1 when the apply takes 10 s or more.
 */
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { DateTime } from "luxon";
import type pg from "pg";
import { createDb, type Db } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import * as schema from "../src/db/schema/index.ts";
import { autoAssign, type AutoAssignPerson, type AutoAssignSlot } from "../src/domain/duty.ts";
import { bootstrapAdmin } from "../src/services/bootstrap.ts";
import type { ServiceContext } from "../src/services/context.ts";
import { autoAssignMonth, createProgram, generateMonthSlots } from "../src/services/duty.ts";

const PEOPLE = 5_000;
const APPLY_BUDGET_MS = 10_000;
const ZONE = "America/New_York";
const ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Paris", "America/Sao_Paulo"];

const url = process.env.BENCH_DATABASE_URL;
const handle = await createDb(url ? { kind: "postgres", url } : { kind: "pglite", dataDir: "memory://" });
await migrate(handle);
const boot = await bootstrapAdmin(handle.db, { email: "bench-admin@example.test", now: new Date() });
if (!boot) throw new Error("bench/auto-assign.ts needs an empty database");

// The same connection, through a drizzle that counts what it sends.
let statements = 0;
const logger = { logQuery: () => void statements++ };
const counted = (
  handle.kind === "pglite" ? drizzlePglite({ client: handle.driver as PGlite, schema, logger }) : drizzlePg({ client: handle.driver as pg.Pool, schema, logger })
) as unknown as Db;
const now = new Date();
const ctx: ServiceContext = { db: counted, actor: { personId: boot.personId, role: "admin", ledTeamIds: [], tokenId: "bench" }, requestId: "bench-auto-assign", now };

const month = DateTime.now().setZone(ZONE).plus({ months: 2 }).toFormat("yyyy-MM");
const monthStart = DateTime.fromFormat(month, "yyyy-MM", { zone: ZONE });
const previous = monthStart.minus({ months: 1 }).toFormat("yyyy-MM");
const db = handle.db;

const seedStart = performance.now();
await db.execute(sql`
  INSERT INTO people (name, email, time_zone, trained_at, working_days, working_start, working_end)
  SELECT 'Bench person ' || i, 'bench' || i || '@example.test', (${sql.param(ZONES)}::text[])[1 + i % ${ZONES.length}],
    CASE WHEN i % 50 = 0 THEN NULL ELSE now() - interval '30 days' END,
    CASE WHEN i % 10 = 0 THEN ARRAY['mon','wed','fri'] END, CASE WHEN i % 10 = 0 THEN '10:00' END, CASE WHEN i % 10 = 0 THEN '15:00' END
  FROM generate_series(1, ${PEOPLE}) AS i`);
const program = await createProgram(ctx, {
  name: "Bench chat duty",
  timeZone: ZONE,
  slotMinutes: 60,
  hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "07:00", end: "21:00" }] },
  seatsPerSlot: 20,
  trainingRequired: true,
});
const slots = await generateMonthSlots(ctx, program.id, month);
const [team] = await db.insert(schema.teams).values({ name: "Bench team", timeZone: ZONE }).returning();
const bench = sql`(SELECT id, substring(email from 'bench(\d+)@')::int AS i FROM people WHERE email LIKE 'bench%@example.test')`;
// A weekly Tuesday afternoon shift (13:00–17:00 New York) for every tenth person.
await db.execute(sql`
  INSERT INTO shifts (team_id, person_id, start_at, end_at)
  SELECT ${team!.id}::uuid, p.id, d + interval '13 hours', d + interval '17 hours'
  FROM ${bench} p,
    generate_series(${monthStart.toISODate()}::timestamp, ${monthStart.endOf("month").toISODate()}::timestamp, interval '1 day') AS day,
    LATERAL (SELECT day AT TIME ZONE ${ZONE} AS d) z
  WHERE p.i % 10 = 1 AND extract(isodow FROM day) = 2`);
await db.execute(sql`
  INSERT INTO time_off (person_id, start_at, end_at, status)
  SELECT p.id, ${monthStart.toUTC().toISO()}::timestamptz, ${monthStart.plus({ weeks: 2 }).toUTC().toISO()}::timestamptz, 'approved'
  FROM ${bench} p WHERE p.i % 20 = 2`);
await db.execute(sql`
  INSERT INTO duty_fairness_ledger (program_id, person_id, month, unpopular_count)
  SELECT ${program.id}::uuid, p.id, ${previous}, 1 FROM ${bench} p WHERE p.i % 7 = 0`);
// A twentieth booked on their own, one to a slot, spread over the month.
await db.execute(sql`
  INSERT INTO duty_bookings (slot_id, program_id, month, person_id, start_at, end_at)
  SELECT s.id, s.program_id, s.month, p.id, s.start_at, s.end_at
  FROM (SELECT id, row_number() OVER (ORDER BY i) AS n FROM ${bench} b WHERE i % 20 = 3) p
  JOIN (SELECT *, row_number() OVER (ORDER BY start_at) AS n FROM duty_slots WHERE program_id = ${program.id}::uuid AND month = ${month}) s ON s.n = p.n`);
const seedMs = performance.now() - seedStart;

const round = (n: number) => Math.round(n);
const measure = async (apply: boolean) => {
  statements = 0;
  const t0 = performance.now();
  const result = await autoAssignMonth(ctx, program.id, month, apply);
  const ms = performance.now() - t0;
  const reasons: Record<string, number> = {};
  for (const u of result.unplaced) reasons[u.reason] = (reasons[u.reason] ?? 0) + 1;
  return { ms: round(ms), statements, assigned: result.assignments.length, unplaced: result.unplaced.length, reasons };
};

const base = { database: handle.kind, people: PEOPLE, slots: slots.total, month };
console.log(JSON.stringify({ bench: "auto-assign/seed", ...base, ms: round(seedMs) }));
const dry = await measure(false);
console.log(JSON.stringify({ bench: "auto-assign/dry-run", ...base, ...dry }));
const applied = await measure(true);
console.log(JSON.stringify({ bench: "auto-assign/apply", ...base, ...applied, budgetMs: APPLY_BUDGET_MS }));
const written = (await db.execute(sql`SELECT count(*)::int AS n FROM duty_bookings WHERE program_id = ${program.id}::uuid AND auto_assigned`)) as unknown as { rows: { n: number }[] };
const bookingsWritten = written.rows[0]!.n;
if (bookingsWritten !== applied.assigned) throw new Error(`apply reported ${applied.assigned} assignments but wrote ${bookingsWritten} bookings`);
await handle.close();

// The planner alone: people in six zones with default hours (a fifth with busy time), 400 one-hour slots over 20 weekdays, one seat too few for everyone.
function plannerInput(people: number): { slots: AutoAssignSlot[]; people: AutoAssignPerson[] } {
  const first = DateTime.fromISO("2026-06-01T00:00", { zone: ZONE });
  const slotList: AutoAssignSlot[] = [];
  for (let d = 0; slotList.length < 400; d++) {
    const day = first.plus({ days: d });
    if (day.weekday > 5) continue;
    for (let h = 7; h < 27 && slotList.length < 400; h++) {
      const start = day.plus({ hours: h });
      slotList.push({ id: `s${slotList.length}`, start: start.toJSDate(), end: start.plus({ hours: 1 }).toJSDate(), freeSeats: Math.ceil(people / 400) });
    }
  }
  const list: AutoAssignPerson[] = Array.from({ length: people }, (_, i) => ({
    id: `p${String(i).padStart(6, "0")}`,
    zone: ZONES[i % ZONES.length]!,
    workingHours: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }],
    busy: i % 5 === 0 ? [{ start: first.plus({ days: i % 20, hours: 9 }).toJSDate(), end: first.plus({ days: i % 20, hours: 17 }).toJSDate() }] : [],
    unpopularCount: i % 7 === 0 ? 1 : 0,
  }));
  return { slots: slotList, people: list };
}
const planner: Record<number, number> = {};
for (const people of [PEOPLE, 4 * PEOPLE]) {
  const input = { ...plannerInput(people), zone: ZONE };
  autoAssign(input); // warm-up
  const times: number[] = [];
  let assigned = 0;
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    assigned = autoAssign(input).assignments.length;
    times.push(performance.now() - t0);
  }
  planner[people] = times.sort((a, b) => a - b)[2]!;
  console.log(JSON.stringify({ bench: `auto-assign/planner-${people}`, people, slots: input.slots.length, medianMs: round(planner[people]!), runs: times.length, assigned }));
}
const growth = Math.round((planner[4 * PEOPLE]! / planner[PEOPLE]!) * 10) / 10;
console.log(
  `auto-assign (${handle.kind}): ${PEOPLE} people, ${slots.total} slots; dry run ${dry.ms} ms in ${dry.statements} statements; ` +
    `apply ${applied.ms} ms in ${applied.statements} statements (${applied.assigned} booked, ${applied.unplaced} unplaced; budget ${APPLY_BUDGET_MS} ms); ` +
    `planner ×4 people → ×${growth} time`,
);
if (applied.ms >= APPLY_BUDGET_MS) {
  console.error(`auto-assign apply took ${applied.ms} ms (budget ${APPLY_BUDGET_MS} ms)`);
  process.exit(1);
}
