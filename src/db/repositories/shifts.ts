import { and, asc, eq, gt, inArray, isNotNull, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { during, overlaps, updateVersioned } from "../sql.ts";
import { commitments, people, shiftPatterns, shifts, type Shift, type ShiftPattern } from "../schema/index.ts";

type NewShift = typeof shifts.$inferInsert;
type NewShiftPattern = typeof shiftPatterns.$inferInsert;

export interface ShiftFilter {
  teamId?: string | undefined;
  personId?: string | undefined;
  /** Shifts ending after this instant. */
  from?: Date | undefined;
  /** Shifts starting before this instant. */
  to?: Date | undefined;
  label?: string | undefined;
  patternId?: string | undefined;
}

function overlapping(filter: ShiftFilter): (SQL | undefined)[] {
  return [
    filter.teamId ? eq(shifts.teamId, filter.teamId) : undefined,
    filter.personId ? eq(shifts.personId, filter.personId) : undefined,
    overlaps(during(shifts), filter.from, filter.to),
    filter.label ? eq(shifts.label, filter.label) : undefined,
    filter.patternId ? eq(shifts.patternId, filter.patternId) : undefined,
  ];
}

/** The advisory lock key that serialises writes of one person's commitments (see lockPeople). */
export const commitmentsLockKey = (personId: string) => `commitments:${personId}`;

export function createShiftRepository(db: Db) {
  return {
    async findById(id: string): Promise<Shift | undefined> {
      const [row] = await db.select().from(shifts).where(eq(shifts.id, id));
      return row;
    },

    async findByIdForUpdate(id: string): Promise<Shift | undefined> {
      const [row] = await db.select().from(shifts).where(eq(shifts.id, id)).for("update");
      return row;
    },

    async insert(values: NewShift): Promise<Shift> {
      const [row] = await db.insert(shifts).values(values).returning();
      return row!;
    },

    async update(id: string, version: number, values: Partial<NewShift>, now: Date): Promise<Shift | undefined> {
      return updateVersioned(db, shifts, id, version, values, now);
    },

    async delete(id: string): Promise<void> {
      await db.delete(shifts).where(eq(shifts.id, id));
    },

    /** Ordered by start; cursor on (start, id). */
    async list(filter: ShiftFilter, page: PageRequest) {
      const rows = await db
        .select()
        .from(shifts)
        .where(and(...overlapping(filter), afterCursor(shifts.startAt, shifts.id, page.cursor)))
        .orderBy(asc(shifts.startAt), asc(shifts.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.startAt, r.id]);
    },

    /** Every shift overlapping a window (reports: bounded by the window, not paginated), with the person's skills. */
    async overlappingWithSkills(filter: ShiftFilter & { from: Date; to: Date }) {
      return db
        .select({ shift: shifts, skills: people.skills })
        .from(shifts)
        .innerJoin(people, eq(people.id, shifts.personId))
        .where(and(...overlapping(filter)))
        .orderBy(asc(shifts.startAt), asc(shifts.id));
    },

    async countFutureForTeam(teamId: string, now: Date): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(shifts)
        // Not over yet: overlapping [now, ∞).
        .where(and(eq(shifts.teamId, teamId), overlaps(during(shifts), now, undefined)));
      return row?.n ?? 0;
    },

    /**
     * Serialises writes that commit these people's time (shifts, bookings),
     * in a fixed order so two writers cannot deadlock. Without it, several
     * concurrent overlapping inserts can deadlock inside the exclusion
     * constraint's check; with it they queue, and each sees the others'
     * committed rows in its pre-check. Held to the end of the transaction.
     */
    async lockPeople(personIds: readonly string[]): Promise<void> {
      const keys = [...new Set(personIds)].sort().map(commitmentsLockKey);
      if (keys.length === 0) return;
      // One statement however many people (auto-assign locks thousands); unnest yields the keys in the order given.
      await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) FROM unnest(${sql.param(keys)}::text[]) AS key`);
    },

    /** Whatever already holds a person over [start, end) (other than `exceptSourceId`). */
    async commitmentsOverlapping(personId: string, start: Date, end: Date, exceptSourceId?: string) {
      return db
        .select({ sourceKind: commitments.sourceKind, sourceId: commitments.sourceId, during: commitments.during })
        .from(commitments)
        .where(
          and(
            eq(commitments.personId, personId),
            overlaps(commitments.during, start, end),
            exceptSourceId ? sql`${commitments.sourceId} <> ${exceptSourceId}::uuid` : undefined,
          ),
        )
        .limit(5);
    },

    /** People (of a list) with any commitment over [start, end). */
    async busyPeople(personIds: string[], start: Date, end: Date): Promise<Set<string>> {
      if (personIds.length === 0) return new Set();
      const rows = await db
        .selectDistinct({ personId: commitments.personId })
        .from(commitments)
        .where(
          and(
            inArray(commitments.personId, personIds),
            overlaps(commitments.during, start, end),
          ),
        );
      return new Set(rows.map((r) => r.personId));
    },

    // Patterns

    async insertPattern(values: NewShiftPattern): Promise<ShiftPattern> {
      const [row] = await db.insert(shiftPatterns).values(values).returning();
      return row!;
    },

    async findPattern(id: string): Promise<ShiftPattern | undefined> {
      const [row] = await db.select().from(shiftPatterns).where(eq(shiftPatterns.id, id));
      return row;
    },

    async findPatternForUpdate(id: string): Promise<ShiftPattern | undefined> {
      const [row] = await db.select().from(shiftPatterns).where(eq(shiftPatterns.id, id)).for("update");
      return row;
    },

    /** Locks the pattern's row, or undefined when it is gone or another transaction holds it (so two instances roll different patterns). */
    async lockPatternUnlessBusy(id: string): Promise<ShiftPattern | undefined> {
      const [row] = await db.select().from(shiftPatterns).where(eq(shiftPatterns.id, id)).for("update", { skipLocked: true });
      return row;
    },

    async setPatternMaterializedUntil(id: string, until: Date): Promise<void> {
      await db.update(shiftPatterns).set({ materializedUntil: until }).where(eq(shiftPatterns.id, id));
    },

    async skipOccurrence(patternId: string, occurrence: string): Promise<void> {
      await db
        .update(shiftPatterns)
        .set({ skippedOccurrences: sql`array_append(${shiftPatterns.skippedOccurrences}, ${occurrence})` })
        .where(eq(shiftPatterns.id, patternId));
    },

    async deletePattern(id: string): Promise<void> {
      await db.delete(shiftPatterns).where(eq(shiftPatterns.id, id));
    },

    async listPatterns(filter: { teamId?: string | undefined; personId?: string | undefined }, page: PageRequest) {
      const rows = await db
        .select()
        .from(shiftPatterns)
        .where(
          and(
            filter.teamId ? eq(shiftPatterns.teamId, filter.teamId) : undefined,
            filter.personId ? eq(shiftPatterns.personId, filter.personId) : undefined,
            afterCursor(shiftPatterns.createdAt, shiftPatterns.id, page.cursor),
          ),
        )
        .orderBy(asc(shiftPatterns.createdAt), asc(shiftPatterns.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.createdAt, r.id]);
    },

    /** Patterns whose materialised horizon ends before `horizon`. */
    async patternsBehind(horizon: Date): Promise<ShiftPattern[]> {
      return db
        .select()
        .from(shiftPatterns)
        .where(sql`${shiftPatterns.materializedUntil} IS NULL OR ${shiftPatterns.materializedUntil} < ${horizon.toISOString()}::timestamptz`);
    },

    /** Existing occurrence keys of a pattern (so materialising is idempotent). */
    async occurrencesOf(patternId: string): Promise<Set<string>> {
      const rows = await db
        .select({ occurrence: shifts.occurrence })
        .from(shifts)
        .where(and(eq(shifts.patternId, patternId), isNotNull(shifts.occurrence)));
      return new Set(rows.map((r) => r.occurrence!));
    },

    /** Removes the pattern's future occurrences that nobody edited. */
    async deleteFutureUnedited(patternId: string, now: Date): Promise<number> {
      const rows = await db
        .delete(shifts)
        .where(and(eq(shifts.patternId, patternId), eq(shifts.detached, false), gt(shifts.startAt, now)))
        .returning({ id: shifts.id });
      return rows.length;
    },
  };
}
