import { primaryKey, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { instant } from "./_columns.ts";

/**
 * What an import (services/imports.ts) made from another system's object: the
 * system, the kind of thing ("schedule", "override") and its id there, and
 * the Rota row it became. Running the same export again finds its rows here
 * and changes nothing; a changed export updates them.
 */
export const importedRefs = pgTable(
  "imported_refs",
  {
    system: text("system").notNull(),
    kind: text("kind").notNull(),
    ref: text("ref").notNull(),
    targetId: uuid("target_id").notNull(),
    importedAt: instant("imported_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "imported_refs_pk", columns: [t.system, t.kind, t.ref] })],
);

export type ImportedRef = typeof importedRefs.$inferSelect;
