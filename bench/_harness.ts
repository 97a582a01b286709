import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.ts";
import { createDb, type DbHandle } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { bootstrapAdmin } from "../src/services/bootstrap.ts";

const TOKEN = "rota_bench_admin_token_000000000000";

/** A migrated database (PGlite, or BENCH_DATABASE_URL) and the app over it, with an admin token. */
export async function startBenchApp(): Promise<{ app: FastifyInstance; handle: DbHandle; headers: { authorization: string } }> {
  const url = process.env.BENCH_DATABASE_URL;
  const handle = await createDb(url ? { kind: "postgres", url } : { kind: "pglite", dataDir: "memory://" });
  await migrate(handle);
  await bootstrapAdmin(handle.db, { token: TOKEN, email: "bench@example.test", now: new Date() });
  const app = await buildApp({ config: { logLevel: "silent", bodyLimitBytes: 1 << 20, publicUrl: undefined }, db: handle.db });
  return { app, handle, headers: { authorization: `Bearer ${TOKEN}` } };
}

/** Runs autocannon scenarios (bounded: 5 s each, 10 connections, loopback), prints a JSON line each, and says whether all met their p99 target. */
export async function measure(address: string, handle: DbHandle, headers: Record<string, string>, scenarios: { name: string; path: string; p99Ms: number }[]): Promise<boolean> {
  const { default: autocannon } = await import("autocannon");
  let ok = true;
  for (const s of scenarios) {
    const result = await autocannon({ url: `${address}${s.path}`, connections: 10, duration: 5, headers });
    const line = { bench: s.name, database: handle.kind, requestsPerSec: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
    console.log(JSON.stringify(line));
    if (line.non2xx > 0 || line.errors > 0 || line.p99Ms > s.p99Ms) {
      console.error(`${s.name}: p99 ${line.p99Ms} ms (target ${s.p99Ms}), ${line.non2xx} non-2xx, ${line.errors} errors`);
      ok = false;
    }
  }
  return ok;
}
