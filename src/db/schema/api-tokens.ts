import { index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant } from "./_columns.ts";
import { people } from "./people.ts";

/** Bearer tokens. Only the SHA-256 of the secret is stored; `prefix` lets people tell tokens apart. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: id(),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: instant("last_used_at"),
    revokedAt: instant("revoked_at"),
  },
  (t) => [
    uniqueIndex("api_tokens_hash_uq").on(t.tokenHash),
    index("api_tokens_person_idx").on(t.personId, t.createdAt, t.id),
  ],
);

export type ApiToken = typeof apiTokens.$inferSelect;
