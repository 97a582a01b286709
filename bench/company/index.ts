/**
 * The company bench (issue 17): seeds a realistic company (seed.ts) into a
 * fresh database, starts the server as its own process over it, and measures
 * scenarios (a)–(j) over HTTP on loopback. Load comes from wrk in a child
 * process; single operations are timed from this process; the server's memory
 * is read from /proc. Each scenario reports figures, its target and whether it
 * was met; one that throws is reported as an error and the others still run.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import nodeIcal from "node-ical";
import { renderCalendarWithIcalGenerator, type FeedEvent } from "../../src/calendar/ical.ts";
import { createDb, type DbHandle } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import { monthBounds } from "../../src/domain/duty.ts";
import { instantToLocal } from "../../src/domain/wallclock.ts";
import { FEED_RECHECK_MS } from "../../src/services/feeds.ts";
import { freePort, freshDatabase, memoryOf, ROOT, startCeiling, startFakeGoogle, startServer, wrk, type LoadResult, type RunningServer } from "./processes.ts";
import { ADMIN_TOKEN, FULL, QUICK, personToken, seedCompany } from "./seed.ts";

export type DatabaseChoice = { kind: "pglite" } | { kind: "postgres"; serverUrl: string };

export interface CompanyBenchOptions {
  quick: boolean;
  database: DatabaseChoice;
  /** How the server runs: the build (`npm start`) or the sources through tsx. */
  entry: "dist" | "tsx";
  /** Scenario ids or keys to run (empty: all); (a) always runs, the others compare with it. */
  only: string[];
  log(line: string): void;
}

export interface ScenarioResult {
  id: string;
  key: string;
  title: string;
  status: "ok" | "error" | "skipped";
  /** One line of the main figures, for the table. */
  summary: string;
  figures: Record<string, unknown>;
  target: string;
  /** true/false against the target; null where it has none or it does not apply to this database. */
  met: boolean | null;
  /** False when a correctness check failed (double bookings, failed requests, writes on a no-op). */
  sound: boolean;
  /** The figure against its ceiling or budget, in words ("0.42 of (a)"). */
  ratio: string;
  /** The server's largest resident memory while the scenario ran. */
  rssMb: number | null;
  meaning: string;
  error?: string;
}

export interface CompanyBenchResult {
  mode: "full" | "quick";
  database: { kind: "pglite" | "postgres"; version: string };
  server: { entry: string; node: string };
  seed: Record<string, unknown>;
  scenarios: ScenarioResult[];
  serverLog: string;
}

const DAY = 86_400_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : String(round(n, n >= 10 ? 1 : 2)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Largest server RSS per scenario, sampled every 100 ms. */
class MemoryWatch {
  readonly #max = new Map<string, number>();
  #label = "";
  #timer: NodeJS.Timeout | undefined;
  pid = 0;
  watch(pid: number) {
    this.pid = pid;
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.sample(), 100);
  }
  sample() {
    const m = this.pid ? memoryOf(this.pid) : undefined;
    if (m && Number.isFinite(m.rssMb) && this.#label) this.#max.set(this.#label, Math.max(this.#max.get(this.#label) ?? 0, m.rssMb));
  }
  label(name: string) {
    this.sample();
    this.#label = name;
    this.sample();
  }
  max(name: string): number | null {
    return this.#max.get(name) ?? null;
  }
  stop() {
    clearInterval(this.#timer);
  }
}

interface Reply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
  ms: number;
}

export async function runCompanyBench(o: CompanyBenchOptions): Promise<CompanyBenchResult> {
  const size = o.quick ? QUICK : FULL;
  const loadSeconds = o.quick ? 2 : 10;
  const rounds = o.quick ? 1 : 2;
  const tmp = mkdtempSync(join(tmpdir(), "rota-bench-"));
  const log = o.log;
  const cleanups: (() => Promise<unknown>)[] = [];
  const scenarios: ScenarioResult[] = [];
  const memory = new MemoryWatch();
  let server: RunningServer | undefined;
  let handle: DbHandle | undefined;
  let serverLog = "";

  // --- the database -------------------------------------------------------------------------------
  let databaseUrl: string | undefined;
  const dataDir = join(tmp, "pglite");
  if (o.database.kind === "postgres") {
    const fresh = await freshDatabase(o.database.serverUrl);
    cleanups.push(fresh.drop);
    databaseUrl = fresh.url;
    log(`database: PostgreSQL, fresh database ${fresh.name} (dropped at the end)`);
  } else {
    log(`database: PGlite in ${dataDir} (removed at the end)`);
  }
  const openDb = () => createDb(databaseUrl ? { kind: "postgres", url: databaseUrl } : { kind: "pglite", dataDir });

  try {
    handle = await openDb();
    let t0 = performance.now();
    await migrate(handle);
    const migrateSeconds = round((performance.now() - t0) / 1000);
    const versionRows = (await handle.db.execute(sql.raw("SELECT current_setting('server_version') AS v"))) as unknown as { rows: { v: string }[] };
    const dbVersion = `${o.database.kind === "pglite" ? `PGlite ${pgliteVersion()} (PostgreSQL ${versionRows.rows[0]?.v})` : `PostgreSQL ${versionRows.rows[0]?.v}`}`;
    log(`migrated in ${migrateSeconds} s; seeding ${JSON.stringify(size)}`);
    const company = await seedCompany(handle, size, new Date());
    await handle.close();
    handle = undefined;
    log(`seeded in ${company.seconds} s: ${JSON.stringify(company.counts)}`);

    // --- processes ----------------------------------------------------------------------------------
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const googleEmail = "rota-bench@rota-bench.iam.gserviceaccount.com";
    const fake = await startFakeGoogle(publicKey.export({ type: "spki", format: "pem" }).toString(), googleEmail);
    cleanups.push(() => fake.stop());
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const serverEnv = {
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: databaseUrl ?? "",
      ROTA_DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      ROTA_PUBLIC_URL: base,
      ROTA_SECRET_KEY: randomBytes(32).toString("base64"),
      ROTA_GOOGLE_API_URL: fake.info.url,
      ROTA_GOOGLE_TOKEN_URL: fake.info.tokenUrl,
      // Every request comes from one address and a few tokens: the per-IP and per-token limits would measure themselves.
      ROTA_RATE_LIMIT_WRITES_PER_MINUTE: "0",
      ROTA_RATE_LIMIT_PUBLIC_PER_MINUTE: "0",
      // A slow operation (auto-assign on PGlite) is measured, not cut off by the idle-socket timeout (default 60 s).
      ROTA_CONNECTION_TIMEOUT_MS: "600000",
      ROTA_BOOTSTRAP_TOKEN: "",
    };
    const boot = async () => {
      const s = await startServer({ entry: o.entry, port, env: serverEnv });
      memory.watch(s.pid);
      return s;
    };
    server = await boot();
    const firstBootMs = server.bootMs;
    log(`server up in ${Math.round(firstBootMs)} ms (pid ${server.pid}, ${o.entry === "dist" ? "node dist/server.js" : "node --import tsx src/server.ts"})`);
    await sleep(o.quick ? 1000 : 2000);
    const idleFirst = memoryOf(server.pid);

    const call = async (method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> => {
      const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`, ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers };
      const started = performance.now();
      const res = await fetch(`${base}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
      const text = await res.text();
      const ms = performance.now() - started;
      let body: unknown;
      try {
        body = text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: res.status, body, text, headers: res.headers, ms };
    };
    const must = async (expected: number, method: string, path: string, options: Parameters<typeof call>[2] = {}) => {
      const reply = await call(method, path, options);
      if (reply.status !== expected) throw new Error(`${method} ${path}: ${reply.status} (expected ${expected}) ${reply.text.slice(0, 500)}`);
      return reply;
    };
    const wanted = (id: string, key: string) => id === "a" || o.only.length === 0 || o.only.some((w) => w === id || (w.length > 1 && key.includes(w)));
    const run = async (id: string, key: string, title: string, meaning: string, target: string, body: () => Promise<Omit<ScenarioResult, "id" | "key" | "title" | "status" | "rssMb" | "meaning" | "target">>) => {
      const base: Pick<ScenarioResult, "id" | "key" | "title" | "meaning" | "target"> = { id, key, title, meaning, target };
      if (!wanted(id, key)) {
        scenarios.push({ ...base, status: "skipped", summary: "", figures: {}, met: null, sound: true, ratio: "", rssMb: null });
        return;
      }
      log(`\n(${id}) ${title}`);
      memory.label(key);
      try {
        const result = await body();
        memory.sample();
        const entry = { ...base, status: "ok" as const, ...result, rssMb: memory.max(key) };
        scenarios.push(entry);
        log(`    ${entry.summary}${entry.ratio ? `; ${entry.ratio}` : ""}; target ${target}: ${entry.met === null ? "n/a" : entry.met ? "met" : "MISSED"}${entry.sound ? "" : "; CHECK FAILED"}; server RSS ≤ ${entry.rssMb} MB`);
      } catch (err) {
        // fetch's own message ("fetch failed") hides the reason in `cause`.
        const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
        const message = err instanceof Error ? `${err.message}${cause}` : String(err);
        scenarios.push({ ...base, status: "error", summary: "did not run", figures: {}, met: null, sound: false, ratio: "", rssMb: memory.max(key), error: message });
        log(`    ERROR: ${message}`);
      } finally {
        memory.label("between");
      }
    };
    const onPostgres = o.database.kind === "postgres";
    const loadLine = (r: LoadResult) => `${fmt(r.requestsPerSec)} req/s, p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms`;
    const reader = personToken(1);
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });

    // The first answer over every schedule, nothing computed yet.
    const coldAll = { afterFirstStartMs: round((await must(200, "GET", "/v1/oncall", { token: reader })).ms), afterRestartMs: NaN };

    // --- (a) and (b): the ceiling and the on-call answer for one schedule, interleaved -----------------
    const onePath = `/v1/oncall?schedule=${company.scheduleId(0)}`;
    const sample = await must(200, "GET", onePath, { token: reader });
    const ceiling = await startCeiling(sample.body, tmp);
    cleanups.push(() => ceiling.stop());
    const ceilingRounds: LoadResult[] = [];
    const oneRounds: LoadResult[] = [];
    const best = (rs: LoadResult[]) => rs.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
    let ceilingBest: LoadResult | undefined;
    await run(
      "a",
      "ceiling",
      "Ceiling: a bare Fastify route answering the same JSON body",
      "The most this machine serves with Node and Fastify and nothing else; every throughput below is read against it.",
      "— (reference)",
      async () => {
        for (let r = 0; r < rounds; r++) {
          ceilingRounds.push(await wrk(ceiling.info.url, { seconds: loadSeconds, tmp }));
          if (wanted("b", "oncall-one")) {
            memory.label("oncall-one");
            oneRounds.push(await wrk(`${base}${onePath}`, { seconds: loadSeconds, headers: auth(reader), tmp }));
            memory.label("ceiling");
          }
        }
        ceilingBest = best(ceilingRounds);
        const ceilingMemory = memoryOf(ceiling.pid);
        return { summary: loadLine(ceilingBest), figures: { ...ceilingBest, rounds: ceilingRounds, bodyBytes: sample.text.length, ceilingProcessRssMb: ceilingMemory?.rssMb }, met: null, sound: ceilingBest.errorStatuses === 0, ratio: "1.00 of (a)" };
      },
    );
    // The ceiling's memory is its own process's, not the server's.
    const ceilingEntry = scenarios.find((s) => s.id === "a");
    if (ceilingEntry) ceilingEntry.rssMb = (ceilingEntry.figures.ceilingProcessRssMb as number | undefined) ?? null;
    const ratioOf = (rps: number) => (ceilingBest ? rps / ceilingBest.requestsPerSec : NaN);

    await run(
      "b",
      "oncall-one",
      "GET /v1/oncall?schedule= (one schedule, cache warm), 50 connections",
      "What a pager integration or Slack bot asking “who is on call for X?” gets: answers per second and how long the slowest 1% wait.",
      "≥ 50% of (a) and p99 < 10 ms, on PostgreSQL",
      async () => {
        const r = best(oneRounds);
        const ratio = ratioOf(r.requestsPerSec);
        return {
          summary: loadLine(r),
          figures: { ...r, rounds: oneRounds, ratioToCeiling: round(ratio, 2) },
          met: onPostgres ? ratio >= 0.5 && r.p99Ms < 10 : null,
          sound: oneRounds.every((x) => x.errorStatuses === 0),
          ratio: `${ratio.toFixed(2)} of (a)`,
        };
      },
    );

    // --- (c) every schedule -------------------------------------------------------------------------
    await run(
      "c",
      "oncall-all",
      `GET /v1/oncall over all ${size.schedules} schedules: warm, and right after a change`,
      "A status page or dashboard showing every rotation at once; “after a change” is the first answer once someone adds an override.",
      "— (reported)",
      async () => {
        const all = await must(200, "GET", "/v1/oncall", { token: reader });
        if (all.body.items.length !== size.schedules) throw new Error(`expected ${size.schedules} schedules, got ${all.body.items.length}`);
        const warm = await wrk(`${base}/v1/oncall`, { seconds: loadSeconds, headers: auth(reader), tmp });
        const afterChange: number[] = [];
        for (let rep = 0; rep < (o.quick ? 3 : 10); rep++) {
          const s = rep % size.schedules;
          const start = new Date(company.anchor.getTime() + (40 + rep) * DAY);
          await must(201, "POST", `/v1/schedules/${company.scheduleId(s)}/overrides`, {
            body: { personId: company.scheduleMember(s, rep % 8), start: start.toISOString(), end: new Date(start.getTime() + 2 * 3_600_000).toISOString(), note: "bench" },
          });
          afterChange.push((await must(200, "GET", "/v1/oncall", { token: reader })).ms);
        }
        const ratio = ratioOf(warm.requestsPerSec);
        return {
          summary: `warm ${loadLine(warm)}; after a change ${fmt(median(afterChange))} ms (median of ${afterChange.length}); first after start ${fmt(coldAll.afterFirstStartMs)} ms`,
          figures: { warm, afterChangeMs: afterChange.map((x) => round(x)), afterChangeMedianMs: round(median(afterChange)), bodyBytes: all.text.length, cold: coldAll, ratioToCeiling: round(ratio, 3) },
          met: null,
          sound: warm.errorStatuses === 0,
          ratio: `${ratio.toFixed(3)} of (a)`,
        };
      },
    );

    // --- (d) the iCal feed of a 50-person team's year -------------------------------------------------
    const futureDays = size.aheadDays;
    const pastDays = Math.min(365 - futureDays, size.historyDays);
    await run(
      "d",
      "ical-feed",
      `iCal feed of a ${company.shiftTeam.people.length}-person team over ${pastDays + futureDays} days: cold (rebuilt after a change) and warm (304)`,
      "A calendar app polling a team's feed: “cold” is the first poll after the rota changed (the feed is rebuilt), “304” every poll in between.",
      "cold ≤ 1.5× ical-generator alone; 304 ≥ 50% of (a)",
      async () => {
        const feed = await must(201, "POST", "/v1/feeds", { body: { subject: { kind: "team", id: company.shiftTeam.id }, pastDays, futureDays } });
        const path = new URL(feed.body.url).pathname;
        const first = await must(200, "GET", path, { headers: {} });
        const events = (first.text.match(/BEGIN:VEVENT/g) ?? []).length;
        const etag = first.headers.get("etag")!;
        const check304 = await call("GET", path, { headers: { "if-none-match": etag } });
        if (check304.status !== 304) throw new Error(`If-None-Match answered ${check304.status}, not 304`);
        const warmRounds: LoadResult[] = [];
        for (let r = 0; r < rounds; r++) warmRounds.push(await wrk(`${base}${path}`, { seconds: loadSeconds, headers: { "if-none-match": etag }, tmp }));
        const warm = best(warmRounds);
        // Cold: one shift of the team changes, the next poll rebuilds the whole feed.
        const rebuild: number[] = [];
        let body = first.text;
        const changing = company.morningShift(0, 1);
        for (let rep = 0; rep < (o.quick ? 2 : 5); rep++) {
          await sleep(FEED_RECHECK_MS + 20);
          await must(200, "PATCH", `/v1/shifts/${changing}`, { body: { label: `changed-${rep}` } });
          const rebuilt = await must(200, "GET", path, { headers: {} });
          rebuild.push(rebuilt.ms);
          body = rebuilt.text;
        }
        // ical-generator alone writing the same events (read back from the feed): no database, no revisions, no HTTP.
        const parsed = readFeed(body);
        if (parsed.events.length !== events) throw new Error(`read ${parsed.events.length} events back from the feed, not ${events}`);
        const same = parsed.events;
        // Its best of a few passes (the server's rebuilds above ran warm code too); a year of events takes
        // ical-generator tens of seconds, so the full run makes two.
        const alone: number[] = [];
        for (let i = 0; i < (o.quick ? 3 : 2); i++) {
          const started = performance.now();
          renderCalendarWithIcalGenerator({ name: parsed.name, timeZone: parsed.timeZone, events: same });
          alone.push(performance.now() - started);
        }
        const icalGeneratorMs = Math.min(...alone);
        // Seconds of synchronous work: let the client notice keep-alive sockets the server closed meanwhile.
        await sleep(100);
        const coldRatio = median(rebuild) / icalGeneratorMs;
        const warmRatio = ratioOf(warm.requestsPerSec);
        return {
          summary: `${events.toLocaleString("en-US")} events, ${fmt(body.length / 1e6)} MB; cold ${fmt(median(rebuild))} ms vs ical-generator ${fmt(icalGeneratorMs)} ms; 304 ${loadLine(warm)}`,
          figures: {
            events,
            bytes: body.length,
            firstRequestMs: round(first.ms),
            coldMs: rebuild.map((x) => round(x)),
            coldMedianMs: round(median(rebuild)),
            icalGeneratorMs: alone.map((x) => round(x)),
            coldRatio: round(coldRatio, 2),
            warm304: warm,
            warm304Rounds: warmRounds,
            warm304RatioToCeiling: round(warmRatio, 2),
          },
          met: coldRatio <= 1.5 && warmRatio >= 0.5,
          sound: warmRounds.every((x) => x.errorStatuses === 0) && events > 0,
          ratio: `cold ${coldRatio.toFixed(2)}× ical-generator; 304 ${warmRatio.toFixed(2)} of (a)`,
        };
      },
    );

    // --- (f) coverage report ----------------------------------------------------------------------------
    await run(
      "f",
      "coverage",
      `Coverage report: a ${company.shiftTeam.people.length}-person team's month`,
      "A lead opening the coverage page for last month: gaps against staffing requirements and support hours.",
      "< 50 ms",
      async () => {
        const month = instantToLocal(new Date(company.anchor.getTime() - 20 * DAY), "Europe/London").date.slice(0, 7);
        const { start, end } = monthBounds(month, "Europe/London");
        const shifts = company.shiftsOfTeam0(start, end);
        const path = `/v1/teams/${company.shiftTeam.id}/coverage?from=${start.toISOString()}&to=${end.toISOString()}`;
        const first = await must(200, "GET", path);
        const times: number[] = [];
        for (let i = 0; i < (o.quick ? 3 : 7); i++) times.push((await must(200, "GET", path)).ms);
        const m = median(times);
        return {
          summary: `${shifts.toLocaleString("en-US")} shifts: median ${fmt(m)} ms, first ${fmt(first.ms)} ms`,
          figures: { month, shifts, firstMs: round(first.ms), ms: times.map((x) => round(x)), medianMs: round(m), shortfalls: first.body.shortfalls.length, unstaffed: first.body.unstaffed.length },
          met: m < 50,
          sound: true,
          ratio: `${(m / 50).toFixed(2)}× budget`,
        };
      },
    );

    // --- (g) time-off approval for the person on every schedule ----------------------------------------
    await run(
      "g",
      "time-off",
      `Time-off approval for a person on all ${size.schedules} schedules`,
      "A lead clicking “approve” on a week off: what the person's absence uncovers is worked out across every schedule in that click.",
      "< 100 ms",
      async () => {
        const personId = company.personId(company.everywherePerson);
        const ids: string[] = [];
        for (let rep = 0; rep < (o.quick ? 2 : 5); rep++) {
          const from = new Date(company.anchor.getTime() + (7 + 14 * rep) * DAY);
          const to = new Date(from.getTime() + 6 * DAY);
          const request = await must(201, "POST", "/v1/time-off", { body: { personId, startDate: from.toISOString().slice(0, 10), endDate: to.toISOString().slice(0, 10), reason: "vacation" } });
          if (request.body.status !== "requested") throw new Error(`the time off was ${request.body.status}, not requested`);
          ids.push(request.body.id);
        }
        const times: number[] = [];
        const uncovered: number[] = [];
        for (const id of ids) {
          const approved = await must(200, "POST", `/v1/time-off/${id}/approve`, { body: {} });
          times.push(approved.ms);
          uncovered.push((approved.body.uncovered as { kind: string }[]).filter((a) => a.kind === "oncall").length);
        }
        const m = median(times);
        return {
          summary: `median ${fmt(m)} ms (${times.length} approvals, ${fmt(median(uncovered))} on-call windows uncovered each)`,
          figures: { ms: times.map((x) => round(x)), medianMs: round(m), oncallWindowsUncovered: uncovered },
          met: m < 100,
          sound: uncovered.every((n) => n > 0),
          ratio: `${(m / 100).toFixed(2)}× budget`,
        };
      },
    );

    // --- (i) Google Calendar sync: writes for a no-op resync and for one swap ------------------------------
    await run(
      "i",
      "google-sync-writes",
      "Google Calendar sync: write calls for a no-op resync and for one swap",
      "Each write is a Google API call against the customer's quota: a resync with nothing changed must cost none, a swap at most two per affected calendar.",
      "no-op resync 0 writes; swap ≤ 2 writes per target",
      async () => {
        const stats = async () => (await (await fetch(`${fake.info.inspect}/stats`)).json()) as { writes: number; writesByCalendar: Record<string, number> };
        const people = company.shiftTeam.people.slice(1, 1 + (o.quick ? 4 : 6));
        const key = { type: "service_account", client_email: googleEmail, private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
        const targets = new Map<number, string>();
        const t0 = performance.now();
        for (const p of people) {
          const created = await must(201, "POST", "/v1/calendar-targets", {
            token: personToken(p),
            body: { subject: { kind: "person", id: company.personId(p) }, calendarId: `agent${p}@bench.rota.test`, credentials: { kind: "service_account", serviceAccountKey: key }, pastDays: 0, futureDays: 35 },
          });
          targets.set(p, created.body.id);
        }
        const readTargets = async () => Promise.all([...targets.values()].map(async (id) => (await must(200, "GET", `/v1/calendar-targets/${id}`)).body as { status: string; lastSyncedAt: string | null; lastReconciledAt: string | null; lastError: string | null }));
        // Settled: every target ok, and no write for `quietMs`.
        const settle = async (until: (ts: Awaited<ReturnType<typeof readTargets>>) => boolean, quietMs = o.quick ? 1000 : 1500) => {
          const deadline = Date.now() + 120_000;
          let last = -1;
          let quietSince = Date.now();
          for (;;) {
            const ts = await readTargets();
            const failed = ts.find((t) => t.status === "failed");
            if (failed) throw new Error(`a sync target failed: ${failed.lastError}`);
            const writes = (await stats()).writes;
            if (writes !== last) {
              last = writes;
              quietSince = Date.now();
            }
            if (until(ts) && ts.every((t) => t.status === "ok") && Date.now() - quietSince >= quietMs) return ts;
            if (Date.now() > deadline) throw new Error(`sync did not settle: ${JSON.stringify(ts.map((t) => t.status))}`);
            await sleep(200);
          }
        };
        await settle(() => true);
        const initialMs = performance.now() - t0;
        const initial = await stats();

        // A resync with nothing changed (POST …/sync also reconciles: it lists the calendar, which is no write).
        const before = await readTargets();
        for (const id of targets.values()) await must(202, "POST", `/v1/calendar-targets/${id}/sync`);
        await settle((ts) => ts.every((t, i) => t.lastSyncedAt !== before[i]!.lastSyncedAt || t.lastReconciledAt !== before[i]!.lastReconciledAt));
        const afterNoop = await stats();
        const noopWrites = afterNoop.writes - initial.writes;

        // One trade between two of them, through the API, on days each is free for the other's shift.
        const [a, b] = company.tradePair(people);
        const swap = await must(201, "POST", "/v1/swaps", { token: personToken(a.person), body: { kind: "trade", counterpartId: company.personId(b.person), offered: { kind: "shift", id: a.shiftId }, requested: { kind: "shift", id: b.shiftId } } });
        const accepted = await must(200, "POST", `/v1/swaps/${swap.body.id}/accept`, { token: personToken(b.person) });
        if (accepted.body.swap.status !== "completed") throw new Error(`the swap is ${accepted.body.swap.status}, not completed`);
        const swapped = performance.now();
        await settle(() => true, o.quick ? 1500 : 2000);
        const afterSwap = await stats();
        const writesOf = (p: number) => (afterSwap.writesByCalendar[`agent${p}@bench.rota.test`] ?? 0) - (afterNoop.writesByCalendar[`agent${p}@bench.rota.test`] ?? 0);
        // The traders' calendars, and their coworkers' (whose events name who else is on: "Also on").
        const perTarget = people.map((p) => ({ person: p, role: p === a.person || p === b.person ? "trader" : "coworker", writes: writesOf(p) }));
        const maxPerTarget = Math.max(...perTarget.map((t) => t.writes));
        const maxTrader = Math.max(...perTarget.filter((t) => t.role === "trader").map((t) => t.writes));
        const swapWrites = afterSwap.writes - afterNoop.writes;
        for (const id of targets.values()) await must(204, "DELETE", `/v1/calendar-targets/${id}?keepEvents=true`);
        return {
          summary: `${targets.size} targets: no-op resync ${noopWrites} writes; one swap ${swapWrites} writes, at most ${maxTrader} per trader's and ${Math.max(0, ...perTarget.filter((t) => t.role === "coworker").map((t) => t.writes))} per coworker's calendar`,
          figures: { targets: targets.size, initialWrites: initial.writes, initialSyncMs: Math.round(initialMs), noopWrites, swapWrites, swapWritesPerTarget: perTarget, maxWritesPerTarget: maxPerTarget, swapSettledMs: Math.round(performance.now() - swapped) },
          met: noopWrites === 0 && maxPerTarget <= 2,
          sound: noopWrites === 0 && maxTrader >= 1,
          ratio: `${maxPerTarget}/2 writes per target`,
        };
      },
    );

    // --- (e) booking rush -----------------------------------------------------------------------------
    await run(
      "e",
      "booking-rush",
      `Booking rush: ${o.quick ? 100 : 1000} concurrent booking attempts on a month's duty slots`,
      "The morning booking opens: everyone clicks at once, a few slots are fought over, and nobody may end up double-booked.",
      "≥ 300 successful bookings/s and 0 double bookings, on PostgreSQL",
      async () => {
        const month = company.program.rushMonth;
        const slots = (await must(200, "GET", `/v1/duty-programs/${company.program.id}/slots?month=${month}`)).body.items as { id: string; start: string; seats: number }[];
        slots.sort((x, y) => x.start.localeCompare(y.start));
        const attempts = o.quick ? 100 : 1000;
        const doubles = Math.round(attempts / 10);
        const bookers = company.engineers.slice(0, attempts - doubles);
        const hot = slots.slice(0, 5);
        const rest = slots.slice(5);
        // 30% go for the first five slots of the month (fought over), the rest spread; a tenth click twice.
        const plan = bookers.map((p, j) => ({ person: p, slot: j % 10 < 3 ? hot[j % hot.length]! : rest[j % rest.length]! }));
        for (let j = 0; j < doubles; j++) plan.push({ person: bookers[j]!, slot: rest[(j + 7) % rest.length]! });
        const started = performance.now();
        const results = await Promise.all(
          plan.map(async ({ person, slot }) => {
            const t = performance.now();
            const res = await fetch(`${base}/v1/duty-slots/${slot.id}/bookings`, { method: "POST", headers: { ...auth(personToken(person)), "content-type": "application/json" }, body: "{}" });
            const text = await res.text();
            const code = res.status === 201 ? "201" : `${res.status} ${(() => { try { return JSON.parse(text).code ?? ""; } catch { return ""; } })()}`.trim();
            return { code, ms: performance.now() - t };
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        const statuses: Record<string, number> = {};
        for (const r of results) statuses[r.code] = (statuses[r.code] ?? 0) + 1;
        const booked = statuses["201"] ?? 0;
        // Double bookings, as the API shows them: a slot over its seats, or a person holding two slots of the month.
        const after = (await must(200, "GET", `/v1/duty-programs/${company.program.id}/slots?month=${month}`)).body.items as { seats: number; bookings: { personId: string }[] }[];
        const overfull = after.filter((s) => s.bookings.length > s.seats).length;
        const held = new Map<string, number>();
        for (const s of after) for (const b of s.bookings) held.set(b.personId, (held.get(b.personId) ?? 0) + 1);
        const overQuota = [...held.values()].filter((n) => n > 1).length;
        const inCalendar = after.reduce((n, s) => n + s.bookings.length, 0);
        const latencies = results.map((r) => r.ms).sort((x, y) => x - y);
        const perSecond = booked / seconds;
        const unexpected = Object.keys(statuses).filter((c) => !["201", "409 slot_full", "409 quota_exceeded"].includes(c));
        return {
          summary: `${fmt(perSecond)} bookings/s (${booked} booked of ${plan.length} attempts in ${fmt(seconds)} s); ${overfull + overQuota} double bookings`,
          figures: { attempts: plan.length, seconds: round(seconds, 2), booked, bookingsPerSecond: round(perSecond), attemptsPerSecond: round(plan.length / seconds), statuses, p50Ms: round(median(latencies)), p99Ms: round(latencies[Math.ceil(latencies.length * 0.99) - 1]!), overfullSlots: overfull, peopleOverQuota: overQuota, bookingsSeen: inCalendar },
          met: onPostgres ? perSecond >= 300 && overfull + overQuota === 0 : null,
          sound: overfull === 0 && overQuota === 0 && inCalendar === booked && unexpected.length === 0,
          ratio: `${(perSecond / 300).toFixed(2)}× target rate`,
        };
      },
    );

    // --- (h) auto-assign ------------------------------------------------------------------------------
    await run(
      "h",
      "auto-assign",
      `Duty auto-assign of everyone (${size.people.toLocaleString("en-US")} people) for a month`,
      "A lead pressing “assign everyone who has not booked”: the plan (dry run) and the bookings it makes (apply).",
      "< 10 s",
      async () => {
        const path = `/v1/duty-programs/${company.program.id}/months/${company.program.assignMonth}/auto-assign`;
        const dry: number[] = [];
        let plan: { assignments: unknown[]; unplaced: { reason: string }[] } | undefined;
        for (let i = 0; i < (o.quick ? 1 : 2); i++) {
          const r = await must(200, "POST", path);
          dry.push(r.ms);
          plan = r.body;
        }
        const applied = await must(200, "POST", `${path}?apply=true`);
        const reasons: Record<string, number> = {};
        for (const u of applied.body.unplaced as { reason: string }[]) reasons[u.reason] = (reasons[u.reason] ?? 0) + 1;
        const after = (await must(200, "GET", `/v1/duty-programs/${company.program.id}/slots?month=${company.program.assignMonth}`)).body.items as { seats: number; bookings: unknown[] }[];
        const overfull = after.filter((s) => s.bookings.length > s.seats).length;
        const bookings = after.reduce((n, s) => n + s.bookings.length, 0);
        return {
          summary: `apply ${fmt(applied.ms / 1000)} s (${applied.body.assignments.length.toLocaleString("en-US")} booked, ${applied.body.unplaced.length} unplaced); dry run ${fmt(median(dry) / 1000)} s`,
          figures: { dryRunMs: dry.map((x) => Math.round(x)), applyMs: Math.round(applied.ms), planned: plan?.assignments.length, assigned: applied.body.assignments.length, unplaced: reasons, bookingsInMonth: bookings, overfullSlots: overfull },
          met: applied.ms < 10_000 && median(dry) < 10_000,
          sound: overfull === 0 && bookings === applied.body.assignments.length,
          ratio: `${(applied.ms / 10_000).toFixed(2)}× budget`,
        };
      },
    );

    // --- (j) cold start and memory ----------------------------------------------------------------------
    await run(
      "j",
      "cold-start",
      "Cold start to the first answered request; server RSS idle and under load",
      "How long a restart (a deploy, a crash) leaves the API unanswered, and the memory to give the process.",
      "RSS under load < 200 MB, on PostgreSQL",
      async () => {
        const underLoad = Math.max(...scenarios.filter((s) => s.id !== "a" && s.rssMb !== null).map((s) => s.rssMb!));
        const peak = memoryOf(server!.pid)?.peakMb;
        // A restart (a deploy) on the seeded database; the quick run keeps its time budget and reports the first start only.
        let restartMs: number | undefined;
        let idle = idleFirst;
        let exit: number | null = 0;
        if (!o.quick) {
          exit = await server!.stop();
          serverLog += server!.log();
          server = await boot();
          restartMs = server.bootMs;
          coldAll.afterRestartMs = round((await must(200, "GET", "/v1/oncall", { token: reader })).ms);
          await sleep(2000);
          idle = memoryOf(server.pid);
        }
        const startLine = restartMs === undefined ? `first start ${fmt(firstBootMs)} ms` : `restart ${fmt(restartMs)} ms (first start after seeding ${fmt(firstBootMs)} ms)`;
        return {
          summary: `${startLine}; RSS idle ${idle?.rssMb} MB, under load ≤ ${underLoad} MB (peak ${peak} MB)`,
          figures: { firstStartMs: Math.round(firstBootMs), restartMs: restartMs === undefined ? null : Math.round(restartMs), idleRssMbFirstStart: idleFirst?.rssMb, idleRssMb: idle?.rssMb, underLoadRssMb: underLoad, peakRssMb: peak, firstOncallAll: coldAll, exitCodeOnStop: exit },
          met: onPostgres ? underLoad < 200 : null,
          sound: exit === 0,
          ratio: `${(underLoad / 200).toFixed(2)}× 200 MB`,
        };
      },
    );

    // (j) is about the whole run: its column shows the largest RSS of any scenario.
    const startEntry = scenarios.find((s) => s.id === "j" && s.status === "ok");
    if (startEntry) startEntry.rssMb = startEntry.figures.underLoadRssMb as number;

    memory.stop();
    serverLog += server.log();
    await server.stop();
    server = undefined;

    // Double bookings as the database holds them, once nothing else has it open (PGlite allows one
    // process). The quick run keeps to the API's view above: reopening PGlite costs seconds.
    const rush = scenarios.find((s) => s.id === "e" && s.status === "ok");
    if (rush && !o.quick) {
      handle = await openDb();
      const held = await doubleBookings(handle);
      await handle.close();
      handle = undefined;
      rush.figures.databaseOverfullSlots = held.overfullSlots;
      rush.figures.databasePeopleOverQuota = held.peopleOverQuota;
      if (held.overfullSlots + held.peopleOverQuota > 0) rush.sound = false;
    }

    return {
      mode: o.quick ? "quick" : "full",
      database: { kind: o.database.kind, version: dbVersion },
      server: { entry: o.entry === "dist" ? "node dist/server.js" : "node --import tsx src/server.ts", node: process.version },
      seed: { ...company.counts, shiftTeamSize: company.shiftTeam.people.length, rushSlots: company.program.rushSlots, rushSeats: company.program.rushSeats, assignSlots: company.program.assignSlots, assignSeats: company.program.assignSeats, migrateSeconds, seedSeconds: company.seconds, size },
      scenarios,
      serverLog: serverLog.slice(-5000),
    };
  } finally {
    memory.stop();
    if (server) await server.stop().catch(() => {});
    if (handle) await handle.close().catch(() => {});
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => log(`cleanup: ${String(err)}`));
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Slots holding more bookings than seats, and people holding more than one slot of a month (quota 1). */
async function doubleBookings(handle: DbHandle): Promise<{ overfullSlots: number; peopleOverQuota: number }> {
  const result = (await handle.db.execute(
    sql.raw(`SELECT (SELECT count(*) FROM (SELECT 1 FROM duty_bookings b JOIN duty_slots s ON s.id = b.slot_id GROUP BY s.id, s.seats HAVING count(*) > s.seats) x) AS overfull,
                    (SELECT count(*) FROM (SELECT 1 FROM duty_bookings GROUP BY person_id, program_id, month HAVING count(*) > 1) y) AS over_quota`),
  )) as unknown as { rows: { overfull: string; over_quota: string }[] };
  const row = result.rows[0]!;
  return { overfullSlots: Number(row.overfull), peopleOverQuota: Number(row.over_quota) };
}

/**
 * A feed's events read back by a parser we did not write (node-ical: ical.js, which the tests also
 * use, takes minutes over a year of a team's shifts).
 */
function readFeed(text: string): { name: string; timeZone: string; events: FeedEvent[] } {
  const parsed = nodeIcal.sync.parseICS(text) as unknown as Record<string, Record<string, unknown>>;
  const calendar = parsed.vcalendar ?? {};
  const events = Object.values(parsed)
    .filter((c) => c.type === "VEVENT")
    .map((e) => ({
      uid: String(e.uid),
      start: e.start as Date,
      end: e.end as Date,
      summary: String(e.summary ?? ""),
      description: String(e.description ?? ""),
      sequence: Number(e.sequence ?? 0),
      lastModified: e.lastmodified as Date,
      busy: e.transparency !== "TRANSPARENT",
    }));
  return { name: String(calendar["WR-CALNAME"] ?? ""), timeZone: String(calendar["WR-TIMEZONE"] ?? "UTC"), events };
}

function pgliteVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, "node_modules/@electric-sql/pglite/package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}
