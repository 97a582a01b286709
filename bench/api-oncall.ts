/**
 * The on-call hot path over real HTTP on loopback: GET /v1/oncall for one
 * schedule (cache warm: one version query + one people query per request)
 * and for all 20 schedules of the company at once. Bounded: 5 s each,
 * 10 connections, 127.0.0.1 only. BENCH_DATABASE_URL=postgres://… for PostgreSQL.
 */
import { measure, startBenchApp } from "./_harness.ts";

const { app, handle, headers } = await startBenchApp();

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

const ok = await measure(address, handle, headers, [
  { name: "api.oncall.one", path: `/v1/oncall?schedule=${first}`, p99Ms: 100 },
  { name: "api.oncall.all20", path: "/v1/oncall", p99Ms: 250 },
]);
await app.close();
await handle.close();
process.exit(ok ? 0 : 1);
