import Fastify from "fastify";
import { rotaApp, serverOptions } from "./app.ts";
import { loadConfigOrExit, type Config } from "./config.ts";
import { ChangeFeed } from "./db/changes.ts";
import { createDb, dbConfigFrom } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import { applyServerTimeouts } from "./http/plugins/limits.ts";
import { startJobs } from "./jobs/worker.ts";
import { bootstrapAdmin } from "./services/bootstrap.ts";
import { sealClearSlackSecrets } from "./services/slack.ts";

const config: Config = loadConfigOrExit();

const handle = await createDb(dbConfigFrom(config));
await migrate(handle);
const app = Fastify(serverOptions(config));
// NOTIFY rota_changes keeps this instance's caches of callers, people and schedules true to the database.
const changes = new ChangeFeed();
await changes.start(handle, app.log);
await app.register(rotaApp, { config, db: handle.db, changes });
applyServerTimeouts(app.server, config);
app.log.info({ database: handle.kind === "pglite" ? `pglite:${config.dataDir}` : "postgres" }, "database migrated");

// Slack signing secrets stored in clear before encryption (migration 0010) are sealed now, if a key is set.
const slackSecrets = await sealClearSlackSecrets(handle.db, app.secrets);
if (slackSecrets.sealed > 0) app.log.info({ sealed: slackSecrets.sealed }, "sealed Slack signing secrets stored in clear with ROTA_SECRET_KEY");
if (slackSecrets.inClear > 0) {
  app.log.warn({ inClear: slackSecrets.inClear }, "Slack signing secrets are still stored in clear: set ROTA_SECRET_KEY (openssl rand -base64 32) and restart to encrypt them");
}

const boot = await bootstrapAdmin(handle.db, { token: config.bootstrapToken, email: config.bootstrapEmail, now: new Date() });
if (boot?.generated) {
  // The one time a token is logged: nobody else can hand it to the first admin.
  app.log.warn(
    `Created the first admin (${boot.email}). Their API token, shown only now: ${boot.token}  — e.g. curl -H "Authorization: Bearer ${boot.token}" http://localhost:${config.port}/v1/me`,
  );
} else if (boot) {
  app.log.info(`Created the first admin (${boot.email}) with the token from ROTA_BOOTSTRAP_TOKEN`);
}

// The job queue's worker (pg-boss): hourly housekeeping (patterns rolled forward, old
// idempotency keys forgotten) runs once per hour across all instances. ROTA_WORKER=off leaves
// it to `npm run worker` processes.
const jobs = config.worker ? await startJobs(handle, config, app.log) : null;

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, "shutting down");
  try {
    await app.close(); // stops accepting, lets in-flight requests finish
    await jobs?.stop(); // lets a running job finish, before the database closes
    await changes.stop();
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
