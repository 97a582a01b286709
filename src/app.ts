import { randomUUID } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from "fastify";
import fp from "fastify-plugin";
import { DEFAULT_IDEMPOTENCY_TTL_MS, DEFAULT_SLACK_DEADLINE_MS, DEFAULT_SLACK_RESPONSE_URL_PREFIX, type Config } from "./config.ts";
import type { Db } from "./db/client.ts";
import { errorForLog } from "./http/error-log.ts";
import { openApiOptions } from "./http/openapi.ts";
import { authPlugin } from "./http/plugins/auth.ts";
import { clientErrorHandler, errorsPlugin, frameworkErrors } from "./http/plugins/errors.ts";
import { idempotencyPlugin } from "./http/plugins/idempotency.ts";
import { jsonBodyPlugin } from "./http/plugins/json-body.ts";
import { limitsOptions, limitsPlugin, type LimitsOptions } from "./http/plugins/limits.ts";
import { schemasPlugin } from "./http/plugins/schemas.ts";
import { webPlugin } from "./http/plugins/web.ts";
import { v1Routes } from "./http/routes/index.ts";
import { healthRoutes } from "./http/routes/health/index.ts";
import { FeedCache } from "./services/feeds.ts";
import type { ChangeFeed } from "./db/changes.ts";
import { ActorCache } from "./services/tokens.ts";
import { OnCallCache } from "./services/oncall.ts";
import { createSecretBox, type SecretBox } from "./services/secrets.ts";
import { SlackResponder } from "./services/slack-responses.ts";
import { configureValidation } from "./http/validation.ts";

export interface AppOptions {
  config: Pick<Config, "logLevel" | "bodyLimitBytes" | "publicUrl"> & LimitsOptions & Partial<Pick<Config, "trustProxy" | "idempotencyTtlMs" | "secretKey" | "slackDeadlineMs" | "slackResponseUrlPrefixes">>;
  db: Db;
  /** Where the log's JSON lines go (stdout when absent); tests capture it. */
  logStream?: { write(line: string): void };
  /** The time a request is made at (read once per request); tests may pin it. */
  clock?: () => Date;
  /** NOTIFY rota_changes, listened to: without it (or while it is down) the hot paths' caches serve nothing. */
  changes?: ChangeFeed;
}

declare module "fastify" {
  interface FastifyInstance {
    /** The database every route and hook uses: decorated once, here. */
    db: Db;
    /** The clock `request.ctx.now` is read from. */
    clock: () => Date;
    /** One on-call timeline cache per app instance, shared by /oncall and Slack. */
    onCallCache: OnCallCache;
    /** Callers by token hash, dropped on every instance when tokens, people or lead flags change. */
    actorCache: ActorCache;
    /** Rendered iCal feeds and schedule timelines of this instance. */
    feedCache: FeedCache;
    /** ROTA_PUBLIC_URL: the base of feed URLs and UIDs (else the request's host). */
    publicUrl: string | undefined;
    /** The box over ROTA_SECRET_KEY, built once; undefined without a key (no secret can be stored). */
    secrets: SecretBox | undefined;
    /** Slack answers: inline within the deadline, else through response_url (ROTA_SLACK_*); drained on close. */
    slackResponder: SlackResponder;
  }
}

/** Secrets can sit in URLs (feed tokens): never log them. */
export function redactUrl(url: string): string {
  return url.replace(/(\/feeds\/)[^/?.]+/, "$1[redacted]");
}

function loggerOptions(level: string, stream: AppOptions["logStream"]): FastifyServerOptions["logger"] {
  if (level === "silent") return false;
  return {
    level,
    ...(stream ? { stream } : {}),
    // Request lines carry no headers (see `req`); these catch a headers object logged on purpose.
    redact: [
      "req.headers.authorization",
      "req.headers.cookie",
      'req.headers["x-slack-signature"]',
      "headers.authorization",
      "headers.cookie",
      'headers["x-slack-signature"]',
    ],
    serializers: {
      // Never a query's parameters or PostgreSQL's `detail`: they carry token hashes and signing secrets.
      err: errorForLog,
      req: (req: { method: string; url: string; ip?: string; id?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.ip,
      }),
    },
  };
}

/** The Fastify server options: logger, limits, framework error handlers. Only the constructor takes these. */
/** A date-time whose `+hh:mm` offset lost its `+` to URL form decoding. */
const SPACED_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)? \d{2}(:?\d{2})?$/;

export function serverOptions(config: AppOptions["config"], logStream?: AppOptions["logStream"]): FastifyServerOptions {
  return {
    logger: loggerOptions(config.logLevel, logStream),
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
    trustProxy: config.trustProxy ?? false,
    frameworkErrors,
    clientErrorHandler,
  };
}

/**
 * The whole API as one plugin, as in fastify/demo: server.ts and tests
 * register it on a Fastify built with `serverOptions`. Layers, in order:
 * external (JSON parsing, errors, limits, OpenAPI), app (the database and
 * services decorated once, auth building `request.ctx`, idempotency), then
 * routes (src/http/routes, one folder per resource).
 */
export const rotaApp = fp(
  async (app: FastifyInstance, { config, db, clock = () => new Date(), changes }: Omit<AppOptions, "logStream">) => {
    configureValidation(app);
    // `at=2026-12-24T18:00:00+05:30` pasted unencoded arrives with a space where the `+` stood
    // (form decoding); a date-time cannot hold a space there, so it is read back as the `+` it was.
    app.addHook("preValidation", async (request) => {
      const query = request.query as Record<string, unknown> | undefined;
      if (!query || typeof query !== "object") return;
      for (const [key, value] of Object.entries(query)) {
        if (typeof value === "string" && SPACED_OFFSET.test(value)) query[key] = value.replace(" ", "+");
      }
    });
    await app.register(schemasPlugin);
    // JSON only: Fastify's text/plain parser would turn a wrong Content-Type into a confusing 400.
    app.removeContentTypeParser("text/plain");
    await app.register(jsonBodyPlugin);
    app.addHook("onSend", async (request, reply, payload) => {
      reply.header("x-request-id", request.id);
      return payload;
    });

    await app.register(errorsPlugin);
    await app.register(limitsPlugin, limitsOptions(config));
    await app.register(swagger, openApiOptions(config.publicUrl));
    await app.register(swaggerUi, { routePrefix: "/docs" });

    app.decorate("db", db);
    app.decorate("clock", clock);
    app.decorate("onCallCache", new OnCallCache(changes));
    app.decorate("actorCache", new ActorCache(changes));
    // A write here is seen by this instance's next request at once, before its own NOTIFY comes back:
    // caches are dropped as the answer goes out, and again once it has gone.
    const writes = (request: FastifyRequest) => request.method !== "GET" && request.method !== "HEAD" && request.method !== "OPTIONS";
    app.addHook("onSend", async (request, _reply, payload) => {
      if (writes(request)) changes?.emit("all");
      return payload;
    });
    app.addHook("onResponse", async (request) => {
      if (writes(request)) changes?.emit("all");
    });
    app.decorate("feedCache", new FeedCache(undefined, undefined, changes));
    app.decorate("publicUrl", config.publicUrl);
    app.decorate("secrets", config.secretKey ? createSecretBox(config.secretKey) : undefined);
    const slackResponder = new SlackResponder({
      deadlineMs: config.slackDeadlineMs ?? DEFAULT_SLACK_DEADLINE_MS,
      allowedPrefixes: config.slackResponseUrlPrefixes ?? [DEFAULT_SLACK_RESPONSE_URL_PREFIX],
    });
    app.decorate("slackResponder", slackResponder);
    // Answers still on their way to a response_url are sent before the database closes.
    app.addHook("onClose", async () => slackResponder.drain());

    await app.register(healthRoutes);
    await app.register(webPlugin);
    await app.register(
      async (v1) => {
        await v1.register(authPlugin);
        await v1.register(idempotencyPlugin, { ttlMs: config.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS });
        for (const routes of v1Routes) await v1.register(routes);
      },
      { prefix: "/v1" },
    );
  },
  { name: "rota", fastify: "5.x" },
);

/** Fastify with the API registered: the one-liner for scripts, benches and tests that need no options of their own. */
export async function buildApp({ logStream, ...options }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(options.config, logStream)).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(rotaApp, options);
  return app;
}
