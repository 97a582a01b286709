import { index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant } from "./_columns.ts";
import { people } from "./people.ts";

/**
 * One-time sign-in links for the web app: an admin or lead makes one for a
 * person, who opens it once within its lifetime and gets an API token kept
 * in the browser. Only the SHA-256 of the link's secret is stored.
 */
export const signInLinks = pgTable(
  "sign_in_links",
  {
    id: id(),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "cascade" }),
    createdBy: uuid("created_by"),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: instant("expires_at").notNull(),
    usedAt: instant("used_at"),
    /** The API token the link was exchanged for. */
    tokenId: uuid("token_id"),
  },
  (t) => [uniqueIndex("sign_in_links_hash_uq").on(t.tokenHash), index("sign_in_links_person_idx").on(t.personId, t.createdAt)],
);

export type SignInLink = typeof signInLinks.$inferSelect;
