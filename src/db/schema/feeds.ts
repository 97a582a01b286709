import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant } from "./_columns.ts";
import { dutyPrograms } from "./duty.ts";
import { people } from "./people.ts";
import { schedules } from "./schedules.ts";
import { teams } from "./teams.ts";

export const feedSubjectKind = pgEnum("feed_subject_kind", ["person", "team", "schedule", "duty_program"]);

/**
 * iCal feed subscriptions: a secret URL (`/v1/feeds/{token}.ics`) for one
 * subject. Only the SHA-256 of the token is stored, with a visible prefix.
 * The subject is one of four foreign keys (exactly one set), so deleting
 * the person, team, schedule or program deletes its feeds with it.
 */
export const calendarFeeds = pgTable(
  "calendar_feeds",
  {
    id: id(),
    ownerId: uuid("owner_id").notNull().references(() => people.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    subjectKind: feedSubjectKind("subject_kind").notNull(),
    personId: uuid("person_id").references(() => people.id, { onDelete: "cascade" }),
    teamId: uuid("team_id").references(() => teams.id, { onDelete: "cascade" }),
    scheduleId: uuid("schedule_id").references(() => schedules.id, { onDelete: "cascade" }),
    programId: uuid("program_id").references(() => dutyPrograms.id, { onDelete: "cascade" }),
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull(),
    includeTimeOff: boolean("include_time_off").notNull().default(false),
    includeGaps: boolean("include_gaps").notNull().default(false),
    includeFreeSeats: boolean("include_free_seats").notNull().default(false),
    includeCoworkers: boolean("include_coworkers").notNull().default(true),
    showAsFree: boolean("show_as_free").notNull().default(false),
    pastDays: integer("past_days").notNull().default(30),
    futureDays: integer("future_days").notNull().default(180),
    createdAt: createdAt(),
    revokedAt: instant("revoked_at"),
  },
  (t) => [
    uniqueIndex("calendar_feeds_token_hash_uq").on(t.tokenHash),
    index("calendar_feeds_owner_idx").on(t.ownerId, t.createdAt, t.id),
    check(
      "calendar_feeds_one_subject",
      sql`num_nonnulls(${t.personId}, ${t.teamId}, ${t.scheduleId}, ${t.programId}) = 1 AND CASE ${t.subjectKind} WHEN 'person' THEN ${t.personId} IS NOT NULL WHEN 'team' THEN ${t.teamId} IS NOT NULL WHEN 'schedule' THEN ${t.scheduleId} IS NOT NULL ELSE ${t.programId} IS NOT NULL END`,
    ),
    check("calendar_feeds_window", sql`${t.pastDays} BETWEEN 0 AND 366 AND ${t.futureDays} BETWEEN 1 AND 732`),
  ],
);

/**
 * What each feed last published per event UID, so SEQUENCE rises when an
 * event's time or summary changes and LAST-MODIFIED/DTSTAMP stay put when
 * nothing did (a feed rebuilt after a restart is byte-identical).
 */
export const feedEventRevisions = pgTable(
  "feed_event_revisions",
  {
    feedId: uuid("feed_id").notNull().references(() => calendarFeeds.id, { onDelete: "cascade" }),
    uid: text("uid").notNull(),
    fingerprint: text("fingerprint").notNull(),
    sequence: integer("sequence").notNull(),
    modifiedAt: instant("modified_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.feedId, t.uid] })],
);

export type CalendarFeed = typeof calendarFeeds.$inferSelect;
export type FeedSubjectKind = (typeof feedSubjectKind.enumValues)[number];
