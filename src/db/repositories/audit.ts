import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { auditLog } from "../schema/index.ts";

export interface AuditRecord {
  actorId: string | null;
  entity: string;
  entityId: string;
  action: string;
  changes: Record<string, unknown>;
  requestId: string | null;
  at: Date;
}

export interface AuditFilter {
  entity?: string | undefined;
  entityId?: string | undefined;
  actorId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export function createAuditRepository(db: Db) {
  return {
    async record(entry: AuditRecord): Promise<void> {
      await db.insert(auditLog).values(entry);
    },

    /** Newest first. */
    async list(filter: AuditFilter, page: PageRequest) {
      const conditions: (SQL | undefined)[] = [
        filter.entity ? eq(auditLog.entity, filter.entity) : undefined,
        filter.entityId ? eq(auditLog.entityId, filter.entityId) : undefined,
        filter.actorId ? eq(auditLog.actorId, filter.actorId) : undefined,
        filter.from ? gte(auditLog.at, filter.from) : undefined,
        filter.to ? lt(auditLog.at, filter.to) : undefined,
        afterCursor(auditLog.at, auditLog.id, page.cursor, "desc"),
      ];
      const rows = await db
        .select()
        .from(auditLog)
        .where(and(...conditions))
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.at, r.id]);
    },
  };
}
