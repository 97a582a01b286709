import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import type { Server } from "node:http";
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../../config.ts";
import { DomainError } from "../../domain/errors.ts";
import { errorResponses } from "../schemas.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** An unauthenticated route (Slack, feeds) opting in to the per-IP limit. */
    ipRateLimit?: boolean;
  }
}

export type LimitsOptions = Partial<Pick<Config, "rateLimitWritesPerMinute" | "rateLimitPublicPerMinute" | "corsOrigins" | "publicUrl">>;

export function limitsOptions(config: LimitsOptions): LimitsOptions {
  const { rateLimitWritesPerMinute, rateLimitPublicPerMinute, corsOrigins, publicUrl } = config;
  return { rateLimitWritesPerMinute, rateLimitPublicPerMinute, corsOrigins, publicUrl };
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const MINUTE_MS = 60_000;

function tooManyRequests(_request: FastifyRequest, context: { after: string }): DomainError {
  return new DomainError("rate_limited", `Too many requests; retry in ${context.after}`);
}

/**
 * Rate limits, security headers and CORS: everything that bounds what one
 * caller can ask of the server. Register before the routes (it attaches its
 * limiters as routes are added).
 *
 * - Writes on /v1 are limited per API token, counted after authentication so
 *   one noisy token never throttles another.
 * - Unauthenticated routes that set `config: { ipRateLimit: true }` are
 *   limited per client IP (IPv6 per /64).
 * Counters live in this instance's memory: with N instances a client gets up
 * to N times the limit (see README "Limits").
 * Absent or 0 limits mean off (tests, bench); server.ts passes the config's.
 */
export const limitsPlugin = fp(async (app: FastifyInstance, options: LimitsOptions) => {
  const writes = options.rateLimitWritesPerMinute ?? 0;
  const perIp = options.rateLimitPublicPerMinute ?? 0;

  await app.register(rateLimit, { global: false, errorResponseBuilder: tooManyRequests });
  const writeLimiter: onRequestHookHandler | undefined =
    writes > 0
      ? app.rateLimit({ max: writes, timeWindow: MINUTE_MS, keyGenerator: (request) => `token:${request.actor?.tokenId ?? request.ip}` })
      : undefined;
  const ipLimiter: onRequestHookHandler | undefined = perIp > 0 ? app.rateLimit({ max: perIp, timeWindow: MINUTE_MS }) : undefined;

  // Route-level onRequest hooks run after the scope's (the auth plugin's), so request.actor is known here.
  app.addHook("onRoute", (route) => {
    const perIpRoute = route.config?.ipRateLimit === true;
    const writeRoute = route.url.startsWith("/v1/") && route.config?.auth !== false && [route.method].flat().some((m) => WRITE_METHODS.has(m));
    if (!perIpRoute && !writeRoute) return;
    // Documented whatever this instance's config, so openapi.yaml does not depend on the environment.
    if (route.schema) route.schema.response = { ...errorResponses(429), ...(route.schema.response as object | undefined) };
    const limiter = perIpRoute ? ipLimiter : writeLimiter;
    if (limiter) route.onRequest = [...[route.onRequest ?? []].flat(), limiter];
  });

  await app.register(helmet, {
    frameguard: { action: "deny" },
    // Swagger UI (/docs) loads only its own scripts; its styles need 'unsafe-inline'.
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        "frame-ancestors": ["'none'"],
        "connect-src": ["'self'", ...(options.publicUrl ? [new URL(options.publicUrl).origin] : [])],
        // Plain-HTTP internal deployments would otherwise lose every asset.
        "upgrade-insecure-requests": null,
      },
    },
  });

  // Off unless origins are configured: browsers on other sites get no Access-Control-* headers.
  const origins = options.corsOrigins ?? [];
  if (origins.length > 0) {
    await app.register(cors, {
      origin: origins.includes("*") ? "*" : origins,
      methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      allowedHeaders: ["authorization", "content-type", "if-match", "if-none-match", "idempotency-key", "x-request-id"],
      exposedHeaders: ["etag", "location", "retry-after", "x-request-id", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"],
      maxAge: 600,
    });
  }
});

/**
 * Node's HTTP timeouts (server.ts, before listen): a slow or stalled client
 * cannot hold a connection forever (slowloris). The database side is bounded
 * by statement_timeout (ROTA_STATEMENT_TIMEOUT_MS).
 */
export function applyServerTimeouts(server: Server, config: Pick<Config, "requestTimeoutMs" | "connectionTimeoutMs" | "keepAliveTimeoutMs">): void {
  server.requestTimeout = config.requestTimeoutMs;
  // Node wants headersTimeout <= requestTimeout.
  server.headersTimeout = config.requestTimeoutMs > 0 ? Math.min(config.requestTimeoutMs, 60_000) : 60_000;
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.setTimeout(config.connectionTimeoutMs);
}
