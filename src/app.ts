import { randomUUID } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { sql } from "drizzle-orm";
import { Type } from "typebox";
import { DEFAULT_IDEMPOTENCY_TTL_MS, type Config } from "./config.ts";
import type { Db } from "./db/client.ts";
import { errorForLog } from "./http/error-log.ts";
import { openApiOptions } from "./http/openapi.ts";
import { authPlugin } from "./http/plugins/auth.ts";
import { clientErrorHandler, errorsPlugin, frameworkErrors, problem, sendProblem } from "./http/plugins/errors.ts";
import { idempotencyPlugin } from "./http/plugins/idempotency.ts";
import { jsonBodyPlugin } from "./http/plugins/json-body.ts";
import { limitsOptions, limitsPlugin, type LimitsOptions } from "./http/plugins/limits.ts";
import { auditRoutes } from "./http/routes/audit/index.ts";
import { dutyRoutes } from "./http/routes/duty/index.ts";
import { meRoutes } from "./http/routes/me/index.ts";
import { onCallRoutes } from "./http/routes/oncall/index.ts";
import { scheduleRoutes } from "./http/routes/schedules/index.ts";
import { slackRoutes } from "./http/routes/slack/index.ts";
import { OnCallCache } from "./services/oncall.ts";
import { peopleRoutes } from "./http/routes/people/index.ts";
import { teamRoutes } from "./http/routes/teams/index.ts";
import { shiftPatternRoutes } from "./http/routes/shift-patterns/index.ts";
import { shiftRoutes } from "./http/routes/shifts/index.ts";
import { teamScheduleRoutes } from "./http/routes/team-schedule/index.ts";
import { swapRoutes } from "./http/routes/swaps/index.ts";
import { timeOffRoutes } from "./http/routes/time-off/index.ts";
import { tokenRoutes } from "./http/routes/tokens/index.ts";
import { errorResponses } from "./http/schemas.ts";
import { configureValidation } from "./http/validation.ts";

export interface AppOptions {
  config: Pick<Config, "logLevel" | "bodyLimitBytes" | "publicUrl"> & LimitsOptions & Partial<Pick<Config, "trustProxy" | "idempotencyTtlMs">>;
  db: Db;
  /** Where the log's JSON lines go (stdout when absent); tests capture it. */
  logStream?: { write(line: string): void };
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

/** Builds the whole API. No port, no process handlers: server.ts and tests own those. */
export async function buildApp({ config, db, logStream }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config.logLevel, logStream),
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
    trustProxy: config.trustProxy ?? false,
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  configureValidation(app);
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

  app.get(
    "/healthz",
    {
      schema: {
        tags: ["meta"],
        summary: "Liveness and database reachability",
        security: [],
        response: { 200: Type.Object({ status: Type.Literal("ok") }), ...errorResponses(503) },
      },
    },
    async (request, reply) => {
      try {
        await db.execute(sql`SELECT 1`);
        return { status: "ok" as const };
      } catch (err) {
        request.log.error({ err }, "database unreachable");
        return sendProblem(reply, problem("unavailable", 503, "The database is unreachable"));
      }
    },
  );

  await app.register(
    async (v1) => {
      await v1.register(authPlugin, { db });
      await v1.register(idempotencyPlugin, { db, ttlMs: config.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS });
      await v1.register(meRoutes, { db });
      await v1.register(peopleRoutes, { db });
      await v1.register(teamRoutes, { db });
      await v1.register(tokenRoutes, { db });
      await v1.register(teamScheduleRoutes, { db });
      await v1.register(shiftRoutes, { db });
      await v1.register(shiftPatternRoutes, { db });
      await v1.register(dutyRoutes, { db });
      await v1.register(scheduleRoutes, { db });
      // One timeline cache per app instance, shared by /oncall and Slack.
      const cache = new OnCallCache();
      await v1.register(onCallRoutes, { db, cache });
      await v1.register(slackRoutes, { db, cache });
      await v1.register(timeOffRoutes, { db });
      await v1.register(swapRoutes, { db });
      await v1.register(auditRoutes, { db });
    },
    { prefix: "/v1" },
  );

  return app;
}
