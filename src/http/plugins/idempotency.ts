import { createHash } from "node:crypto";
import type { FastifyContextConfig, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { Db } from "../../db/client.ts";
import {
  claimIdempotencyKey,
  findIdempotencyKey,
  storeIdempotentResponse,
  type StoredIdempotencyKey,
} from "../../db/repositories/idempotency.ts";
import { DomainError } from "../../domain/errors.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Opt a POST route in to `Idempotency-Key` handling. `secretFields` are
     * response fields shown once and never stored (a new token's secret): a
     * retry cannot get them back and answers 409 `idempotency_secret_unavailable`.
     */
    idempotent?: boolean | { secretFields: readonly string[] };
  }
  interface FastifyRequest {
    /** The transaction an idempotent request's writes run in, with its key's claim and stored outcome; null otherwise. */
    transaction: Db | null;
    idempotencyClaim: IdempotencyClaim | null;
  }
}

interface IdempotencyClaim {
  actorId: string;
  key: string;
  transaction: OpenTransaction;
}

/** Claims left by a crashed request under an older version, which stored outcomes outside the write's transaction. */
const ABANDONED_CLAIM_MS = 60 * 1000;
const REPLAYED_HEADERS = ["content-type", "location", "etag"] as const;

/** A transaction left open across a request's hooks, committed or rolled back by `end`. */
interface OpenTransaction {
  tx: Db;
  /** Commits (rejecting if the commit fails) or rolls back; a failed rollback leaves nothing committed either, so it does not throw. */
  end(commit: boolean): Promise<void>;
}

const ROLLBACK = Symbol("rollback");

async function openTransaction(db: Db): Promise<OpenTransaction> {
  let decide!: (commit: boolean) => void;
  const decision = new Promise<boolean>((resolve) => (decide = resolve));
  let opened!: (tx: Db) => void;
  const ready = new Promise<Db>((resolve) => (opened = resolve));
  const finished = db.transaction(async (tx) => {
    opened(tx);
    if (!(await decision)) throw ROLLBACK;
  });
  // BEGIN failing rejects `finished` before the callback ever runs.
  const tx = await Promise.race([ready, finished.then(() => ready)]);
  let ended: Promise<void> | undefined;
  return {
    tx,
    end(commit) {
      if (!ended) {
        decide(commit);
        ended = finished.catch((error: unknown) => {
          if (commit && error !== ROLLBACK) throw error;
        });
      }
      return ended;
    },
  };
}

function secretFieldsOf(config: FastifyContextConfig | undefined): readonly string[] {
  const idempotent = config?.idempotent;
  return typeof idempotent === "object" ? idempotent.secretFields : [];
}

/** The response as stored: a JSON object's secret fields dropped. */
function storedBody(payload: unknown, secretFields: readonly string[]): string {
  const body = typeof payload === "string" ? payload : payload == null ? "" : String(payload);
  if (secretFields.length === 0) return body;
  try {
    const parsed: unknown = JSON.parse(body);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return body;
    const kept = Object.fromEntries(Object.entries(parsed).filter(([name]) => !secretFields.includes(name)));
    return JSON.stringify(kept);
  } catch {
    return "";
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * `Idempotency-Key` for POSTs that opt in. The first request with a key
 * opens a transaction, claims the key in it, runs the handler's writes in it
 * (`request.transaction`, which `request.ctx` hands to the service) and stores
 * the response in it before committing; only then does the response go out.
 * So a key's outcome is stored exactly when the write is: a crash at any
 * point leaves neither, and the retry runs again. A 5xx rolls back both, so
 * it can be retried. A retry while the first runs waits for it on the key's
 * row, then gets the stored response (`Idempotent-Replayed: true`); the same
 * key with another body is a 422. Keys are per caller and live `ttlMs`
 * (config `idempotencyTtlMs`, ROTA_IDEMPOTENCY_TTL_HOURS, 24 hours by default).
 *
 * While that transaction is open, the request must not touch the database
 * other than through it (PGlite has one connection: it would wait forever).
 */
export const idempotencyPlugin = fp(async (app: FastifyInstance, options: { ttlMs: number }) => {
  const { ttlMs } = options;
  const { db } = app;
  app.decorateRequest("transaction", null);
  app.decorateRequest("idempotencyClaim", null);

  app.addHook("preHandler", async (request, reply) => {
    if (request.method !== "POST" || !request.routeOptions.config?.idempotent || !request.actor) return;
    const raw = request.headers["idempotency-key"];
    if (raw === undefined) return;
    const key = Array.isArray(raw) ? raw[0] ?? "" : raw;
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new DomainError("invalid_idempotency_key", "Idempotency-Key must be 1–255 visible ASCII characters", { field: "Idempotency-Key" });
    }
    const actorId = request.actor.personId;
    const path = request.url.split("?")[0] ?? request.url;
    const requestHash = createHash("sha256").update(`POST ${path}\n${canonicalJson(request.body ?? null)}`).digest("hex");
    const now = new Date();

    const transaction = await openTransaction(db);
    let stored: StoredIdempotencyKey | undefined;
    try {
      // On PostgreSQL a concurrent request with this key waits here until the first commits or rolls back.
      const claimed = await claimIdempotencyKey(transaction.tx, {
        actorId,
        key,
        path,
        requestHash,
        now,
        ttlMs,
        abandonedAfterMs: ABANDONED_CLAIM_MS,
      });
      if (claimed) {
        request.idempotencyClaim = { actorId, key, transaction };
        request.transaction = transaction.tx;
        return;
      }
      stored = await findIdempotencyKey(transaction.tx, actorId, key);
    } finally {
      if (!request.idempotencyClaim) await transaction.end(false);
    }

    if (!stored) throw new DomainError("idempotency_in_progress", "The Idempotency-Key changed hands; retry");
    if (stored.requestHash !== requestHash) {
      throw new DomainError("idempotency_key_reused", "This Idempotency-Key was used for a different request; use a new key", {
        field: "Idempotency-Key",
      });
    }
    if (stored.responseStatus === null) {
      throw new DomainError("idempotency_in_progress", "A request with this Idempotency-Key is still being processed; retry shortly");
    }
    if (stored.responseStatus < 300 && secretFieldsOf(request.routeOptions.config).length > 0) {
      const createdId = (JSON.parse(stored.responseBody || "{}") as { id?: unknown }).id;
      throw new DomainError(
        "idempotency_secret_unavailable",
        "This Idempotency-Key already created the resource, but its secret is shown only once and is not kept. Revoke it and create another with a new key.",
        { field: "Idempotency-Key", details: { createdId: typeof createdId === "string" ? createdId : null } },
      );
    }
    reply.code(stored.responseStatus).headers({ ...stored.responseHeaders, "idempotent-replayed": "true" });
    return reply.send(stored.responseBody);
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = null;
    request.transaction = null;
    if (reply.statusCode >= 500) {
      await claim.transaction.end(false);
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const notStored = (error: unknown) => {
      // A refusal wrote nothing and stays what it was, only not remembered (a database error may have spoilt the transaction).
      if (reply.statusCode >= 400) return payload;
      // The write did not commit: never answer it as a success. The error handler turns this into a 500, which may be retried.
      reply.removeHeader("location");
      reply.removeHeader("etag");
      throw error;
    };
    try {
      await storeIdempotentResponse(claim.transaction.tx, claim.actorId, claim.key, {
        status: reply.statusCode,
        headers,
        body: storedBody(payload, secretFieldsOf(request.routeOptions.config)),
      });
    } catch (error) {
      await claim.transaction.end(false);
      return notStored(error);
    }
    try {
      await claim.transaction.end(true);
    } catch (error) {
      return notStored(error);
    }
    return payload;
  });

  // Every reply passes onSend; this only guards a request that ended without one (its socket died).
  app.addHook("onResponse", async (request) => {
    const claim = request.idempotencyClaim;
    if (!claim) return;
    request.idempotencyClaim = null;
    request.transaction = null;
    await claim.transaction.end(false);
  });
});
