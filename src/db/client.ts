import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { sql, type ExtractTablesWithRelations } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
/** The database or a transaction: repositories accept either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export type DbConfig =
  | { kind: "pglite"; dataDir: string }
  | { kind: "postgres"; url: string; maxConnections?: number; statementTimeoutMs?: number };

export interface DbHandle {
  db: Db;
  kind: DbConfig["kind"];
  /** The raw driver, for the rare thing drizzle does not do (tests, migrations, the job queue). */
  driver: PGlite | pg.Pool;
  close(): Promise<void>;
}

/** Embedded PGlite in a directory (`memory://` for none), or node-postgres for a URL. */
export async function createDb(config: DbConfig): Promise<DbHandle> {
  if (config.kind === "pglite") {
    if (!config.dataDir.includes("://")) mkdirSync(config.dataDir, { recursive: true });
    const client = await PGlite.create(config.dataDir, { extensions: { btree_gist } });
    const db = drizzlePglite({ client, schema }) as unknown as Db;
    return { db, kind: "pglite", driver: client, close: () => client.close() };
  }
  // statement_timeout (lock waits included) so no request waits on the database forever; 57014 answers 503.
  const statementTimeout = config.statementTimeoutMs ? { statement_timeout: config.statementTimeoutMs } : {};
  const pool = new pg.Pool({ connectionString: config.url, max: config.maxConnections ?? 10, ...statementTimeout });
  // An idle client erroring (server restart) must not crash the process.
  pool.on("error", () => {});
  // Nor one checked out for a transaction when its connection drops: the pool
  // stops listening while a client is out, and its query already rejects.
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  return { db, kind: "postgres", driver: pool, close: () => pool.end() };
}

export function dbConfigFrom(config: { databaseUrl: string | undefined; dataDir: string; statementTimeoutMs?: number }): DbConfig {
  return config.databaseUrl
    ? { kind: "postgres", url: config.databaseUrl, statementTimeoutMs: config.statementTimeoutMs }
    : { kind: "pglite", dataDir: config.dataDir };
}

/** One round trip to the database: throws when it does not answer. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`SELECT 1`);
}
