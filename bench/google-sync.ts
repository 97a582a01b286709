/**
 * Google Calendar push sync (issue 14): how long after the API answers a
 * swap is it visible in Google Calendar, with 100 sync targets?
 *
 * A team of 100 people, each with a shift a week for four weeks and a
 * Google sync target of their own (coworkers named, so a change in the team
 * reaches every member's calendar). The fake Calendar v3 server runs in its
 * own process; Rota (API, outbox triggers, dispatcher, pg-boss worker and
 * Google's client) in this one. Each round trades two people's shifts
 * through the API (create, then accept, which completes it) and polls the fake until both
 * calendars show the swapped-in shifts. Target: p95 ≤ 2 s.
 *
 *   npx tsx bench/google-sync.ts        (BENCH_DATABASE_URL=postgres://… for PostgreSQL)
 */
import { spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { buildApp } from "../src/app.ts";
import { googleEventId } from "../src/calendar/google/events.ts";
import { loadConfig } from "../src/config.ts";
import { createDb } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { shifts } from "../src/db/schema/index.ts";
import { startJobs } from "../src/jobs/worker.ts";
import { bootstrapAdmin } from "../src/services/bootstrap.ts";

const P95_TARGET_MS = 2000;
const PEOPLE = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const TOKEN = "rota_bench_admin_token_000000000000";
const PUBLIC_URL = "http://rota.bench";
const EMAIL = "rota-bench@rota-bench.iam.gserviceaccount.com";
const DAY = 86_400_000;

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("_fake-google.ts", import.meta.url))], {
  env: { ...process.env, FAKE_GOOGLE_PUBLIC_KEY: publicKey.export({ type: "spki", format: "pem" }).toString(), FAKE_GOOGLE_EMAIL: EMAIL },
  stdio: ["ignore", "pipe", "inherit"],
});
const fake = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve))) as { url: string; tokenUrl: string; inspect: string };

const url = process.env.BENCH_DATABASE_URL;
const handle = await createDb(url ? { kind: "postgres", url } : { kind: "pglite", dataDir: "memory://" });
await migrate(handle);
await bootstrapAdmin(handle.db, { token: TOKEN, email: "bench@example.test", now: new Date() });
const secretKey = randomBytes(32).toString("base64");
const app = await buildApp({ config: { logLevel: "silent", bodyLimitBytes: 1 << 20, publicUrl: PUBLIC_URL, secretKey }, db: handle.db });
const config = { ...loadConfig({}), secretKey, publicUrl: PUBLIC_URL, googleApiUrl: fake.url, googleTokenUrl: fake.tokenUrl };
const errors: unknown[] = [];
const jobs = await startJobs(handle, config, { info: () => {}, error: (obj) => errors.push(obj) }, { pollingIntervalSeconds: 0.5 });

async function call(method: "POST" | "GET", path: string, payload?: unknown, token = TOKEN) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(payload ? { "content-type": "application/json" } : {}) };
  const res = await app.inject({ method, url: path, headers, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
  return res.json();
}

const team = await call("POST", "/v1/teams", { name: "Support", timeZone: "Europe/Berlin" });
const people: { id: string; token: string }[] = [];
for (let i = 0; i < PEOPLE; i++) {
  const person = await call("POST", "/v1/people", { name: `Agent ${i}`, email: `agent${i}@bench.test`, timeZone: "Europe/Berlin" });
  await call("POST", `/v1/teams/${team.id}/members`, { personId: person.id });
  people.push({ id: person.id, token: (await call("POST", "/v1/tokens", { name: "bench", personId: person.id })).token });
}
// Person i works on weekday i % 7 of the next four weeks, 08:00–16:00 UTC.
const today = Math.floor(Date.now() / DAY) * DAY + 2 * DAY;
const rows = people.flatMap((p, i) => Array.from({ length: 4 }, (_, week) => ({ teamId: team.id, personId: p.id, startAt: new Date(today + ((i % 7) + 7 * week) * DAY + 8 * 3_600_000), endAt: new Date(today + ((i % 7) + 7 * week) * DAY + 16 * 3_600_000) })));
await handle.db.insert(shifts).values(rows);
const key = { type: "service_account", client_email: EMAIL, private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
const targets: string[] = [];
let t0 = performance.now();
for (const [i, p] of people.entries()) {
  const t = await call("POST", "/v1/calendar-targets", { subject: { kind: "person", id: p.id }, calendarId: `agent${i}@bench.test`, credentials: { kind: "service_account", serviceAccountKey: key }, pastDays: 0, futureDays: 35 }, p.token);
  targets.push(t.id);
}

async function count(query: string): Promise<number> {
  const result = await handle.db.execute(sql.raw(query));
  const r = (result as unknown as { rows?: { n: string }[] }).rows ?? (result as unknown as { n: string }[]);
  return Number(r[0]!.n);
}
async function settled(timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while ((await count("SELECT count(*) AS n FROM calendar_republish")) > 0 || (await count(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'calendar-sync' AND state < 'completed'`)) > 0) {
    if (Date.now() > until) throw new Error("sync did not settle");
    await new Promise((r) => setTimeout(r, 50));
  }
}
const stats = async () => (await (await fetch(`${fake.inspect}/stats`)).json()) as { calls: number; writes: number };

await settled();
const initialMs = performance.now() - t0;
const ok = await count("SELECT count(*) AS n FROM calendar_targets WHERE status = 'ok'");
console.log(JSON.stringify({ bench: "google.initial", database: handle.kind, targets: targets.length, targetsOk: ok, events: rows.length, writes: (await stats()).writes, msFromFirstTargetToAllInSync: Math.round(initialMs) }));

const latencies: number[] = [];
let writesPerSwap = 0;
const shiftRows = await handle.db.select({ id: shifts.id, personId: shifts.personId, start: shifts.startAt }).from(shifts);
for (let round = 0; round < ROUNDS; round++) {
  // Two people on different weekdays, so neither is busy when the other's shift comes to them.
  const a = (round * 2) % PEOPLE;
  const b = (a + 1) % PEOPLE;
  const aShift = shiftRows.find((s) => s.personId === people[a]!.id && s.start.getTime() > Date.now() + DAY)!;
  const bShift = shiftRows.find((s) => s.personId === people[b]!.id && s.start.getTime() > Date.now() + DAY)!;
  const before = await stats();
  const swap = await call("POST", "/v1/swaps", { kind: "trade", counterpartId: people[b]!.id, offered: { kind: "shift", id: aShift.id }, requested: { kind: "shift", id: bShift.id } }, people[a]!.token);
  await call("POST", `/v1/swaps/${swap.id}/accept`, undefined, people[b]!.token);
  t0 = performance.now();
  const want = [
    [`agent${a}@bench.test`, googleEventId(targets[a]!, `shift-${bShift.id}@rota.bench`)],
    [`agent${b}@bench.test`, googleEventId(targets[b]!, `shift-${aShift.id}@rota.bench`)],
  ] as const;
  for (;;) {
    const seen = await Promise.all(want.map(async ([cal, id]) => ((await (await fetch(`${fake.inspect}/live?calendarId=${encodeURIComponent(cal)}&ids=${id}`)).json()) as { live: boolean[] }).live[0]));
    if (seen.every(Boolean)) break;
    if (performance.now() - t0 > 30_000) throw new Error(`round ${round}: the swap never reached Google`);
    await new Promise((r) => setTimeout(r, 10));
  }
  latencies.push(performance.now() - t0);
  await settled();
  writesPerSwap = Math.max(writesPerSwap, (await stats()).writes - before.writes);
  shiftRows.find((s) => s.id === aShift.id)!.personId = people[b]!.id;
  shiftRows.find((s) => s.id === bShift.id)!.personId = people[a]!.id;
}
latencies.sort((x, y) => x - y);
const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!);
const line = { bench: "google.swapVisible", database: handle.kind, targets: targets.length, rounds: ROUNDS, p50Ms: pct(50), p95Ms: pct(95), maxMs: pct(100), maxWritesPerSwap: writesPerSwap, target: `p95 ≤ ${P95_TARGET_MS} ms` };
console.log(JSON.stringify(line));

await jobs.stop({ timeoutMs: 2000 });
await app.close();
await handle.close();
child.kill("SIGTERM");
if (errors.length > 0) console.error("worker errors:", JSON.stringify(errors).slice(0, 2000));
const passed = line.p95Ms <= P95_TARGET_MS && errors.length === 0;
if (!passed) console.error(`google-sync: p95 ${line.p95Ms} ms (target ≤ ${P95_TARGET_MS})`);
process.exit(passed ? 0 : 1);
