/**
 * npm run bench: the company bench (bench/company: a seeded 5,000-person
 * company, the server as its own process, scenarios (a)–(j) over loopback with
 * wrk), then every standalone scenario script in bench/ (each printing one
 * JSON line per measurement, {"bench": name, ...}). Writes bench/results.json
 * and bench/results.md; a full run also keeps bench/results/<database>.json,
 * from which --update-doc rewrites the tables of BENCHMARKS.md.
 *
 *   npm run bench                          PGlite (PostgreSQL when DATABASE_URL or BENCH_DATABASE_URL is set)
 *   npm run bench -- --quick               small company, 2-second loads, company scenarios only (< 60 s; CI)
 *   npm run bench -- api-auth oncall       only what matches: script names, scenario ids (a–j) or keys
 *   npm run bench -- --postgres=postgres://postgres@127.0.0.1:5432/postgres
 *   npm run bench -- --both --update-doc   PGlite, then PostgreSQL (URL as above), then BENCHMARKS.md
 *   npm run bench -- --doc-only            only rewrite BENCHMARKS.md's tables from the last full runs
 *   --tsx                                  run the server from src/ through tsx instead of building dist/
 *
 * On PostgreSQL every scenario gets a fresh database on that server (created
 * and dropped): the URL names the server, its database is left alone.
 *
 * Exit status: a scenario that fails to run, or a correctness check that fails
 * (double bookings, writes on a no-op resync, error answers under load), fails
 * every run. A missed speed target fails a full run, as the standalone scripts
 * always have; a quick run (small seed, 2-second loads) only reports it.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { runCompanyBench, type DatabaseChoice } from "./company/index.ts";
import { freshDatabase, ROOT } from "./company/processes.ts";
import { comparisonMarkdown, endLoad, machineInfo, replaceGeneratedBlock, runMarkdown, type SavedRun } from "./company/report.ts";

const dir = fileURLToPath(new URL(".", import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = args.filter((a) => !a.startsWith("--"));
const quick = flag("quick");
const postgresUrl = option("postgres") ?? process.env.DATABASE_URL ?? process.env.BENCH_DATABASE_URL;

const databases: DatabaseChoice[] = [];
if (flag("both")) {
  if (!postgresUrl) throw new Error("--both needs a PostgreSQL server: --postgres=URL, DATABASE_URL or BENCH_DATABASE_URL");
  databases.push({ kind: "pglite" }, { kind: "postgres", serverUrl: postgresUrl });
} else if (flag("pglite") || !postgresUrl) {
  databases.push({ kind: "pglite" });
} else {
  databases.push({ kind: "postgres", serverUrl: postgresUrl });
}

const COMPANY_KEYS = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "ceiling", "oncall-one", "oncall-all", "ical-feed", "booking-rush", "coverage", "time-off", "auto-assign", "google-sync-writes", "cold-start"];
const scripts = (await readdir(dir))
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_"))
  .filter((f) => (only.length === 0 ? !quick : only.some((o) => o.length > 1 && f.includes(o))))
  .sort();
const companyWanted = only.length === 0 || only.some((o) => COMPANY_KEYS.some((k) => k === o || (o.length > 1 && k.includes(o))));

if (flag("doc-only")) {
  await updateDoc();
  process.exit(0);
}

const machine = machineInfo();
const started = new Date().toISOString();
const runs: SavedRun[] = [];
const scriptResults: { file: string; database: string; exitCode: number | null; measurements: Record<string, unknown>[] }[] = [];
let failed = 0;

let entry: "dist" | "tsx" = flag("tsx") || quick ? "tsx" : "dist";
if (companyWanted && entry === "dist") {
  // What `npm start` runs: the build (incremental: seconds when little changed).
  console.log("== building dist/ (tsc -p tsconfig.build.json)");
  const code = await new Promise<number | null>((resolve) => spawn(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" }).on("exit", resolve));
  if (code !== 0 || !existsSync(`${ROOT}dist/server.js`)) {
    console.error("!! the build failed: running the server through tsx instead");
    entry = "tsx";
  }
}

for (const database of databases) {
  const label = database.kind === "pglite" ? "PGlite" : "PostgreSQL";
  if (companyWanted) {
    console.log(`\n== company bench on ${label}${quick ? " (quick)" : ""}`);
    const t0 = performance.now();
    const runMachine = machineInfo();
    try {
      const elapsed = () => `[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;
      const result = await runCompanyBench({ quick, database, entry, only, log: (line) => console.log(line.startsWith("\n") ? `\n${elapsed()} ${line.slice(1)}` : `${elapsed()} ${line}`) });
      endLoad(runMachine);
      const run: SavedRun = { at: new Date().toISOString(), machine: runMachine, ...result };
      runs.push(run);
      for (const s of result.scenarios) {
        if (s.status === "error" || !s.sound || (!quick && s.met === false)) failed++;
      }
      console.log(`\n${runMarkdown(run)}`);
      console.log(`company bench on ${label}: ${Math.round((performance.now() - t0) / 1000)} s`);
      if (!quick && only.length === 0) {
        await mkdir(`${dir}results`, { recursive: true });
        await writeFile(`${dir}results/${database.kind}.json`, JSON.stringify(run, null, 2));
      }
    } catch (err) {
      failed++;
      console.error(`!! the company bench did not run on ${label}:`, err);
    }
  }

  for (const file of scripts) {
    console.log(`\n== ${file} (${label})`);
    const { url, drop } = database.kind === "postgres" ? await freshDatabase(database.serverUrl) : { url: undefined, drop: async () => {} };
    const env = { ...process.env };
    delete env.DATABASE_URL;
    if (url) env.BENCH_DATABASE_URL = url;
    else delete env.BENCH_DATABASE_URL;
    const measurements: Record<string, unknown>[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", `${dir}${file}`], { env, stdio: ["ignore", "pipe", "inherit"] });
      let buffer = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        let newline: number;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          console.log(line);
          if (line.startsWith('{"bench"')) measurements.push(JSON.parse(line));
        }
      });
      child.on("exit", resolve);
    });
    await drop();
    scriptResults.push({ file, database: database.kind, exitCode: code, measurements });
    if (code !== 0) {
      failed++;
      console.error(`!! ${file} exited with ${code}`);
    }
  }
}

await writeFile(`${dir}results.json`, JSON.stringify({ at: started, mode: quick ? "quick" : "full", machine, runs, scripts: scriptResults }, null, 2));
const scriptLines = scriptResults.flatMap((s) => s.measurements.map((m) => `- \`${s.file}\` (${s.database}): \`${JSON.stringify(m)}\``));
await writeFile(`${dir}results.md`, [...runs.map(runMarkdown), ...(scriptLines.length ? ["### Standalone scripts", "", ...scriptLines, ""] : [])].join("\n"));
console.log(`\nbench/results.json, bench/results.md written`);

if (flag("update-doc")) await updateDoc();
process.exit(failed > 0 ? 1 : 0);

/** Rewrites the generated block of BENCHMARKS.md from the last full run on each database. */
async function updateDoc(): Promise<void> {
  const saved = async (kind: string) => {
    try {
      return JSON.parse(await readFile(`${dir}results/${kind}.json`, "utf8")) as SavedRun;
    } catch {
      return undefined;
    }
  };
  const doc = `${ROOT}BENCHMARKS.md`;
  await writeFile(doc, replaceGeneratedBlock(await readFile(doc, "utf8"), comparisonMarkdown({ pglite: await saved("pglite"), postgres: await saved("postgres") })));
  console.log("BENCHMARKS.md: tables rewritten from bench/results/pglite.json and bench/results/postgres.json");
}

