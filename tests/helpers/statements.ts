import type { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import type pg from "pg";
import type { Db, DbHandle } from "../../src/db/client.ts";
import * as schema from "../../src/db/schema/index.ts";

/**
 * The test database through a drizzle that counts the statements it sends
 * (same connection or pool as `handle.db`), for tests that a use case costs
 * a constant number of queries however many rows it handles: an N+1 shows
 * as a count that grows with N.
 */
export function countingDb(handle: DbHandle): { db: Db; statements(): number; reset(): void } {
  let statements = 0;
  const logger = { logQuery: () => void statements++ };
  const db = (
    handle.kind === "pglite" ? drizzlePglite({ client: handle.driver as PGlite, schema, logger }) : drizzlePg({ client: handle.driver as pg.Pool, schema, logger })
  ) as unknown as Db;
  return { db, statements: () => statements, reset: () => void (statements = 0) };
}
