import { sql } from "drizzle-orm";
import { boolean, check, integer, pgEnum, uuid, type AnyPgColumn } from "drizzle-orm/pg-core";
import { dutyPrograms } from "./duty.ts";
import { people } from "./people.ts";
import { schedules } from "./schedules.ts";
import { teams } from "./teams.ts";

/*
 * What iCal feeds and Google sync targets share: a subject (one of four
 * foreign keys, exactly one set, deleted with it) and the options that pick
 * its events. One definition, so the two publish the same things.
 */

export const feedSubjectKind = pgEnum("feed_subject_kind", ["person", "team", "schedule", "duty_program"]);

export const subjectColumns = () => ({
  subjectKind: feedSubjectKind("subject_kind").notNull(),
  personId: uuid("person_id").references(() => people.id, { onDelete: "cascade" }),
  teamId: uuid("team_id").references(() => teams.id, { onDelete: "cascade" }),
  scheduleId: uuid("schedule_id").references(() => schedules.id, { onDelete: "cascade" }),
  programId: uuid("program_id").references(() => dutyPrograms.id, { onDelete: "cascade" }),
});

export const eventOptionColumns = (window: { pastDays: number; futureDays: number }) => ({
  includeTimeOff: boolean("include_time_off").notNull().default(false),
  includeGaps: boolean("include_gaps").notNull().default(false),
  includeFreeSeats: boolean("include_free_seats").notNull().default(false),
  includeCoworkers: boolean("include_coworkers").notNull().default(true),
  showAsFree: boolean("show_as_free").notNull().default(false),
  pastDays: integer("past_days").notNull().default(window.pastDays),
  futureDays: integer("future_days").notNull().default(window.futureDays),
});

type PublicationColumns = Record<"subjectKind" | "personId" | "teamId" | "scheduleId" | "programId" | "pastDays" | "futureDays", AnyPgColumn>;

/** `<table>_one_subject` and `<table>_window`. */
export const publicationChecks = (table: string, t: PublicationColumns) => [
  check(
    `${table}_one_subject`,
    sql`num_nonnulls(${t.personId}, ${t.teamId}, ${t.scheduleId}, ${t.programId}) = 1 AND CASE ${t.subjectKind} WHEN 'person' THEN ${t.personId} IS NOT NULL WHEN 'team' THEN ${t.teamId} IS NOT NULL WHEN 'schedule' THEN ${t.scheduleId} IS NOT NULL ELSE ${t.programId} IS NOT NULL END`,
  ),
  check(`${table}_window`, sql`${t.pastDays} BETWEEN 0 AND 366 AND ${t.futureDays} BETWEEN 1 AND 732`),
];
