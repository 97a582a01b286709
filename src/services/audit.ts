import type { Db } from "../db/client.ts";
import { createAuditRepository, type AuditFilter } from "../db/repositories/audit.ts";
import type { PageRequest } from "../db/pagination.ts";
import type { ServiceContext } from "./context.ts";
import { authorize } from "./policy.ts";

type Plain = Record<string, unknown>;

function comparable(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

/** The fields that changed, as { field: { from, to } }. */
export function diff(before: Plain, after: Plain): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after)) {
    if (key === "updatedAt" || key === "version") continue;
    const from = comparable(before[key]);
    const to = comparable(after[key]);
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from, to };
  }
  return changes;
}

/**
 * Writes one audit entry. Call it with the transaction that makes the change,
 * so the trail and the change land together or not at all.
 */
export async function audit(
  tx: Db,
  ctx: Pick<ServiceContext, "actor" | "requestId" | "now"> | { actor: null; requestId: null; now: Date },
  entry: { entity: string; entityId: string; action: string; changes: Plain },
): Promise<void> {
  await createAuditRepository(tx).record({
    ...entry,
    changes: JSON.parse(JSON.stringify(entry.changes)) as Plain,
    actorId: ctx.actor?.personId ?? null,
    requestId: ctx.requestId,
    at: ctx.now,
  });
}

/** Writes many audit entries in the transaction that makes the changes (a batch import). */
export async function auditMany(
  tx: Db,
  ctx: Pick<ServiceContext, "actor" | "requestId" | "now">,
  entries: readonly { entity: string; entityId: string; action: string; changes: Plain }[],
): Promise<void> {
  if (entries.length === 0) return;
  await createAuditRepository(tx).recordMany(
    entries.map((entry) => ({
      ...entry,
      changes: JSON.parse(JSON.stringify(entry.changes)) as Plain,
      actorId: ctx.actor.personId,
      requestId: ctx.requestId,
      at: ctx.now,
    })),
  );
}

export async function listAudit(ctx: ServiceContext, filter: AuditFilter, page: PageRequest) {
  authorize(ctx.actor, "audit.read", {});
  return createAuditRepository(ctx.db).list(filter, page);
}
