import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "../src/db/client.ts";
import { migrationsFolder } from "../src/db/migrate.ts";
import { createDutyRepository } from "../src/db/repositories/duty.ts";
import { createScheduleRepository } from "../src/db/repositories/schedules.ts";
import { createSwapRepository } from "../src/db/repositories/swaps.ts";
import { createTestApp, type TestApp } from "./helpers/app.ts";
import { databaseUrl, testDbKind } from "./helpers/db.ts";

// A violation no service pre-checks still answers as a DomainError naming the field (src/db/errors.ts).
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("database constraints answer as named conflicts", () => {
  it("a second schedule called 'primary on call' (any case) → 409 schedule_name_taken naming name", async () => {
    const person = await t.person();
    const schedule = (name: string) =>
      t.admin.post("/v1/schedules", {
        name,
        timeZone: "Europe/London",
        layers: [{ participants: [person.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-01-05" }],
      });
    expect((await schedule("Primary on call")).status).toBe(201);
    const duplicate = await schedule("PRIMARY ON CALL");
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(duplicate.body.code).toBe("schedule_name_taken");
    expect(duplicate.body.errors[0].field).toBe("name");
    expect(duplicate.body.detail).not.toMatch(/_uq/);
  });
});

/**
 * Migration 0008 turned swaps' offered/requested columns into swap_legs and
 * the uuid arrays of layers, participant changes and duty programs into join
 * tables. A database with data in the old shape must come out with the same
 * data in the new one: migrate an empty database to 0007 (a copy of drizzle/
 * whose journal stops there), write rows the old way, then apply the real
 * folder, which runs only what is new.
 */
describe("migration 0008 moves existing rows into the child tables", () => {
  const ids = {
    ana: "00000000-0000-4000-8000-0000000000a1",
    ben: "00000000-0000-4000-8000-0000000000b2",
    cai: "00000000-0000-4000-8000-0000000000c3",
    nobody: "00000000-0000-4000-8000-00000000dead",
    team: "00000000-0000-4000-8000-0000000000f1",
    schedule: "00000000-0000-4000-8000-000000000051",
    layer: "00000000-0000-4000-8000-000000000052",
    change: "00000000-0000-4000-8000-000000000053",
    program: "00000000-0000-4000-8000-000000000054",
    trade: "00000000-0000-4000-8000-000000000055",
    open: "00000000-0000-4000-8000-000000000056",
    shiftA: "00000000-0000-4000-8000-000000000057",
    shiftB: "00000000-0000-4000-8000-000000000058",
  };
  let handle: DbHandle;
  let dropDatabase: () => Promise<void> = async () => {};
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "rota-migrations-"));
    cpSync(migrationsFolder, folder, { recursive: true });
    const journalPath = join(folder, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
    const last = journal.entries.findIndex((e) => e.tag.startsWith("0007_"));
    expect(last).toBeGreaterThan(0);
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, last + 1) }));
    if (testDbKind() === "postgres") {
      const base = process.env.TEST_DATABASE_URL!;
      const name = `rota_migration_${randomBytes(4).toString("hex")}`;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`).finally(() => admin.end());
      handle = await createDb({ kind: "postgres", url: databaseUrl(base, name) });
      dropDatabase = async () => {
        const dropper = new pg.Client({ connectionString: base });
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => dropper.end());
      };
    } else {
      handle = await createDb({ kind: "pglite", dataDir: "memory://" });
    }
  });
  afterAll(async () => {
    await handle?.close();
    await dropDatabase();
    rmSync(folder, { recursive: true, force: true });
  });

  async function migrateFrom(migrationsFolder: string) {
    if (handle.kind === "pglite") await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder });
    else await migratePg(handle.db as unknown as NodePgDatabase, { migrationsFolder });
  }
  const query = (text: string) => (handle.driver as { query: (text: string) => Promise<{ rows: Record<string, unknown>[] }> }).query(text);

  it("keeps participant order and duplicates, both legs of a trade, and drops ids that name nobody", async () => {
    await migrateFrom(folder);
    await query(`INSERT INTO people (id, name, email, time_zone) VALUES
      ('${ids.ana}', 'Ana', 'ana@example.com', 'UTC'), ('${ids.ben}', 'Ben', 'ben@example.com', 'UTC'), ('${ids.cai}', 'Cai', 'cai@example.com', 'UTC')`);
    await query(`INSERT INTO teams (id, name, time_zone) VALUES ('${ids.team}', 'Support', 'UTC')`);
    await query(`INSERT INTO schedules (id, name, time_zone) VALUES ('${ids.schedule}', 'Primary', 'UTC')`);
    await query(`INSERT INTO schedule_layers (id, schedule_id, position, name, participant_ids, turn_unit, turn_count, handoff_time, start_date)
      VALUES ('${ids.layer}', '${ids.schedule}', 0, 'Layer 1', '{${ids.cai},${ids.ana},${ids.cai}}', 'weeks', 1, '09:00', '2026-01-05')`);
    await query(`INSERT INTO schedule_layer_changes (id, layer_id, effective_from, participant_ids) VALUES ('${ids.change}', '${ids.layer}', '2026-03-02', '{${ids.ben},${ids.ana}}')`);
    await query(`INSERT INTO duty_programs (id, name, time_zone, eligibility, eligible_team_ids, eligible_person_ids, excluded_person_ids)
      VALUES ('${ids.program}', 'Support chat', 'UTC', 'people', '{${ids.team},${ids.nobody}}', '{${ids.ben},${ids.nobody},${ids.ana}}', '{${ids.cai}}')`);
    await query(`INSERT INTO swaps (id, kind, requester_id, counterpart_id, offered_kind, offered_id, offered_start, offered_end,
        requested_kind, requested_id, requested_start, requested_end, requires_approval, expires_at, created_by) VALUES
      ('${ids.trade}', 'trade', '${ids.ana}', '${ids.ben}', 'shift', '${ids.shiftA}', '2026-02-01T09:00Z', '2026-02-01T17:00Z',
        'shift', '${ids.shiftB}', '2026-02-02T09:00Z', '2026-02-02T17:00Z', false, '2026-02-01T09:00Z', '${ids.ana}'),
      ('${ids.open}', 'open', '${ids.ben}', NULL, 'oncall', '${ids.schedule}', '2026-02-03T09:00Z', '2026-02-04T09:00Z',
        NULL, NULL, NULL, NULL, false, '2026-02-03T09:00Z', '${ids.ben}')`);

    await migrateFrom(migrationsFolder);

    const [layer] = await createScheduleRepository(handle.db).layers(ids.schedule);
    expect(layer!.layer.participantIds).toEqual([ids.cai, ids.ana, ids.cai]);
    expect(layer!.changes).toEqual([{ effectiveFrom: "2026-03-02", participantIds: [ids.ben, ids.ana] }]);
    const program = await createDutyRepository(handle.db).findProgram(ids.program);
    expect(program).toMatchObject({ eligibleTeamIds: [ids.team], eligiblePersonIds: [ids.ben, ids.ana], excludedPersonIds: [ids.cai] });
    const swaps = createSwapRepository(handle.db);
    expect(await swaps.findById(ids.trade)).toMatchObject({
      offeredKind: "shift",
      offeredId: ids.shiftA,
      offeredStart: new Date("2026-02-01T09:00Z"),
      offeredEnd: new Date("2026-02-01T17:00Z"),
      requestedKind: "shift",
      requestedId: ids.shiftB,
      requestedStart: new Date("2026-02-02T09:00Z"),
      requestedEnd: new Date("2026-02-02T17:00Z"),
    });
    expect(await swaps.findById(ids.open)).toMatchObject({ offeredKind: "oncall", offeredId: ids.schedule, requestedKind: null, requestedId: null, requestedStart: null });
    const { rows } = await query(`SELECT count(*)::int AS n FROM swap_legs`);
    expect(rows[0]!.n).toBe(3);
    const { rows: columns } = await query(
      `SELECT table_name, column_name FROM information_schema.columns WHERE column_name IN ('participant_ids', 'offered_kind', 'requested_id', 'eligible_team_ids', 'excluded_person_ids')`,
    );
    expect(columns).toEqual([]);
  });
});
