import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createDb, type DbHandle } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";

declare module "vitest" {
  interface ProvidedContext {
    /** Name of the migrated template database made by postgres-global-setup.ts. */
    pgTemplate: string;
  }
}

export type TestDbKind = "pglite" | "postgres";

export function testDbKind(): TestDbKind {
  return process.env.ROTA_TEST_DB === "postgres" ? "postgres" : "pglite";
}

export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

// One migrated PGlite per worker (vitest runs files in a worker one after
// another, with isolate: false so this survives between files): starting
// PGlite costs seconds, truncating its tables milliseconds.
let workerPglite: Promise<DbHandle> | undefined;

async function truncateAll(handle: DbHandle): Promise<void> {
  const driver = handle.driver as { query: (sql: string) => Promise<{ rows: { tablename: string }[] }> };
  const { rows } = await driver.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  if (rows.length > 0) {
    await driver.query(`TRUNCATE ${rows.map((r) => `"public"."${r.tablename}"`).join(", ")} RESTART IDENTITY CASCADE`);
  }
}

/**
 * A database for one test file, empty and migrated: the worker's PGlite
 * reset, or a new PostgreSQL database cloned from the migrated template.
 * `close()` releases it (drops the PostgreSQL database).
 */
export async function createTestDatabase(): Promise<DbHandle & { url?: string }> {
  if (testDbKind() === "pglite") {
    workerPglite ??= (async () => {
      const handle = await createDb({ kind: "pglite", dataDir: "memory://" });
      await migrate(handle);
      return handle;
    })();
    const handle = await workerPglite;
    await truncateAll(handle);
    // Kept for the worker's next file; the process exit frees it.
    return { ...handle, close: async () => {} };
  }

  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error("ROTA_TEST_DB=postgres needs TEST_DATABASE_URL");
  const template = inject("pgTemplate");
  const name = `${template}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  const handle = await createDb({ kind: "postgres", url: databaseUrl(base, name), maxConnections: 20 });
  return {
    ...handle,
    url: databaseUrl(base, name),
    close: async () => {
      await handle.close();
      const dropper = new pg.Client({ connectionString: base });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
