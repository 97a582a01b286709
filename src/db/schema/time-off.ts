import { sql } from "drizzle-orm";
import { check, index, pgEnum, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, during, id, instant, updatedAt, version } from "./_columns.ts";
import { people } from "./people.ts";

export const timeOffStatus = pgEnum("time_off_status", ["requested", "approved", "denied", "cancelled"]);

/** A person away over [start, end). Approved time off uncovers their assignments in that window. */
export const timeOff = pgTable(
  "time_off",
  {
    id: id(),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "restrict" }),
    startAt: instant("start_at").notNull(),
    endAt: instant("end_at").notNull(),
    status: timeOffStatus("status").notNull().default("requested"),
    reason: text("reason").notNull().default("vacation"),
    note: text("note"),
    /** Who decided (null with auto-approval) and when. */
    decidedBy: uuid("decided_by"),
    decidedAt: instant("decided_at"),
    decisionNote: text("decision_note"),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [
    index("time_off_person_idx").on(t.personId, t.startAt),
    // Overlap reads (src/db/sql.ts overlaps).
    index("time_off_person_during_idx").using("gist", t.personId, during(t)),
    check("time_off_positive", sql`${t.endAt} > ${t.startAt}`),
  ],
);

export type TimeOff = typeof timeOff.$inferSelect;
