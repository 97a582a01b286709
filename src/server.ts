import Fastify from "fastify";
import { rotaApp, serverOptions } from "./app.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createDb, dbConfigFrom } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import { applyServerTimeouts } from "./http/plugins/limits.ts";
import { bootstrapAdmin } from "./services/bootstrap.ts";
import { runMaintenance } from "./services/maintenance.ts";

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
const app = Fastify(serverOptions(config));
await app.register(rotaApp, { config, db: handle.db });
applyServerTimeouts(app.server, config);
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

// Hourly housekeeping (patterns rolled forward, old idempotency keys
// forgotten). Every instance runs it; the database coordinates them.
const MAINTENANCE_EVERY_MS = 60 * 60 * 1000;
async function maintain() {
  try {
    const result = await runMaintenance(handle.db, new Date(), { idempotencyTtlMs: config.idempotencyTtlMs });
    const rolled = result.patterns ? result.patterns.created + result.patterns.skipped : 0;
    if (rolled > 0 || result.idempotencyKeysPruned > 0) app.log.info(result, "maintenance done");
  } catch (err) {
    app.log.error({ err }, "maintenance failed");
  }
}
const maintenanceTimer = setInterval(() => void maintain(), MAINTENANCE_EVERY_MS);
maintenanceTimer.unref();
void maintain();

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, "shutting down");
  clearInterval(maintenanceTimer);
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
