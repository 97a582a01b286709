/**
 * The processes a bench run starts, each on its own loopback port: the Rota
 * server under test (what `npm start` runs), the bare Fastify ceiling, the
 * fake Google Calendar, and wrk. Nothing shares the server's event loop; the
 * server's memory is read from /proc/<pid>/status.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * A database of its own on the PostgreSQL server the URL names (its name
 * starts with that URL's database name when it is a rota_* one, else
 * rota_bench), dropped by `drop()`; `name` is for the log.
 */
export async function freshDatabase(serverUrl: string, prefix?: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const admin = new URL(serverUrl);
  admin.pathname = "/postgres";
  const query = async (text: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  const given = new URL(serverUrl).pathname.slice(1);
  const name = `${prefix ?? (given.startsWith("rota") ? given : "rota_bench")}_${randomBytes(4).toString("hex")}`;
  await query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resident and peak resident memory of a process, in MB (Linux /proc). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMb: Math.round(kb("VmRSS") / 1024), peakMb: Math.round(kb("VmHWM") / 1024) };
  } catch {
    return undefined;
  }
}

function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}

export interface RunningServer {
  pid: number;
  base: string;
  /** From spawn to the first 200 of /healthz. */
  bootMs: number;
  stop(): Promise<number | null>;
  /** The server's output so far (its log at LOG_LEVEL=warn: warnings and errors). */
  log(): string;
}

/**
 * Starts `src/server.ts` as a process of its own: the built entry (`node
 * dist/server.js`, as `npm start` runs it) or, with `tsx`, the sources through
 * tsx (no build; cold start and memory then include the TypeScript loader).
 */
export async function startServer(options: { entry: "dist" | "tsx"; port: number; env: Record<string, string | undefined> }): Promise<RunningServer> {
  // BENCH_SERVER_NODE_ARGS: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server under a scenario.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const args = [...nodeArgs, ...(options.entry === "dist" ? [join(ROOT, "dist/server.js")] : ["--import", "tsx", join(ROOT, "src/server.ts")])];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  // Its log (pino writes to stdout; LOG_LEVEL=warn keeps it to warnings and errors) and anything on stderr.
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const base = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before answering: ${output.slice(-2000)}`);
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) {
        const bootMs = performance.now() - started;
        return { pid: child.pid!, base, bootMs, stop: () => stopChild(child), log: () => output };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await stopChild(child);
  throw new Error(`the server did not answer /healthz within 300 s: ${output.slice(-2000)}`);
}

/** Starts a helper script (bench/…) that prints one JSON line once it listens. */
async function startHelper<T>(script: string, env: Record<string, string> = {}): Promise<{ info: T; pid: number; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", resolve);
  });
  return { info: JSON.parse(line) as T, pid: child.pid!, stop: () => stopChild(child) };
}

/** (a) The ceiling: a bare Fastify route answering `body` as JSON, in a process of its own. */
export async function startCeiling(body: unknown, tmp: string) {
  const file = join(tmp, "ceiling-body.json");
  await writeFile(file, JSON.stringify(body));
  return startHelper<{ url: string }>(fileURLToPath(new URL("ceiling.ts", import.meta.url)), { CEILING_BODY_FILE: file });
}

/** The strict fake Google Calendar (bench/_fake-google.ts) in a process of its own. */
export async function startFakeGoogle(publicKeyPem: string, email: string) {
  return startHelper<{ url: string; tokenUrl: string; inspect: string }>(fileURLToPath(new URL("../_fake-google.ts", import.meta.url)), {
    FAKE_GOOGLE_PUBLIC_KEY: publicKeyPem,
    FAKE_GOOGLE_EMAIL: email,
  });
}

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Answers wrk counts as failures: status ≥ 400 (it counts 2xx and 3xx as fine). */
  errorStatuses: number;
  socketErrors: number;
}

function ms(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) throw new Error(`wrk: cannot read the latency "${value}"`);
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000;
}

/** wrk's --latency report → figures. */
export function parseWrk(out: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  const total = /^\s+(\d+) requests in/m.exec(out);
  if (!rps || !p50 || !p99 || !total) throw new Error(`wrk: unexpected output:\n${out}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSec: Math.round(Number(rps[1])),
    p50Ms: Math.round(ms(p50[1]!) * 100) / 100,
    p99Ms: Math.round(ms(p99[1]!) * 100) / 100,
    requests: Number(total[1]),
    errorStatuses: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

/** `wrk -t1 -c<connections> -d<seconds>s --latency` as a child process; headers through a small Lua script. */
export async function wrk(url: string, options: { seconds: number; connections?: number; headers?: Record<string, string>; tmp: string }): Promise<LoadResult> {
  const args = ["-t1", `-c${options.connections ?? 50}`, `-d${options.seconds}s`, "--latency", "--timeout", "10s"];
  const headers = Object.entries(options.headers ?? {});
  if (headers.length > 0) {
    const script = join(options.tmp, `wrk-${Math.random().toString(36).slice(2)}.lua`);
    await writeFile(script, headers.map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join("\n") + "\n");
    args.push("-s", script);
  }
  args.push(url);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.env.WRK ?? "wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", (err) => reject(new Error(`wrk could not start (${err.message}); install it (apt-get install wrk) or set WRK`)));
    child.once("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`wrk exited with ${code}: ${stderr || stdout}`))));
  });
  return parseWrk(out);
}
