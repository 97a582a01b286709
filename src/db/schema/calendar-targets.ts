import { sql } from "drizzle-orm";
import { index, integer, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant, updatedAt, version } from "./_columns.ts";
import { eventOptionColumns, publicationChecks, subjectColumns } from "./_publication.ts";
import { people } from "./people.ts";

export const calendarCredentialKind = pgEnum("calendar_credential_kind", ["service_account", "oauth"]);
/**
 * pending: never synced yet; ok: the last sync succeeded; retrying: the last attempt failed and a
 * retry is queued; failed: it stopped (retries exhausted, or a fault retrying cannot mend: bad
 * credentials, an unreadable secret, a calendar that does not exist); removing: deleted by its
 * owner, Rota's events are being taken out of the calendar.
 */
export const calendarTargetStatus = pgEnum("calendar_target_status", ["pending", "ok", "retrying", "failed", "removing"]);

/**
 * Google Calendar sync targets: the events of one subject (the same four as
 * iCal feeds) pushed into one Google calendar. Credentials are sealed with
 * ROTA_SECRET_KEY (services/secrets.ts) and never leave the server;
 * `credential_hint` is the non-secret part shown back (service account
 * email, OAuth client id).
 */
export const calendarTargets = pgTable(
  "calendar_targets",
  {
    id: id(),
    ownerId: uuid("owner_id").notNull().references(() => people.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    ...subjectColumns(),
    calendarId: text("calendar_id").notNull(),
    credentialKind: calendarCredentialKind("credential_kind").notNull(),
    credentialsSealed: text("credentials_sealed").notNull(),
    credentialHint: text("credential_hint").notNull(),
    delegatedUser: text("delegated_user"),
    ...eventOptionColumns({ pastDays: 7, futureDays: 90 }),
    status: calendarTargetStatus("status").notNull().default("pending"),
    lastSyncedAt: instant("last_synced_at"),
    lastAttemptAt: instant("last_attempt_at"),
    lastError: text("last_error"),
    /** Consecutive failed attempts since the last success. */
    failures: integer("failures").notNull().default(0),
    eventsInSync: integer("events_in_sync").notNull().default(0),
    /** Google's nextSyncToken from the last reconcile: the next one lists only what changed since. */
    syncToken: text("sync_token"),
    lastReconciledAt: instant("last_reconciled_at"),
    version: version(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("calendar_targets_owner_idx").on(t.ownerId, t.createdAt, t.id),
    index("calendar_targets_person_idx").on(t.personId),
    index("calendar_targets_team_idx").on(t.teamId),
    index("calendar_targets_schedule_idx").on(t.scheduleId),
    index("calendar_targets_program_idx").on(t.programId),
    // One push of a subject into a calendar: a second would fight the first over the same events.
    uniqueIndex("calendar_targets_subject_calendar_uq").on(t.calendarId, t.subjectKind, sql`coalesce(${t.personId}, ${t.teamId}, ${t.scheduleId}, ${t.programId})`),
    ...publicationChecks("calendar_targets", t),
  ],
);

/**
 * What Rota last pushed to a target, per event (keyed by the event's UID,
 * the same as in iCal feeds): the Google event id (derived from target and
 * UID, so a retry never duplicates) and a hash of the body sent. A sync
 * diffs the wanted events against these rows; nothing else is compared.
 */
export const calendarTargetEvents = pgTable(
  "calendar_target_events",
  {
    targetId: uuid("target_id").notNull().references(() => calendarTargets.id, { onDelete: "cascade" }),
    eventKey: text("event_key").notNull(),
    eventId: text("event_id").notNull(),
    hash: text("hash").notNull(),
    startAt: instant("start_at").notNull(),
    endAt: instant("end_at").notNull(),
    pushedAt: instant("pushed_at").notNull(),
  },
  (t) => [primaryKey({ name: "calendar_target_events_pk", columns: [t.targetId, t.eventKey] })],
);

export type CalendarTarget = typeof calendarTargets.$inferSelect;
export type CalendarTargetEvent = typeof calendarTargetEvents.$inferSelect;
export type CalendarCredentialKind = (typeof calendarCredentialKind.enumValues)[number];
export type CalendarTargetStatus = (typeof calendarTargetStatus.enumValues)[number];
