import type { Db } from "../db/client.ts";
import { pruneIdempotencyKeysOlderThan } from "../db/repositories/idempotency.ts";
import { rollPatternsForward } from "./shift-patterns.ts";

/**
 * The hourly housekeeping every instance runs: extend recurring shift
 * patterns to their horizon (advisory-locked, so one instance does it) and
 * forget Idempotency-Keys older than their life (config `idempotencyTtlMs`;
 * idempotent, safe on all instances at once).
 */
export async function runMaintenance(db: Db, now: Date, options: { idempotencyTtlMs: number }) {
  const patterns = await rollPatternsForward(db, now);
  const idempotencyKeysPruned = await pruneIdempotencyKeysOlderThan(db, new Date(now.getTime() - options.idempotencyTtlMs));
  return { patterns, idempotencyKeysPruned };
}
