import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt, version } from "./_columns.ts";

export const teams = pgTable(
  "teams",
  {
    id: id(),
    name: text("name").notNull(),
    description: text("description"),
    timeZone: text("time_zone").notNull(),
    minShiftMinutes: integer("min_shift_minutes").notNull().default(60),
    shiftGranularityMinutes: integer("shift_granularity_minutes").notNull().default(60),
    maxConcurrentChats: integer("max_concurrent_chats").notNull().default(1),
    swapApprovalRequired: boolean("swap_approval_required").notNull().default(false),
    timeOffAutoApprove: boolean("time_off_auto_approve").notNull().default(false),
    /** Members may create and edit their own shifts. */
    selfScheduling: boolean("self_scheduling").notNull().default(false),
    /** Approved time off offers the person's uncovered assignments as open swaps. */
    openSwapsOnTimeOff: boolean("open_swaps_on_time_off").notNull().default(false),
    /** Support hours are 24/7 (apart from dated exceptions); otherwise team_support_windows. */
    supportAllWeek: boolean("support_all_week").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [
    uniqueIndex("teams_name_lower_uq").on(sql`lower(${t.name})`),
    index("teams_created_id_idx").on(t.createdAt, t.id),
    check("teams_min_shift_positive", sql`${t.minShiftMinutes} > 0`),
    check("teams_granularity_divides_day", sql`${t.shiftGranularityMinutes} > 0 AND 1440 % ${t.shiftGranularityMinutes} = 0`),
    check("teams_min_shift_aligned", sql`${t.minShiftMinutes} % ${t.shiftGranularityMinutes} = 0`),
    check("teams_max_chats_positive", sql`${t.maxConcurrentChats} > 0`),
  ],
);

export type Team = typeof teams.$inferSelect;
export type NewTeam = typeof teams.$inferInsert;
