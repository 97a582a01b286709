import pg from "pg";
import type { TestProject } from "vitest/node";
import { createDb } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import { databaseUrl } from "./db.ts";

/**
 * Migrates a template database once per run; each test file then gets
 * `CREATE DATABASE … TEMPLATE` (tens of milliseconds). Teardown drops the
 * template and any per-file database a crashed file left behind.
 */
export default async function setup(project: TestProject) {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error("TEST_DATABASE_URL is not set");
  const template = `rota_tpl_${process.pid}_${Date.now().toString(36)}`;

  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();

  const handle = await createDb({ kind: "postgres", url: databaseUrl(base, template), maxConnections: 2 });
  await migrate(handle);
  await handle.close();

  project.provide("pgTemplate", template);

  return async () => {
    const cleaner = new pg.Client({ connectionString: base });
    await cleaner.connect();
    try {
      const { rows } = await cleaner.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${template}%`]);
      for (const { datname } of rows) await cleaner.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await cleaner.end();
    }
  };
}
