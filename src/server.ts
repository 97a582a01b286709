import { buildApp } from "./app.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createDb, dbConfigFrom } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import { bootstrapAdmin } from "./services/bootstrap.ts";
import { rollPatternsForward } from "./services/shift-patterns.ts";

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`rota: ${err.message}`);
    process.exit(1);
  }
  throw err;
}

const handle = await createDb(dbConfigFrom(config));
await migrate(handle);
const app = await buildApp({ config, db: handle.db });
app.log.info({ database: handle.kind === "pglite" ? `pglite:${config.dataDir}` : "postgres" }, "database migrated");

const boot = await bootstrapAdmin(handle.db, { token: config.bootstrapToken, email: config.bootstrapEmail, now: new Date() });
if (boot?.generated) {
  // The one time a token is logged: nobody else can hand it to the first admin.
  app.log.warn(
    `Created the first admin (${boot.email}). Their API token, shown only now: ${boot.token}  — e.g. curl -H "Authorization: Bearer ${boot.token}" http://localhost:${config.port}/v1/me`,
  );
} else if (boot) {
  app.log.info(`Created the first admin (${boot.email}) with the token from ROTA_BOOTSTRAP_TOKEN`);
}

// Keeps recurring shift patterns materialised ahead. Every instance runs it;
// an advisory lock lets one do the work each time.
const ROLL_FORWARD_EVERY_MS = 60 * 60 * 1000;
async function rollForward() {
  try {
    const result = await rollPatternsForward(handle.db, new Date());
    if (result && result.created + result.skipped > 0) app.log.info(result, "shift patterns rolled forward");
  } catch (err) {
    app.log.error({ err }, "rolling shift patterns forward failed");
  }
}
const rollTimer = setInterval(() => void rollForward(), ROLL_FORWARD_EVERY_MS);
rollTimer.unref();
void rollForward();

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, "shutting down");
  clearInterval(rollTimer);
  try {
    await app.close(); // stops accepting, lets in-flight requests finish
    await handle.close();
    process.exit(0);
  } catch (err) {
    app.log.error({ err }, "unclean shutdown");
    process.exit(1);
  }
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

await app.listen({ port: config.port, host: config.host });
