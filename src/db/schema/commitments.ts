import { pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { tstzrange } from "./_columns.ts";

/**
 * Every span a person is committed to (shifts, later duty bookings), kept by
 * triggers on the owning tables. Its exclusion constraint
 * `commitments_no_overlap` (person_id WITH =, during WITH &&; migration
 * 0003) is what makes overlapping commitments impossible, also between two
 * concurrent requests.
 */
export const commitments = pgTable(
  "commitments",
  {
    personId: uuid("person_id").notNull(),
    during: tstzrange("during").notNull(),
    sourceKind: text("source_kind").notNull(),
    sourceId: uuid("source_id").notNull(),
  },
  (t) => [primaryKey({ name: "commitments_pk", columns: [t.sourceKind, t.sourceId] })],
);
