import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { DomainError } from "../../domain/errors.ts";
import type { Actor, ServiceContext } from "../../services/context.ts";
import { authenticate } from "../../services/tokens.ts";

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | null;
    /** When the request arrived, by `app.clock`: the one `now` its use case sees. */
    now: Date;
    /**
     * The service context of an authenticated request: the caller, the
     * database (the request's transaction when an idempotent POST opened one,
     * so the service's own transactions become savepoints), the request id
     * and `now`. Reading it on a route with `auth: false` is a 401.
     */
    readonly ctx: ServiceContext;
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
export const authPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest("actor", null);
    app.decorateRequest("now", null as unknown as Date);
    app.decorateRequest("ctx", {
      getter(this: FastifyRequest): ServiceContext {
        if (!this.actor) throw unauthorized("This route needs an authenticated caller");
        return { db: this.transaction ?? app.db, actor: this.actor, requestId: this.id, now: this.now, secrets: app.secrets };
      },
    });
    app.addHook("onRequest", async (request, reply) => {
      request.now = app.clock();
      if (request.routeOptions.config?.auth === false) return;
      const header = request.headers.authorization;
      if (!header) {
        reply.header("www-authenticate", 'Bearer realm="rota"');
        throw unauthorized("Send an API token as `Authorization: Bearer rota_…`");
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const actor = match?.[1] ? await authenticate(app.db, match[1], request.now, app.actorCache) : undefined;
      if (!actor) {
        reply.header("www-authenticate", 'Bearer realm="rota", error="invalid_token"');
        throw unauthorized("The API token is unknown, revoked, or belongs to a deactivated person");
      }
      request.actor = actor;
    });
  },
  { name: "auth" },
);
