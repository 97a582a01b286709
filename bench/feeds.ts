/**
 * iCal feeds (issue 13): a year of a 50-person team's shifts (18,250 events).
 *
 * - build: GET of the feed after a change (version re-read, events loaded,
 *   revisions compared, text rendered), against ical-generator alone
 *   serialising the same events (renderCalendarWithIcalGenerator: its own
 *   folding included, which ours replaces). Target: ≤ 1.5×.
 * - warm 304: GET with If-None-Match over HTTP on loopback, against a bare
 *   Fastify route in the same process. The load generator (autocannon) runs
 *   in its own process. Target: ≥ 50% of the bare route's requests/s.
 *
 *   npx tsx bench/feeds.ts        (BENCH_DATABASE_URL=postgres://… for PostgreSQL)
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import Fastify from "fastify";
import { renderCalendarWithIcalGenerator, type FeedEvent } from "../src/calendar/ical.ts";
import { shifts } from "../src/db/schema/index.ts";
import { FEED_RECHECK_MS } from "../src/services/feeds.ts";
import { readWithIcalJs } from "../tests/helpers/ical.ts";
import { startBenchApp } from "./_harness.ts";

const BUILD_RATIO_MAX = 1.5;
const WARM_RATIO_MIN = 0.5;
const run = promisify(execFile);
const autocannonBin = createRequire(import.meta.url).resolve("autocannon/autocannon.js");

const { app, handle, headers } = await startBenchApp();
const json = { ...headers, "content-type": "application/json" };
const post = async (url: string, payload: unknown) => {
  const res = await app.inject({ method: "POST", url, headers: json, payload: JSON.stringify(payload) });
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json();
};

const team = await post("/v1/teams", { name: "Live chat", timeZone: "Europe/London" });
const people: string[] = [];
for (let i = 0; i < 50; i++) {
  const person = await post("/v1/people", { name: `Agent ${i}, "support"`, email: `agent${i}@bench.test`, timeZone: "Europe/London" });
  await post(`/v1/teams/${team.id}/members`, { personId: person.id });
  people.push(person.id);
}
const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const rows = people.flatMap((personId, p) =>
  Array.from({ length: 365 }, (_, d) => {
    const start = new Date(today + d * DAY + (8 + (p % 8)) * 3_600_000);
    return { teamId: team.id, personId, startAt: start, endAt: new Date(start.getTime() + 8 * 3_600_000), label: p % 3 === 0 ? "email" : null };
  }),
);
for (let i = 0; i < rows.length; i += 1000) await handle.db.insert(shifts).values(rows.slice(i, i + 1000));
const feed = await post("/v1/feeds", { subject: { kind: "team", id: team.id }, pastDays: 0, futureDays: 366 });
const path = new URL(feed.url).pathname;

async function get(extra: Record<string, string> = {}) {
  const res = await app.inject({ method: "GET", url: path, headers: extra });
  if (res.statusCode !== 200 && res.statusCode !== 304) throw new Error(`feed: ${res.statusCode} ${res.body}`);
  return res;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let t0 = performance.now();
const cold = await get();
const coldMs = performance.now() - t0;
const events = (cold.body.match(/BEGIN:VEVENT/g) ?? []).length;

// Rebuilds after a change: one shift moves, the version changes, the whole feed is rebuilt.
const buildMs: number[] = [];
let [probe] = await handle.db.select().from(shifts).limit(1);
for (let i = 0; i < 5; i++) {
  await new Promise((r) => setTimeout(r, FEED_RECHECK_MS + 10));
  await app.inject({ method: "PATCH", url: `/v1/shifts/${probe!.id}`, headers: { ...json, "if-match": `"v${probe!.version}"` }, payload: JSON.stringify({ label: `moved-${i}` }) });
  [probe] = await handle.db.select().from(shifts).limit(1);
  t0 = performance.now();
  await get();
  buildMs.push(performance.now() - t0);
}

// ical-generator alone writing the same events (read back from the feed, outside the timing): no database, no revisions.
const parsed = readWithIcalJs((await get()).body);
const same: FeedEvent[] = parsed.events.map((e) => ({ uid: e.uid, start: new Date(e.start), end: new Date(e.end), summary: e.summary, description: e.description, sequence: e.sequence, lastModified: new Date(e.lastModified), busy: !e.transparent }));
const icalMs: number[] = [];
for (let i = 0; i < 3; i++) {
  t0 = performance.now();
  renderCalendarWithIcalGenerator({ name: parsed.name, timeZone: parsed.timeZone, events: same });
  icalMs.push(performance.now() - t0);
}
const buildRatio = median(buildMs) / median(icalMs);
console.log(JSON.stringify({ bench: "feeds.build", database: handle.kind, events, coldMs: Math.round(coldMs), rebuildMs: Math.round(median(buildMs)), icalGeneratorMs: Math.round(median(icalMs)), ratio: Number(buildRatio.toFixed(2)), target: `≤ ${BUILD_RATIO_MAX}` }));

// Warm 304s over HTTP, load from another process.
const etag = String((await get()).headers.etag);
const address = await app.listen({ host: "127.0.0.1", port: 0 });
const bare = Fastify();
bare.get("/", async () => "ok");
const bareAddress = await bare.listen({ host: "127.0.0.1", port: 0 });

async function load(url: string, extra: string[] = []): Promise<{ rps: number; non2xx: number; p99: number }> {
  const { stdout } = await run(process.execPath, [autocannonBin, "-c", "50", "-d", "5", "-j", ...extra, url], { maxBuffer: 16 << 20 });
  const r = JSON.parse(stdout);
  if (r.errors > 0 || r.timeouts > 0) throw new Error(`${url}: ${r.errors} errors, ${r.timeouts} timeouts`);
  return { rps: Math.round(r.requests.average), non2xx: r.non2xx, p99: r.latency.p99 };
}
// Two rounds each, interleaved, best of each: two cores are shared with the load generator.
const bareRounds = [];
const warmRounds = [];
for (let round = 0; round < 2; round++) {
  bareRounds.push(await load(`${bareAddress}/`));
  warmRounds.push(await load(`${address}${path}`, ["-H", `if-none-match=${etag}`]));
}
const best = (rounds: { rps: number; non2xx: number; p99: number }[]) => rounds.reduce((a, b) => (b.rps > a.rps ? b : a));
const bareResult = best(bareRounds);
const warm = best(warmRounds);
const warmRatio = warm.rps / bareResult.rps;
// Every answer was a 304 (autocannon counts them as non-2xx).
if (warmRounds.some((r) => r.non2xx === 0)) throw new Error("the warm feed requests were not all 304s");
// 304 counts as non-2xx for autocannon: every answer must be one (no 200, no error).
console.log(JSON.stringify({ bench: "feeds.warm304", database: handle.kind, requestsPerSec: warm.rps, bareRequestsPerSec: bareResult.rps, ratio: Number(warmRatio.toFixed(2)), p99Ms: warm.p99, target: `≥ ${WARM_RATIO_MIN}` }));

await bare.close();
await app.close();
await handle.close();
const ok = buildRatio <= BUILD_RATIO_MAX && warmRatio >= WARM_RATIO_MIN;
if (!ok) console.error(`feeds: build ratio ${buildRatio.toFixed(2)} (≤ ${BUILD_RATIO_MAX}), warm 304 ratio ${warmRatio.toFixed(2)} (≥ ${WARM_RATIO_MIN})`);
process.exit(ok ? 0 : 1);
