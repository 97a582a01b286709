/**
 * What a bench run writes: bench/results.json (everything), bench/results.md
 * (the table), bench/results/<database>.json (the last full run on each
 * database) and, with --update-doc, the generated block of BENCHMARKS.md
 * (both databases side by side, from those two files).
 */
import { cpus, loadavg, release, totalmem, availableParallelism } from "node:os";
import type { CompanyBenchResult, ScenarioResult } from "./index.ts";

export interface Machine {
  cores: number;
  cpu: string;
  memoryGb: number;
  node: string;
  os: string;
  /** 1-minute load average when the run started and ended: other work on the machine shows here. */
  loadAverage: { start: number; end?: number };
}

export function machineInfo(): Machine {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? "?",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `Linux ${release()}`,
    loadAverage: { start: Math.round(loadavg()[0]! * 100) / 100 },
  };
}

export function endLoad(machine: Machine): void {
  machine.loadAverage.end = Math.round(loadavg()[0]! * 100) / 100;
}

export interface SavedRun extends CompanyBenchResult {
  at: string;
  machine: Machine;
}

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

function verdict(s: ScenarioResult): string {
  if (s.status === "error") return `**error**: ${cell(s.error ?? "")}`;
  if (s.status === "skipped") return "skipped";
  const checks = s.sound ? "" : " — **check failed**";
  return `${s.met === null ? "reported" : s.met ? "met" : "**missed**"}${checks}`;
}

/** One run as a Markdown table (bench/results.md). */
export function runMarkdown(run: SavedRun): string {
  const rows = run.scenarios
    .filter((s) => s.status !== "skipped")
    .map((s) => `| (${s.id}) | ${cell(s.title)} | ${cell(s.summary)} | ${cell(s.ratio)} | ${cell(s.target)} | ${verdict(s)} | ${s.rssMb ?? "—"} |`);
  return [
    `### ${run.mode === "quick" ? "Quick run" : "Run"} on ${run.database.version}, ${run.at}`,
    "",
    machineLine(run),
    "",
    `Seed: ${seedLine(run)}.`,
    "",
    "| | scenario | result | against its ceiling | target | | server RSS (MB) |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

export function machineLine(run: SavedRun): string {
  const m = run.machine;
  const load = m.loadAverage.end === undefined ? `${m.loadAverage.start}` : `${m.loadAverage.start} → ${m.loadAverage.end}`;
  return `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB, ${m.os}, Node ${m.node}; server \`${run.server.entry}\`; load average ${load} (1 min, start → end).`;
}

export function seedLine(run: SavedRun): string {
  const s = run.seed as Record<string, number>;
  return `${fmt(s.people)} people (admin included), ${s.teams} teams, ${s.schedules} schedules (${s.layers} layers, ${fmt(s.overrides)} overrides), ${fmt(s.shifts)} shifts, ${fmt(s.timeOff)} time-off records, ${s.dutySlots} duty slots, ${fmt(s.tokens)} API tokens; migrated in ${s.migrateSeconds} s, seeded in ${s.seedSeconds} s`;
}

const fmt = (n: number | undefined) => (n === undefined ? "?" : n.toLocaleString("en-US"));

/** Both databases side by side, for BENCHMARKS.md: the results, then ratios and memory. */
export function comparisonMarkdown(runs: { pglite?: SavedRun | undefined; postgres?: SavedRun | undefined }): string {
  const ids = [...new Set([...(runs.pglite?.scenarios ?? []), ...(runs.postgres?.scenarios ?? [])].map((s) => s.id))].sort();
  const find = (run: SavedRun | undefined, id: string) => run?.scenarios.find((s) => s.id === id && s.status !== "skipped");
  const result = (s: ScenarioResult | undefined) => (s ? `${cell(s.summary)} — ${verdict(s)}` : "not run");
  const lines = [
    "| | scenario | target | PGlite | PostgreSQL |",
    "|---|---|---|---|---|",
    ...ids.map((id) => {
      const any = find(runs.postgres, id) ?? find(runs.pglite, id)!;
      return `| (${id}) | ${cell(any.title)} | ${cell(any.target)} | ${result(find(runs.pglite, id))} | ${result(find(runs.postgres, id))} |`;
    }),
    "",
    "Against its ceiling (throughput: share of (a); single operations: share of their budget), and the largest server RSS while the scenario ran ((a): the ceiling's own process; (j): the whole run):",
    "",
    "| | PGlite | PostgreSQL | RSS PGlite | RSS PostgreSQL |",
    "|---|---|---|---|---|",
    ...ids.map((id) => {
      const [l, p] = [find(runs.pglite, id), find(runs.postgres, id)];
      return `| (${id}) | ${cell(l?.ratio || "—")} | ${cell(p?.ratio || "—")} | ${l?.rssMb ?? "—"} MB | ${p?.rssMb ?? "—"} MB |`;
    }),
    "",
  ];
  for (const run of [runs.pglite, runs.postgres]) {
    if (!run) continue;
    lines.push(`- **${run.database.version}**, ${run.at}. ${machineLine(run)} Seed: ${seedLine(run)}.`);
  }
  return lines.join("\n");
}

export const DOC_START = "<!-- bench:results:start (written by `npm run bench -- --update-doc`; edit outside these markers) -->";
export const DOC_END = "<!-- bench:results:end -->";

/** Replaces the generated block of BENCHMARKS.md; the prose around it is left as it is. */
export function replaceGeneratedBlock(doc: string, block: string): string {
  const start = doc.indexOf(DOC_START);
  const end = doc.indexOf(DOC_END);
  if (start < 0 || end < start) throw new Error("BENCHMARKS.md has no generated block (the bench:results markers)");
  return `${doc.slice(0, start + DOC_START.length)}\n\n${block}\n${doc.slice(end)}`;
}
