import { sql } from "drizzle-orm";
import { boolean, check, date, index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { id } from "./_columns.ts";
import { teams } from "./teams.ts";

/** Weekly windows of a team's support hours, in the team's zone ("HH:mm"; end <= start crosses midnight). */
export const teamSupportWindows = pgTable(
  "team_support_windows",
  {
    id: id(),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    days: text("days").array().notNull(),
    startTime: text("start_time").notNull(),
    endTime: text("end_time").notNull(),
  },
  (t) => [
    index("team_support_windows_team_idx").on(t.teamId),
    check("team_support_windows_days", sql`cardinality(${t.days}) > 0 AND ${t.days} <@ ARRAY['mon','tue','wed','thu','fri','sat','sun']::text[]`),
  ],
);

/** A dated exception: closed that local day, or open only in the given special hours. */
export const teamSupportExceptions = pgTable(
  "team_support_exceptions",
  {
    id: id(),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    date: date("date", { mode: "string" }).notNull(),
    closed: boolean("closed").notNull(),
    startTime: text("start_time"),
    endTime: text("end_time"),
  },
  (t) => [
    index("team_support_exceptions_team_idx").on(t.teamId, t.date),
    check(
      "team_support_exceptions_shape",
      sql`(${t.closed} AND ${t.startTime} IS NULL AND ${t.endTime} IS NULL) OR (NOT ${t.closed} AND ${t.startTime} IS NOT NULL AND ${t.endTime} IS NOT NULL)`,
    ),
  ],
);
