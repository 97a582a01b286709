import { index, integer, jsonb, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, instant } from "./_columns.ts";

/**
 * Remembered responses of POSTs sent with an `Idempotency-Key`, per caller.
 * A row is claimed (`responseStatus` null) before the handler runs, so two
 * concurrent retries cannot both execute.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    actorId: uuid("actor_id").notNull(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    requestHash: text("request_hash").notNull(),
    responseStatus: integer("response_status"),
    responseHeaders: jsonb("response_headers").$type<Record<string, string>>(),
    responseBody: text("response_body"),
    createdAt: createdAt(),
    completedAt: instant("completed_at"),
  },
  (t) => [
    primaryKey({ name: "idempotency_keys_pk", columns: [t.actorId, t.key] }),
    // The hourly prune deletes by age (created_at < cutoff): without this it reads every key.
    index("idempotency_keys_created_idx").on(t.createdAt),
  ],
);
