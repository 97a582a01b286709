/**
 * The authenticated request path (token hash lookup + led teams in one
 * query) over real HTTP on loopback: GET /v1/me and a page of people.
 * BENCH_DATABASE_URL=postgres://… measures on PostgreSQL instead of PGlite.
 */
import { measure, startBenchApp } from "./_harness.ts";

const { app, handle, headers } = await startBenchApp();
for (let i = 0; i < 200; i++) {
  await app.inject({ method: "POST", url: "/v1/people", headers, payload: { name: `Person ${i}`, email: `p${i}@bench.test`, timeZone: "Europe/London" } });
}
const address = await app.listen({ host: "127.0.0.1", port: 0 });
// Targets on this 2-core machine; a regression past them fails `npm run bench`.
const ok = await measure(address, handle, headers, [
  { name: "api.me", path: "/v1/me", p99Ms: 100 },
  { name: "api.people.page50", path: "/v1/people?limit=50", p99Ms: 200 },
]);
await app.close();
await handle.close();
process.exit(ok ? 0 : 1);
