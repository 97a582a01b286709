import type { Db } from "../db/client.ts";
import { pruneIdempotencyKeysOlderThan } from "../db/repositories/idempotency.ts";
import { rollPatternsForward } from "./shift-patterns.ts";

/**
 * The hourly housekeeping: extend recurring shift patterns to their horizon
 * (one transaction per pattern; a pattern that fails is reported in
 * `patterns.failed` and the others still roll) and forget Idempotency-Keys
 * older than their life (config `idempotencyTtlMs`). Both idempotent, safe
 * on all instances at once.
 */
export async function runMaintenance(db: Db, now: Date, options: { idempotencyTtlMs: number }) {
  const patterns = await rollPatternsForward(db, now);
  const idempotencyKeysPruned = await pruneIdempotencyKeysOlderThan(db, new Date(now.getTime() - options.idempotencyTtlMs));
  return { patterns, idempotencyKeysPruned };
}
