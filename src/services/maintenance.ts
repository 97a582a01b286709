import { lt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { idempotencyKeys } from "../db/schema/index.ts";
import { IDEMPOTENCY_TTL_MS } from "../http/idempotency-ttl.ts";
import { rollPatternsForward } from "./shift-patterns.ts";

/**
 * The hourly housekeeping every instance runs: extend recurring shift
 * patterns to their horizon (advisory-locked, so one instance does it) and
 * forget Idempotency-Keys older than their 24-hour life (idempotent, safe
 * on all instances at once).
 */
export async function runMaintenance(db: Db, now: Date) {
  const patterns = await rollPatternsForward(db, now);
  const pruned = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, new Date(now.getTime() - IDEMPOTENCY_TTL_MS)))
    .returning({ key: idempotencyKeys.key });
  return { patterns, idempotencyKeysPruned: pruned.length };
}
