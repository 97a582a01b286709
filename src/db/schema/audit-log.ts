import { index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { id, instant } from "./_columns.ts";

/**
 * Who changed what, when. Written in the same transaction as the change.
 * `actorId` has no foreign key on purpose: the trail outlives what it names.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: id(),
    at: instant("at").notNull().defaultNow(),
    actorId: uuid("actor_id"),
    entity: text("entity").notNull(),
    entityId: text("entity_id").notNull(),
    action: text("action").notNull(),
    changes: jsonb("changes").$type<Record<string, unknown>>().notNull(),
    requestId: text("request_id"),
  },
  (t) => [
    index("audit_log_at_idx").on(t.at, t.id),
    index("audit_log_entity_idx").on(t.entity, t.entityId, t.at),
  ],
);

export type AuditEntry = typeof auditLog.$inferSelect;
