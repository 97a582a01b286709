import { sql } from "drizzle-orm";
import { boolean, check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, during, id, instant, updatedAt, version } from "./_columns.ts";
import { people } from "./people.ts";
import { teams } from "./teams.ts";

/**
 * A recurring shift: an RRULE evaluated in the team's zone from a local
 * DTSTART, each occurrence ending at a local end time. Occurrences are
 * materialised into `shifts` for a horizon ahead.
 */
export const shiftPatterns = pgTable(
  "shift_patterns",
  {
    id: id(),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "restrict" }),
    rrule: text("rrule").notNull(),
    /** DTSTART, local "YYYY-MM-DDTHH:mm" in the team's zone. */
    startLocal: text("start_local").notNull(),
    /** Local "HH:mm"; at or before the start time means the next day. */
    endTime: text("end_time").notNull(),
    label: text("label"),
    outsideSupportHours: boolean("outside_support_hours").notNull().default(false),
    /** Occurrences deleted one by one, by their local start: never materialised again. */
    skippedOccurrences: text("skipped_occurrences").array().notNull().default(sql`'{}'::text[]`),
    /** Occurrences starting before this instant have been materialised. */
    materializedUntil: instant("materialized_until"),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [index("shift_patterns_team_idx").on(t.teamId), index("shift_patterns_person_idx").on(t.personId)],
);

export const shifts = pgTable(
  "shifts",
  {
    id: id(),
    // Deleting a team is refused while it has future shifts; its past ones go with it.
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "restrict" }),
    startAt: instant("start_at").notNull(),
    endAt: instant("end_at").notNull(),
    label: text("label"),
    note: text("note"),
    outsideSupportHours: boolean("outside_support_hours").notNull().default(false),
    patternId: uuid("pattern_id").references(() => shiftPatterns.id, { onDelete: "set null" }),
    /** The occurrence's local start ("YYYY-MM-DDTHH:mm"), its identity within the pattern. */
    occurrence: text("occurrence"),
    /** Edited by hand: the pattern no longer owns it. */
    detached: boolean("detached").notNull().default(false),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [
    // Keyset pages in start order (no window) and owner lookups.
    index("shifts_team_start_idx").on(t.teamId, t.startAt),
    index("shifts_person_start_idx").on(t.personId, t.startAt),
    // Overlap reads (src/db/sql.ts overlaps): only the rows near the window, not all history before it.
    index("shifts_team_during_idx").using("gist", t.teamId, during(t)),
    index("shifts_person_during_idx").using("gist", t.personId, during(t)),
    uniqueIndex("shifts_pattern_occurrence_uq").on(t.patternId, t.occurrence),
    check("shifts_positive", sql`${t.endAt} > ${t.startAt}`),
  ],
);

export type Shift = typeof shifts.$inferSelect;
export type ShiftPattern = typeof shiftPatterns.$inferSelect;
