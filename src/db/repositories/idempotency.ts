import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { idempotencyKeys } from "../schema/index.ts";

export type StoredIdempotencyKey = typeof idempotencyKeys.$inferSelect;

export interface IdempotencyClaimInput {
  actorId: string;
  key: string;
  path: string;
  requestHash: string;
  now: Date;
  /** A key older than this is expired: a new request takes it over. */
  ttlMs: number;
  /** A claim never completed and older than this was abandoned by a crashed request: it is taken over too. */
  abandonedAfterMs: number;
}

function byKey(actorId: string, key: string) {
  return and(eq(idempotencyKeys.actorId, actorId), eq(idempotencyKeys.key, key));
}

/**
 * Claims `(actorId, key)` in `tx`: inserts it, or takes over an expired or
 * abandoned one. True when claimed. On PostgreSQL a concurrent claim of the
 * same key waits here until the first transaction commits or rolls back.
 */
export async function claimIdempotencyKey(tx: Db, input: IdempotencyClaimInput): Promise<boolean> {
  const { actorId, key, path, requestHash, now } = input;
  const claimed = await tx
    .insert(idempotencyKeys)
    .values({ actorId, key, method: "POST", path, requestHash, createdAt: now })
    .onConflictDoUpdate({
      target: [idempotencyKeys.actorId, idempotencyKeys.key],
      set: { path, requestHash, createdAt: now, responseStatus: null, responseHeaders: null, responseBody: null, completedAt: null },
      setWhere: or(
        lt(idempotencyKeys.createdAt, new Date(now.getTime() - input.ttlMs)),
        and(isNull(idempotencyKeys.completedAt), lt(idempotencyKeys.createdAt, new Date(now.getTime() - input.abandonedAfterMs))),
      ),
    })
    .returning({ key: idempotencyKeys.key });
  return claimed.length > 0;
}

export async function findIdempotencyKey(tx: Db, actorId: string, key: string): Promise<StoredIdempotencyKey | undefined> {
  const [stored] = await tx.select().from(idempotencyKeys).where(byKey(actorId, key));
  return stored;
}

/** Stores a claimed key's outcome, in the transaction that did the write. */
export async function storeIdempotentResponse(
  tx: Db,
  actorId: string,
  key: string,
  response: { status: number; headers: Record<string, string>; body: string },
): Promise<void> {
  await tx
    .update(idempotencyKeys)
    .set({ responseStatus: response.status, responseHeaders: response.headers, responseBody: response.body, completedAt: sql`now()` })
    .where(byKey(actorId, key));
}

export async function deleteIdempotencyKey(tx: Db, actorId: string, key: string): Promise<void> {
  await tx.delete(idempotencyKeys).where(byKey(actorId, key));
}

/** Forgets keys created before `cutoff`; returns how many. Idempotent, safe on every instance at once. */
export async function pruneIdempotencyKeysOlderThan(db: Db, cutoff: Date): Promise<number> {
  const pruned = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, cutoff)).returning({ key: idempotencyKeys.key });
  return pruned.length;
}
