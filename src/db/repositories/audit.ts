import { and, desc, eq, gte, lt, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { auditLog } from "../schema/index.ts";
import { chunks } from "../sql.ts";

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

    /**
     * Many entries in a few statements (a batch import): each chunk travels as
     * one JSON parameter, which PostgreSQL reads far faster than thousands of bound ones.
     */
    async recordMany(entries: readonly AuditRecord[]): Promise<void> {
      for (const chunk of chunks(entries, 5000)) {
        const json = JSON.stringify(chunk.map((e) => ({ ...e, at: e.at.toISOString() })));
        await db.insert(auditLog).select(
          sql`SELECT gen_random_uuid(), v."at", v."actorId", v."entity", v."entityId", v."action", v."changes", v."requestId" FROM jsonb_to_recordset(${json}::jsonb) AS v("at" timestamptz, "actorId" uuid, "entity" text, "entityId" text, "action" text, "changes" jsonb, "requestId" text)`,
        );
      }
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
