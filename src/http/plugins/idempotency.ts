import { createHash } from "node:crypto";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { Db } from "../../db/client.ts";
import { idempotencyKeys } from "../../db/schema/index.ts";
import { DomainError } from "../../domain/errors.ts";
import { IDEMPOTENCY_TTL_MS } from "../idempotency-ttl.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Opt a POST route in to `Idempotency-Key` handling. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotencyClaim: { actorId: string; key: string } | null;
  }
}

/** A claim whose request never finished (process died) may be taken over after this. */
const ABANDONED_CLAIM_MS = 60 * 1000;
const REPLAYED_HEADERS = ["content-type", "location", "etag"] as const;

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * `Idempotency-Key` for POSTs that opt in: the first request with a key
 * claims it in the database before the handler runs; a retry with the same
 * key and body gets the stored response (`Idempotent-Replayed: true`); the
 * same key with another body is a 422; a retry while the first is still
 * running is a 409. Responses of 5xx are not remembered, so those retry.
 * Keys are per caller and live 24 hours.
 */
export const idempotencyPlugin = fp(async (app: FastifyInstance, options: { db: Db }) => {
  const { db } = options;
  app.decorateRequest("idempotencyClaim", null);

  app.addHook("preHandler", async (request, reply) => {
    if (request.method !== "POST" || !request.routeOptions.config?.idempotent || !request.actor) return;
    const raw = request.headers["idempotency-key"];
    if (raw === undefined) return;
    const key = Array.isArray(raw) ? raw[0] ?? "" : raw;
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new DomainError("validation", "Idempotency-Key must be 1–255 visible ASCII characters", { field: "Idempotency-Key" });
    }
    const actorId = request.actor.personId;
    const path = request.url.split("?")[0] ?? request.url;
    const requestHash = createHash("sha256").update(`POST ${path}\n${canonicalJson(request.body ?? null)}`).digest("hex");
    const now = new Date();

    const claimed = await db
      .insert(idempotencyKeys)
      .values({ actorId, key, method: "POST", path, requestHash, createdAt: now })
      .onConflictDoUpdate({
        target: [idempotencyKeys.actorId, idempotencyKeys.key],
        // Take over an expired key, or a claim abandoned by a crashed request.
        set: { path, requestHash, createdAt: now, responseStatus: null, responseHeaders: null, responseBody: null, completedAt: null },
        setWhere: or(
          lt(idempotencyKeys.createdAt, new Date(now.getTime() - IDEMPOTENCY_TTL_MS)),
          and(isNull(idempotencyKeys.completedAt), lt(idempotencyKeys.createdAt, new Date(now.getTime() - ABANDONED_CLAIM_MS))),
        ),
      })
      .returning({ key: idempotencyKeys.key });
    if (claimed.length > 0) {
      request.idempotencyClaim = { actorId, key };
      return;
    }

    const [stored] = await db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.actorId, actorId), eq(idempotencyKeys.key, key)));
    if (!stored) throw new DomainError("idempotency_in_progress", "The Idempotency-Key changed hands; retry");
    if (stored.requestHash !== requestHash) {
      throw new DomainError("idempotency_key_reused", "This Idempotency-Key was used for a different request; use a new key", {
        field: "Idempotency-Key",
      });
    }
    if (stored.responseStatus === null) {
      throw new DomainError("idempotency_in_progress", "A request with this Idempotency-Key is still being processed; retry shortly");
    }
    reply.code(stored.responseStatus).headers({ ...stored.responseHeaders, "idempotent-replayed": "true" });
    return reply.send(stored.responseBody);
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = null;
    const where = and(eq(idempotencyKeys.actorId, claim.actorId), eq(idempotencyKeys.key, claim.key));
    if (reply.statusCode >= 500) {
      await db.delete(idempotencyKeys).where(where);
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    await db
      .update(idempotencyKeys)
      .set({
        responseStatus: reply.statusCode,
        responseHeaders: headers,
        responseBody: typeof payload === "string" ? payload : payload == null ? "" : String(payload),
        completedAt: sql`now()`,
      })
      .where(where);
    return payload;
  });
});
