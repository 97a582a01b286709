/**
 * The on-call hot path over real HTTP on loopback: GET /v1/oncall for one
 * schedule (cache warm: one version query + one people query per request)
 * and for all 20 schedules of the company at once. Bounded: 5 s each,
 * 10 connections, 127.0.0.1 only. BENCH_DATABASE_URL=postgres://… for PostgreSQL.
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
const headers = { authorization: `Bearer ${TOKEN}` };

// 20 schedules, each a 10-person daily rotation plus a weekday business-hours layer and 10 overrides.
const ids: string[] = [];
for (let i = 0; i < 40; i++) {
  const res = await app.inject({ method: "POST", url: "/v1/people", headers, payload: { name: `Engineer ${i}`, email: `e${i}@bench.test`, timeZone: "Europe/London" } });
  ids.push(res.json().id);
}
let first = "";
for (let s = 0; s < 20; s++) {
  const people = ids.slice(s % 30, (s % 30) + 10);
  const res = await app.inject({
    method: "POST",
    url: "/v1/schedules",
    headers,
    payload: {
      name: `Schedule ${s}`,
      timeZone: "America/Los_Angeles",
      layers: [
        { participants: people.slice(0, 3), turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-01-05", restrictions: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] },
        { participants: people, turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-01-05" },
      ],
    },
  });
  const id = res.json().id as string;
  first ||= id;
  for (let o = 0; o < 10; o++) {
    const start = new Date(Date.now() + (o - 5) * 86_400_000);
    await app.inject({ method: "POST", url: `/v1/schedules/${id}/overrides`, headers, payload: { personId: people[o], start: start.toISOString(), end: new Date(start.getTime() + 4 * 3600_000).toISOString() } });
  }
}
const address = await app.listen({ host: "127.0.0.1", port: 0 });

const targets: Record<string, { p99Ms: number }> = { "api.oncall.one": { p99Ms: 100 }, "api.oncall.all20": { p99Ms: 250 } };
let missed = false;
for (const [name, path] of [
  ["api.oncall.one", `/v1/oncall?schedule=${first}`],
  ["api.oncall.all20", "/v1/oncall"],
] as const) {
  const result = await autocannon({ url: `${address}${path}`, connections: 10, duration: 5, headers });
  const line = { bench: name, database: handle.kind, requestsPerSec: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
  console.log(JSON.stringify(line));
  if (line.non2xx > 0 || line.errors > 0 || line.p99Ms > targets[name]!.p99Ms) {
    console.error(`${name}: p99 ${line.p99Ms} ms (target ${targets[name]!.p99Ms}), ${line.non2xx} non-2xx, ${line.errors} errors`);
    missed = true;
  }
}
await app.close();
await handle.close();
process.exit(missed ? 1 : 0);
