/**
 * Wall-clock hot paths, hand-written ZoneClock vs luxon, same run (issue 12).
 *
 *   npx tsx bench/wallclock-luxon.ts
 *
 * The engine's inner loops do two things: resolve a local time to an instant
 * (ZoneClock.resolve, SPEC §2 gap/fold rules) and read an instant's local
 * time (ZoneClock.localMs). Each is measured over a year of hourly values in
 * Europe/London, America/New_York and Australia/Lord_Howe (30-minute DST),
 * with a fresh ZoneClock per pass as in a request. The luxon path is
 * DateTime.fromObject / fromMillis with the SPEC §2 rules made explicit
 * (luxon shifts a gap time forward by the gap; SPEC wants the transition).
 * Then the time-engine bench's scenario (bench/time-engine.ts) end to end,
 * once as is and once with ZoneClock's resolve/localMs swapped for the
 * luxon functions (in this process only).
 * Both paths must agree on every value and segment, or the script exits 1.
 *
 * Prints one JSON line per measurement and a summary line.
 */
import { DateTime } from "luxon";
import { DAY_MS, MINUTE_MS } from "../src/domain/interval.ts";
import { computeSchedule } from "../src/domain/schedule.ts";
import { type Edge, ZoneClock, formatLocalDate, parseLocalDate } from "../src/domain/wallclock.ts";
import { scenario } from "./_time-engine-scenario.ts";

const ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe"];
const HOUR_MS = 3_600_000;
const FROM = Date.UTC(2026, 0, 1);
const HOURS = 365 * 24;
const PASSES = 5;
const ENGINE_RUNS = 5;

/** SPEC §2 on luxon: gap -> the transition instant; ambiguous -> earlier offset for a start, later for an end. */
function luxonResolve(local: number, edge: Edge, zone: string): number {
  const d = new Date(local);
  const hour = d.getUTCHours();
  const minute = d.getUTCMinutes();
  const dt = DateTime.fromObject(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute },
    { zone },
  );
  if (dt.hour !== hour || dt.minute !== minute) {
    // In a gap luxon answers local - (offset before); the transition T has
    // the new offset and lies in (local - new offset, that answer].
    let lo = local - dt.offset * MINUTE_MS;
    let hi = dt.toMillis();
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (dt.zone.offset(mid) === dt.offset) hi = mid;
      else lo = mid;
    }
    return hi;
  }
  const candidates = dt.getPossibleOffsets().map((c) => c.toMillis());
  return edge === "start" ? Math.min(...candidates) : Math.max(...candidates);
}

function luxonLocalMs(instant: number, zone: string): number {
  return instant + DateTime.fromMillis(instant, { zone }).offset * MINUTE_MS;
}

// Local values on the hour and half past (Lord_Howe's gap is 02:00-02:30).
const locals = Array.from({ length: HOURS }, (_, i) => FROM + i * HOUR_MS + (i % 2) * 30 * MINUTE_MS);
const instants = Array.from({ length: HOURS }, (_, i) => FROM - DAY_MS + i * HOUR_MS);

type Path = { name: string; resolve: (zone: string) => number; localMs: (zone: string) => number };
let sink = 0;
const paths: Path[] = [
  {
    name: "handwritten",
    resolve: (zone) => {
      const clock = new ZoneClock(zone);
      for (const l of locals) sink += clock.resolve(l, "start") + clock.resolve(l, "end");
      return locals.length * 2;
    },
    localMs: (zone) => {
      const clock = new ZoneClock(zone);
      for (const t of instants) sink += clock.localMs(t);
      return instants.length;
    },
  },
  {
    name: "luxon",
    resolve: (zone) => {
      for (const l of locals) sink += luxonResolve(l, "start", zone) + luxonResolve(l, "end", zone);
      return locals.length * 2;
    },
    localMs: (zone) => {
      for (const t of instants) sink += luxonLocalMs(t, zone);
      return instants.length;
    },
  },
];

// Same answers first: a fast wrong path is no alternative.
let mismatches = 0;
for (const zone of ZONES) {
  const clock = new ZoneClock(zone);
  for (const l of locals) {
    for (const edge of ["start", "end"] as const) {
      if (clock.resolve(l, edge) !== luxonResolve(l, edge, zone)) {
        if (mismatches++ < 5) console.error(`resolve mismatch ${zone} ${new Date(l).toISOString()} ${edge}`);
      }
    }
  }
  for (const t of instants) {
    if (clock.localMs(t) !== luxonLocalMs(t, zone) && mismatches++ < 5) console.error(`localMs mismatch ${zone} ${t}`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, number> = {};
for (const op of ["resolve", "localMs"] as const) {
  for (const zone of ZONES) {
    const rates = new Map<string, number[]>(paths.map((p) => [p.name, []]));
    for (let pass = 0; pass < PASSES + 2; pass++) {
      for (const path of paths) {
        // Interleaved passes, the first two discarded as warm-up.
        const t0 = performance.now();
        const ops = path[op](zone);
        const ms = performance.now() - t0;
        if (pass >= 2) rates.get(path.name)!.push((ops / ms) * 1000);
      }
    }
    for (const path of paths) {
      const opsPerSec = Math.round(median(rates.get(path.name)!));
      results[`${op}.${zone}.${path.name}`] = opsPerSec;
      console.log(JSON.stringify({ bench: `wallclock.${op}.${path.name}`, zone, opsPerSec }));
    }
  }
}

// Pure civil-calendar helpers: "YYYY-MM-DD" -> epoch day (validated) and back.
const dates = Array.from({ length: 20_000 }, (_, i) => 20_000 + i);
const dateTexts = dates.map((day) => new Date(day * DAY_MS).toISOString().slice(0, 10));
const civil: [string, () => number][] = [
  ["parseDate.handwritten", () => dateTexts.reduce((n, text) => n + parseLocalDate(text, "date"), 0)],
  ["parseDate.luxon", () => dateTexts.reduce((n, text) => n + DateTime.fromFormat(text, "yyyy-MM-dd", { zone: "utc" }).toMillis() / DAY_MS, 0)],
  ["formatDate.handwritten", () => dates.reduce((n, day) => n + formatLocalDate(day).length, 0)],
  ["formatDate.luxon", () => dates.reduce((n, day) => n + DateTime.fromMillis(day * DAY_MS, { zone: "utc" }).toISODate()!.length, 0)],
];
for (const [name, run] of civil) {
  const rates: number[] = [];
  for (let pass = 0; pass < PASSES + 2; pass++) {
    const t0 = performance.now();
    sink += run();
    if (pass >= 2) rates.push((dates.length / (performance.now() - t0)) * 1000);
  }
  results[name] = Math.round(median(rates));
  console.log(JSON.stringify({ bench: `wallclock.${name}`, opsPerSec: results[name] }));
}

// End to end: the time-engine year, as is and with ZoneClock answering through luxon.
const input = scenario();
function engine(): { medianMs: number; segments: string; resolves: number; localReads: number } {
  const proto = ZoneClock.prototype;
  const [resolve, localMs] = [proto.resolve, proto.localMs];
  let resolves = 0;
  let localReads = 0;
  proto.resolve = function (this: ZoneClock, local: number, edge: Edge) {
    resolves++;
    return resolve.call(this, local, edge);
  };
  proto.localMs = function (this: ZoneClock, instant: number) {
    localReads++;
    return localMs.call(this, instant);
  };
  const segments = JSON.stringify(computeSchedule(input).segments);
  const counts = { resolves, localReads };
  proto.resolve = resolve;
  proto.localMs = localMs;
  const times: number[] = [];
  for (let i = 0; i < ENGINE_RUNS; i++) {
    const t0 = performance.now();
    computeSchedule(input);
    times.push(performance.now() - t0);
  }
  return { medianMs: Math.round(median(times) * 100) / 100, segments, ...counts };
}
const handwrittenEngine = engine();
const { resolve: ownResolve, localMs: ownLocalMs } = ZoneClock.prototype;
ZoneClock.prototype.resolve = function (this: ZoneClock, local: number, edge: Edge) {
  return luxonResolve(local, edge, this.zone);
};
ZoneClock.prototype.localMs = function (this: ZoneClock, instant: number) {
  return luxonLocalMs(instant, this.zone);
};
const luxonEngine = engine();
ZoneClock.prototype.resolve = ownResolve;
ZoneClock.prototype.localMs = ownLocalMs;
if (luxonEngine.segments !== handwrittenEngine.segments) {
  console.error("time-engine segments differ between the two paths");
  mismatches++;
}
for (const [name, r] of [["handwritten", handwrittenEngine], ["luxon", luxonEngine]] as const) {
  console.log(JSON.stringify({ bench: `wallclock.time-engine-year.${name}`, medianMs: r.medianMs, resolves: r.resolves, localReads: r.localReads }));
}

for (const op of ["resolve", "localMs"]) {
  const ratios = ZONES.map((z) => results[`${op}.${z}.handwritten`]! / results[`${op}.${z}.luxon`]!);
  console.log(`wallclock ${op}: handwritten / luxon = ${ratios.map((r) => `${r.toFixed(1)}x`).join(", ")} (${ZONES.join(", ")})`);
}
for (const op of ["parseDate", "formatDate"]) {
  console.log(`wallclock ${op}: handwritten / luxon = ${(results[`${op}.handwritten`]! / results[`${op}.luxon`]!).toFixed(1)}x`);
}
console.log(
  `time-engine year: handwritten ${handwrittenEngine.medianMs} ms, luxon ${luxonEngine.medianMs} ms ` +
    `(${(luxonEngine.medianMs / handwrittenEngine.medianMs).toFixed(1)}x; ${handwrittenEngine.resolves} resolves, ${handwrittenEngine.localReads} local reads)`,
);
if (sink === 0) console.log("unreachable");
if (mismatches > 0) {
  console.error(`${mismatches} values where luxon and ZoneClock disagree`);
  process.exit(1);
}
