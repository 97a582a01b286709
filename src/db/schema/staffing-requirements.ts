import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt, version } from "./_columns.ts";
import { teams } from "./teams.ts";

/** "≥ N people (with label, with skill) on these days between these local times." */
export const staffingRequirements = pgTable(
  "staffing_requirements",
  {
    id: id(),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    days: text("days").array().notNull(),
    startTime: text("start_time").notNull(),
    endTime: text("end_time").notNull(),
    /** The zone the times are in; null = the team's zone. */
    timeZone: text("time_zone"),
    headcount: integer("headcount").notNull(),
    label: text("label"),
    skill: text("skill"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [
    index("staffing_requirements_team_idx").on(t.teamId),
    check("staffing_requirements_headcount", sql`${t.headcount} > 0`),
    check("staffing_requirements_days", sql`cardinality(${t.days}) > 0 AND ${t.days} <@ ARRAY['mon','tue','wed','thu','fri','sat','sun']::text[]`),
  ],
);

export type StaffingRequirement = typeof staffingRequirements.$inferSelect;
