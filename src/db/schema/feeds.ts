import { index, integer, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant } from "./_columns.ts";
import { eventOptionColumns, feedSubjectKind, publicationChecks, subjectColumns } from "./_publication.ts";
import { people } from "./people.ts";

export { feedSubjectKind };

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
    ...subjectColumns(),
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull(),
    ...eventOptionColumns({ pastDays: 30, futureDays: 180 }),
    createdAt: createdAt(),
    revokedAt: instant("revoked_at"),
  },
  (t) => [
    uniqueIndex("calendar_feeds_token_hash_uq").on(t.tokenHash),
    index("calendar_feeds_owner_idx").on(t.ownerId, t.createdAt, t.id),
    ...publicationChecks("calendar_feeds", t),
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
