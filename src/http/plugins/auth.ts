import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Db } from "../../db/client.ts";
import { DomainError } from "../../domain/errors.ts";
import type { Actor, ServiceContext } from "../../services/context.ts";
import { authenticate } from "../../services/tokens.ts";

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** false for routes that authenticate otherwise (feeds by secret URL, Slack by signature). */
    auth?: boolean;
  }
}

function unauthorized(detail: string): DomainError {
  return new DomainError("unauthorized", detail);
}

/**
 * Bearer-token authentication for every route in the scope it is registered
 * in, unless the route says `config: { auth: false }`. 401 answers carry
 * `WWW-Authenticate` as RFC 6750 asks.
 */
export const authPlugin = fp(async (app: FastifyInstance, options: { db: Db }) => {
  app.decorateRequest("actor", null);
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.config?.auth === false) return;
    const header = request.headers.authorization;
    if (!header) {
      reply.header("www-authenticate", 'Bearer realm="rota"');
      throw unauthorized("Send an API token as `Authorization: Bearer rota_…`");
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const actor = match?.[1] ? await authenticate(options.db, match[1], new Date()) : undefined;
    if (!actor) {
      reply.header("www-authenticate", 'Bearer realm="rota", error="invalid_token"');
      throw unauthorized("The API token is unknown, revoked, or belongs to a deactivated person");
    }
    request.actor = actor;
  });
});

/**
 * The service context for an authenticated request; `now` is read once per
 * request. When the request runs in a transaction (an idempotent POST with a
 * key), the service writes in it, so its own transactions become savepoints.
 */
export function contextOf(request: FastifyRequest, db: Db): ServiceContext {
  if (!request.actor) throw unauthorized("This route needs an authenticated caller");
  return { db: request.transaction ?? db, actor: request.actor, requestId: request.id, now: new Date() };
}
