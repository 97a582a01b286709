/**
 * Time-engine benchmark: one year of a schedule with 3 layers (the top one a
 * 10-person daily rotation restricted to weekdays 09:00-17:00) and 200
 * overrides, computed from scratch (fresh TimeContext) each run.
 *
 *   npx tsx bench/time-engine.ts
 *
 * Prints one JSON line and a human line; exits 1 when the median exceeds
 * the 20 ms budget.
 */
import { computeSchedule } from "../src/domain/schedule.ts";
import { scenario } from "./_time-engine-scenario.ts";

const BUDGET_MS = 20;
const WARMUP = 10;
const RUNS = 50;

const input = scenario();
let segments = 0;
for (let i = 0; i < WARMUP; i++) segments = computeSchedule(input).segments.length;
const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  computeSchedule(input);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(RUNS / 2)]!;
const p95 = times[Math.ceil(RUNS * 0.95) - 1]!;
const round = (n: number) => Math.round(n * 100) / 100;
console.log(JSON.stringify({ bench: "time-engine.year", medianMs: round(median), p95Ms: round(p95), runs: RUNS, segments }));
console.log(
  `time-engine: 1 year, 3 layers (10-person daily + restriction), 200 overrides -> ${segments} segments; ` +
    `median ${round(median)} ms, p95 ${round(p95)} ms (budget ${BUDGET_MS} ms)`,
);
if (median > BUDGET_MS) {
  console.error(`time-engine median ${round(median)} ms exceeds ${BUDGET_MS} ms`);
  process.exit(1);
}
