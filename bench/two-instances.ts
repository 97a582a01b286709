/**
 * Two real Rota servers (`src/server.ts`, separate processes on loopback
 * ports) over one PostgreSQL database, and the races of
 * tests/two-instances.test.ts sent to both over HTTP: last seats, an open
 * swap taken and completed from both, overrides, If-Match updates. Prints one
 * JSON line per race and exits non-zero if any double booking or lost update
 * shows.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/two-instances.ts
 *
 * It creates (and drops) its own database on that server. Without
 * BENCH_DATABASE_URL it says so and exits 0: PGlite cannot be shared.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createDb } from "../src/db/client.ts";
import { freePort, freshDatabase } from "./company/processes.ts";
import { ifMatchUpdates, lastSeats, openSwap, overrides, type RaceWorld } from "../tests/helpers/two-instance-races.ts";

const base = process.env.BENCH_DATABASE_URL;
if (!base) {
  console.log(JSON.stringify({ bench: "two-instances", skipped: "set BENCH_DATABASE_URL to a PostgreSQL server to race two instances" }));
  process.exit(0);
}

const TOKEN = "rota_bench_two_instances_admin_000000";
const root = fileURLToPath(new URL("..", import.meta.url));

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: root,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), DATABASE_URL: url, ROTA_BOOTSTRAP_TOKEN: TOKEN, LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server on port ${port} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill("SIGTERM");
  throw new Error(`server on port ${port} did not answer /healthz within 60 s`);
}

const { url, drop } = await freshDatabase(base, "rota_bench_two");
const servers: ChildProcess[] = [];
let failed = false;
try {
  const ports = [await freePort(), await freePort()];
  // One after the other: the first migrates and creates the admin, the second finds both done.
  for (const port of ports) servers.push(await startServer(port));
  const handle = await createDb({ kind: "postgres", url });
  const world: RaceWorld = {
    adminToken: TOKEN,
    db: handle.db,
    send: async (instance, token, method, path, body, headers = {}) => {
      const res = await fetch(`http://127.0.0.1:${ports[instance]}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };

  const races: [string, () => Promise<Record<string, unknown>>, (o: any) => boolean][] = [
    ["last-seats", () => lastSeats(world, 40), (o) => o.bookingsInDatabase === o.seats && o.statuses["201"] === o.seats && o.freeSeatsSeenBy.every((f: number) => f === 0)],
    ["open-swap", () => openSwap(world, 10), (o) => o.accepts["200"] === 1 && o.completes["200"] === 4 && o.shiftOwnerIsWinner && o.shiftsInTeam === 1],
    ["overrides", () => overrides(world, 10), (o) => o.statuses["201"] === 10 && o.overridesInDatabase === 10 && o.versionBumps === 10 && o.staleAnswers === 0],
    ["if-match", () => ifMatchUpdates(world, 10), (o) => o.people["200"] === 1 && o.teams["200"] === 1 && o.personVersionBumps === 1 && o.teamVersionBumps === 1 && o.personKeptWinner && o.teamKeptWinner],
  ];
  for (const [name, race, holds] of races) {
    const started = performance.now();
    const outcome = await race();
    const ok = holds(outcome);
    if (!ok) failed = true;
    console.log(JSON.stringify({ bench: `two-instances/${name}`, ok, ms: Math.round(performance.now() - started), ...outcome }));
  }
  await handle.close();
} finally {
  await Promise.all(servers.map((s) => new Promise((resolve) => (s.exitCode !== null ? resolve(null) : (s.once("exit", resolve), s.kill("SIGTERM"))))));
  await drop();
}
process.exit(failed ? 1 : 0);
