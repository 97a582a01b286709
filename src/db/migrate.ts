import { fileURLToPath } from "node:url";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type pg from "pg";
import type { DbHandle } from "./client.ts";

/**
 * The drizzle/ folder at the package root: two levels up both from src/db/migrate.ts (tsx, tests) and from
 * its build output dist/db/migrate.js (tsconfig.build.json keeps rootDir src, so dist/ mirrors src/).
 */
export const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

/** Arbitrary, fixed: serialises migrations when several instances start at once. */
const MIGRATION_LOCK_KEY = 7_202_611;

/** Applies drizzle/ migrations. On PostgreSQL an advisory lock keeps two starting instances from racing. */
export async function migrate(handle: DbHandle): Promise<void> {
  if (handle.kind === "pglite") {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  const lockClient = await (handle.driver as pg.Pool).connect();
  try {
    // Waiting for another instance's migrations, or a long one, may outlast the pool's statement_timeout:
    // this one session runs them without it.
    await lockClient.query("SET statement_timeout = 0");
    await lockClient.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migratePg(drizzlePg({ client: lockClient }) as unknown as NodePgDatabase, { migrationsFolder });
  } finally {
    await lockClient.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await lockClient.query("RESET statement_timeout").catch(() => {});
    lockClient.release();
  }
}
