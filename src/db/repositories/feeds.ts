import { and, asc, eq, inArray, isNull, ne, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { during, overlaps } from "../sql.ts";
import {
  calendarFeeds,
  dutyBookings,
  dutyPrograms,
  dutySlots,
  feedEventRevisions,
  people,
  schedules,
  shifts,
  teamMembers,
  teams,
  timeOff,
  type CalendarFeed,
} from "../schema/index.ts";

export type NewFeed = typeof calendarFeeds.$inferInsert;

export interface EventRevision {
  uid: string;
  fingerprint: string;
  sequence: number;
  modifiedAt: Date;
}

/** count.sum(version).max(updated_at) of some rows: changes on any insert, update or delete among them. */
function stamp(table: SQL, where: SQL): SQL<string> {
  return sql<string>`(SELECT count(*)::text || '.' || coalesce(sum(version), 0)::text || '.' || coalesce((extract(epoch FROM max(updated_at)) * 1000)::bigint::text, '') FROM ${table} WHERE ${where})`;
}

export function createFeedRepository(db: Db) {
  return {
    async insert(values: NewFeed): Promise<CalendarFeed> {
      const [row] = await db.insert(calendarFeeds).values(values).returning();
      return row!;
    },

    async findById(id: string): Promise<CalendarFeed | undefined> {
      const [row] = await db.select().from(calendarFeeds).where(eq(calendarFeeds.id, id));
      return row;
    },

    /**
     * The live feed with this token hash, if any: not revoked, and its owner
     * still active (a person who leaves takes their secret URLs with them).
     * One indexed lookup whether the token is unknown, revoked or live.
     */
    async findLiveByHash(tokenHash: string): Promise<CalendarFeed | undefined> {
      const [row] = await db
        .select({ feed: calendarFeeds })
        .from(calendarFeeds)
        .innerJoin(people, eq(people.id, calendarFeeds.ownerId))
        .where(and(eq(calendarFeeds.tokenHash, tokenHash), isNull(calendarFeeds.revokedAt), eq(people.active, true)));
      return row?.feed;
    },

    async listByOwner(ownerId: string, page: PageRequest) {
      const rows = await db
        .select()
        .from(calendarFeeds)
        .where(and(eq(calendarFeeds.ownerId, ownerId), afterCursor(calendarFeeds.createdAt, calendarFeeds.id, page.cursor)))
        .orderBy(asc(calendarFeeds.createdAt), asc(calendarFeeds.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.createdAt, r.id]);
    },

    async revoke(id: string, at: Date): Promise<CalendarFeed | undefined> {
      const [row] = await db
        .update(calendarFeeds)
        .set({ revokedAt: at })
        .where(and(eq(calendarFeeds.id, id), isNull(calendarFeeds.revokedAt)))
        .returning();
      return row;
    },

    /**
     * A string that changes whenever anything the feed shows may have
     * changed (its rows, the names in it, any schedule's version for on-call
     * turns), or null once the feed is revoked or its owner deactivated: one
     * round trip, no writer has to remember to signal it.
     */
    async contentVersion(feed: CalendarFeed): Promise<string | null> {
      const live = sql`(SELECT f.revoked_at IS NULL AND p.active FROM ${calendarFeeds} f JOIN ${people} p ON p.id = f.owner_id WHERE f.id = ${feed.id})`;
      const common = sql`coalesce(${live}, false)::text || ':' || ${stamp(sql`${people}`, sql`true`)} || ':' || ${stamp(sql`${teams}`, sql`true`)}`;
      let specific: SQL = sql`''`;
      switch (feed.subjectKind) {
        case "person": {
          const p = feed.personId!;
          specific = sql`${stamp(sql`${shifts}`, sql`person_id = ${p} OR team_id IN (SELECT team_id FROM ${teamMembers} WHERE person_id = ${p})`)}
            || ':' || ${stamp(sql`${dutyBookings}`, sql`slot_id IN (SELECT slot_id FROM ${dutyBookings} b WHERE b.person_id = ${p})`)}
            || ':' || ${stamp(sql`${timeOff}`, sql`person_id = ${p}`)}
            || ':' || ${stamp(sql`${schedules}`, sql`true`)}
            || ':' || ${stamp(sql`${dutyPrograms}`, sql`true`)}`;
          break;
        }
        case "team":
          specific = stamp(sql`${shifts}`, sql`team_id = ${feed.teamId!}`);
          break;
        case "schedule":
          specific = sql`${stamp(sql`${schedules}`, sql`id = ${feed.scheduleId!}`)} || ':' || ${stamp(sql`${timeOff}`, sql`true`)}`;
          break;
        case "duty_program":
          specific = sql`${stamp(sql`${dutySlots}`, sql`program_id = ${feed.programId!}`)} || ':' || ${stamp(sql`${dutyBookings}`, sql`program_id = ${feed.programId!}`)} || ':' || ${stamp(sql`${dutyPrograms}`, sql`id = ${feed.programId!}`)}`;
          break;
      }
      const result = await db.execute<{ v: string | null }>(sql`SELECT ${common} || '|' || ${specific} AS v`);
      const rows = (result as unknown as { rows?: { v: string | null }[] }).rows ?? (result as unknown as { v: string | null }[]);
      const value = rows[0]?.v ?? null;
      // The first field is whether the feed is still live.
      return value && value.startsWith("true:") ? value : null;
    },

    async revisions(feedId: string): Promise<Map<string, EventRevision>> {
      const rows = await db
        .select({ uid: feedEventRevisions.uid, fingerprint: feedEventRevisions.fingerprint, sequence: feedEventRevisions.sequence, modifiedAt: feedEventRevisions.modifiedAt })
        .from(feedEventRevisions)
        .where(eq(feedEventRevisions.feedId, feedId));
      return new Map(rows.map((r) => [r.uid, r]));
    },

    /** Stores new and changed revisions; a concurrent build that stored the same fingerprint first wins, harmlessly. */
    async saveRevisions(feedId: string, revisions: EventRevision[]): Promise<void> {
      for (let i = 0; i < revisions.length; i += 500) {
        const chunk = revisions.slice(i, i + 500);
        await db
          .insert(feedEventRevisions)
          .values(chunk.map((r) => ({ feedId, ...r })))
          .onConflictDoUpdate({
            target: [feedEventRevisions.feedId, feedEventRevisions.uid],
            set: { fingerprint: sql`excluded.fingerprint`, sequence: sql`excluded.sequence`, modifiedAt: sql`excluded.modified_at` },
            setWhere: ne(feedEventRevisions.fingerprint, sql`excluded.fingerprint`),
          });
      }
    },

    /** Shifts overlapping [from, to) of a person, of some teams, or both, with team and person names. */
    async shifts(filter: { personId?: string; teamIds?: string[] }, from: Date, to: Date) {
      const who: SQL[] = [];
      if (filter.personId) who.push(eq(shifts.personId, filter.personId));
      if (filter.teamIds?.length) who.push(inArray(shifts.teamId, filter.teamIds));
      if (who.length === 0) return [];
      return db
        .select({
          id: shifts.id,
          teamId: shifts.teamId,
          teamName: teams.name,
          personId: shifts.personId,
          personName: people.name,
          start: shifts.startAt,
          end: shifts.endAt,
          label: shifts.label,
          updatedAt: shifts.updatedAt,
        })
        .from(shifts)
        .innerJoin(teams, eq(teams.id, shifts.teamId))
        .innerJoin(people, eq(people.id, shifts.personId))
        .where(and(sql`(${sql.join(who, sql` OR `)})`, overlaps(during(shifts), from, to)))
        .orderBy(asc(shifts.startAt), asc(shifts.id));
    },

    /** Every schedule with what its timeline and events depend on. */
    async scheduleHeads() {
      return db
        .select({ id: schedules.id, name: schedules.name, version: schedules.version, updatedAt: schedules.updatedAt })
        .from(schedules)
        .orderBy(asc(schedules.name), asc(schedules.id));
    },

    async teamIdsOf(personId: string): Promise<string[]> {
      const rows = await db.select({ teamId: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.personId, personId));
      return rows.map((r) => r.teamId);
    },

    /** Duty slots overlapping [from, to) of a program (or those a person is booked on), with every booking and name. */
    async slots(filter: { programId?: string; personId?: string }, from: Date, to: Date) {
      const slotRows = await db
        .select({
          id: dutySlots.id,
          programId: dutySlots.programId,
          programName: dutyPrograms.name,
          start: dutySlots.startAt,
          end: dutySlots.endAt,
          seats: dutySlots.seats,
          closed: dutySlots.closed,
          updatedAt: dutySlots.updatedAt,
        })
        .from(dutySlots)
        .innerJoin(dutyPrograms, eq(dutyPrograms.id, dutySlots.programId))
        .where(
          and(
            filter.programId ? eq(dutySlots.programId, filter.programId) : undefined,
            filter.personId ? sql`${dutySlots.id} IN (SELECT slot_id FROM ${dutyBookings} WHERE person_id = ${filter.personId})` : undefined,
            overlaps(during(dutySlots), from, to),
          ),
        )
        .orderBy(asc(dutySlots.startAt), asc(dutySlots.id));
      if (slotRows.length === 0) return [];
      const bookings = await db
        .select({ id: dutyBookings.id, slotId: dutyBookings.slotId, personId: dutyBookings.personId, personName: people.name, updatedAt: dutyBookings.updatedAt })
        .from(dutyBookings)
        .innerJoin(people, eq(people.id, dutyBookings.personId))
        .where(inArray(dutyBookings.slotId, slotRows.map((s) => s.id)))
        .orderBy(asc(people.name), asc(dutyBookings.id));
      return slotRows.map((slot) => ({ ...slot, bookings: bookings.filter((b) => b.slotId === slot.id) }));
    },

    /** Approved time off overlapping [from, to) of some people (all when `personIds` is absent). */
    async approvedTimeOff(personIds: string[] | undefined, from: Date, to: Date) {
      if (personIds && personIds.length === 0) return [];
      return db
        .select({ id: timeOff.id, personId: timeOff.personId, start: timeOff.startAt, end: timeOff.endAt, updatedAt: timeOff.updatedAt })
        .from(timeOff)
        .where(and(personIds ? inArray(timeOff.personId, personIds) : undefined, eq(timeOff.status, "approved"), overlaps(during(timeOff), from, to)))
        .orderBy(asc(timeOff.startAt), asc(timeOff.id));
    },

    async names(ids: string[]): Promise<Map<string, string>> {
      if (ids.length === 0) return new Map();
      const rows = await db.select({ id: people.id, name: people.name }).from(people).where(inArray(people.id, ids));
      return new Map(rows.map((r) => [r.id, r.name]));
    },

    async subjectName(feed: Pick<CalendarFeed, "subjectKind" | "personId" | "teamId" | "scheduleId" | "programId">): Promise<{ name: string; timeZone: string | null } | undefined> {
      switch (feed.subjectKind) {
        case "person": {
          const [row] = await db.select({ name: people.name, timeZone: people.timeZone }).from(people).where(eq(people.id, feed.personId!));
          return row;
        }
        case "team": {
          const [row] = await db.select({ name: teams.name, timeZone: teams.timeZone }).from(teams).where(eq(teams.id, feed.teamId!));
          return row;
        }
        case "schedule": {
          const [row] = await db.select({ name: schedules.name, timeZone: schedules.timeZone }).from(schedules).where(eq(schedules.id, feed.scheduleId!));
          return row;
        }
        case "duty_program": {
          const [row] = await db.select({ name: dutyPrograms.name, timeZone: dutyPrograms.timeZone }).from(dutyPrograms).where(eq(dutyPrograms.id, feed.programId!));
          return row;
        }
        default:
          return undefined;
      }
    },
  };
}
