import { loadConfigOrExit, type Config } from "./config.ts";
import { createDb, dbConfigFrom } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import { startJobs, type JobLog } from "./jobs/worker.ts";

// `npm run worker`: the job queue's worker alone, no HTTP, for scale-out (run `npm start`
// with ROTA_WORKER=off beside it). On PGlite only one process can open the data directory,
// so this is for PostgreSQL.

const config: Config = loadConfigOrExit();

// One JSON line per event, like the server's pino output.
function line(level: number, obj: object, msg?: string) {
  const fields = Object.fromEntries(
    Object.entries(obj).map(([k, v]) => [k, v instanceof Error ? { type: v.name, message: v.message, stack: v.stack } : v]),
  );
  console.log(JSON.stringify({ level, time: Date.now(), pid: process.pid, name: "rota-worker", ...fields, msg }));
}
const quiet = config.logLevel === "silent" || config.logLevel === "fatal";
const log: JobLog = {
  info: (obj, msg) => {
    if (!quiet && config.logLevel !== "error" && config.logLevel !== "warn") line(30, obj, msg);
  },
  error: (obj, msg) => {
    if (!quiet) line(50, obj, msg);
  },
};

const handle = await createDb(dbConfigFrom(config));
await migrate(handle);
const jobs = await startJobs(handle, config, log);
log.info({ database: handle.kind === "pglite" ? `pglite:${config.dataDir}` : "postgres" }, "worker started");

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log.info({ signal }, "shutting down");
  try {
    await jobs.stop(); // lets a running job finish
    await handle.close();
    process.exit(0);
  } catch (err) {
    log.error({ err }, "unclean shutdown");
    process.exit(1);
  }
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
