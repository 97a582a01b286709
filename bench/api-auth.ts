/**
 * The authenticated request path (token hash lookup + led teams in one
 * query) over real HTTP on loopback: GET /v1/me and a page of people.
 * Bounded: 5 s per endpoint, 10 connections, 127.0.0.1 only.
 * BENCH_DATABASE_URL=postgres://… measures on PostgreSQL instead of PGlite.
 */
import autocannon from "autocannon";
import { buildApp } from "../src/app.ts";
import { createDb } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { bootstrapAdmin } from "../src/services/bootstrap.ts";

const TOKEN = "rota_bench_admin_token_000000000000";
const url = process.env.BENCH_DATABASE_URL;
const handle = await createDb(url ? { kind: "postgres", url } : { kind: "pglite", dataDir: "memory://" });
await migrate(handle);
await bootstrapAdmin(handle.db, { token: TOKEN, email: "bench@example.test", now: new Date() });
const app = await buildApp({ config: { logLevel: "silent", bodyLimitBytes: 1 << 20, publicUrl: undefined }, db: handle.db });
for (let i = 0; i < 200; i++) {
  await app.inject({
    method: "POST",
    url: "/v1/people",
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: { name: `Person ${i}`, email: `p${i}@bench.test`, timeZone: "Europe/London" },
  });
}
const address = await app.listen({ host: "127.0.0.1", port: 0 });

// Targets on this 2-core machine; a regression past them fails `npm run bench`.
const targets: Record<string, { p99Ms: number }> = {
  "api.me": { p99Ms: 100 },
  "api.people.page50": { p99Ms: 200 },
};

let missed = false;
for (const [name, path] of [
  ["api.me", "/v1/me"],
  ["api.people.page50", "/v1/people?limit=50"],
] as const) {
  const result = await autocannon({ url: `${address}${path}`, connections: 10, duration: 5, headers: { authorization: `Bearer ${TOKEN}` } });
  const line = {
    bench: name,
    database: handle.kind,
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
  console.log(JSON.stringify(line));
  const target = targets[name]!;
  if (line.non2xx > 0 || line.errors > 0 || line.p99Ms > target.p99Ms) {
    console.error(`${name}: p99 ${line.p99Ms} ms (target ${target.p99Ms}), ${line.non2xx} non-2xx, ${line.errors} errors`);
    missed = true;
  }
}
await app.close();
await handle.close();
process.exit(missed ? 1 : 0);
