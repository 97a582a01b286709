import { and, asc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { covers, during, overlaps, updateVersioned } from "../sql.ts";
import type { HoursRows } from "../weekly-hours-rows.ts";
import {
  commitments,
  dutyBookings,
  dutyFairnessLedger,
  dutyProgramExceptions,
  dutyProgramPeople,
  dutyProgramTeams,
  dutyProgramWindows,
  dutyPrograms,
  dutySlots,
  people,
  teamMembers,
  teams,
  type DutyBooking,
  type DutyProgram,
  type DutySlot,
} from "../schema/index.ts";

/** A program row to write, with its eligibility lists (each replaces the stored list when given). */
type NewProgram = typeof dutyPrograms.$inferInsert & Partial<Pick<DutyProgram, "eligibleTeamIds" | "eligiblePersonIds" | "excludedPersonIds">>;

/** The ids of a program's list, in the order given, as one array column of the program's row (no extra round trip). */
function listOf(column: typeof dutyProgramTeams.teamId | typeof dutyProgramPeople.personId, role?: "eligible" | "excluded") {
  const table = column === dutyProgramTeams.teamId ? dutyProgramTeams : dutyProgramPeople;
  const ofRole = role ? sql` AND ${dutyProgramPeople.role} = ${role}` : sql``;
  return sql<string[]>`coalesce((SELECT array_agg(${column} ORDER BY ${table.position})::text[] FROM ${table} WHERE ${table.programId} = ${dutyPrograms.id}${ofRole}), '{}'::text[])`;
}

const programColumns = {
  ...getTableColumns(dutyPrograms),
  eligibleTeamIds: listOf(dutyProgramTeams.teamId),
  eligiblePersonIds: listOf(dutyProgramPeople.personId, "eligible"),
  excludedPersonIds: listOf(dutyProgramPeople.personId, "excluded"),
};
type NewSlot = typeof dutySlots.$inferInsert;
type NewBooking = typeof dutyBookings.$inferInsert;

type ProgramHoursRows = HoursRows;

export function createDutyRepository(db: Db) {
  return {
    async insertProgram(values: NewProgram): Promise<DutyProgram> {
      const { eligibleTeamIds, eligiblePersonIds, excludedPersonIds, ...row } = values;
      const [inserted] = await db.insert(dutyPrograms).values(row).returning({ id: dutyPrograms.id });
      await this.replaceLists(inserted!.id, { eligibleTeamIds, eligiblePersonIds, excludedPersonIds });
      return (await this.findProgram(inserted!.id))!;
    },

    async findProgram(id: string): Promise<DutyProgram | undefined> {
      const [row] = await db.select(programColumns).from(dutyPrograms).where(eq(dutyPrograms.id, id));
      return row;
    },

    async findProgramForUpdate(id: string): Promise<DutyProgram | undefined> {
      const [row] = await db.select(programColumns).from(dutyPrograms).where(eq(dutyPrograms.id, id)).for("update", { of: dutyPrograms });
      return row;
    },

    /** undefined when `version` is no longer current (nothing written). */
    async updateProgram(id: string, version: number, values: Partial<NewProgram>, now: Date): Promise<DutyProgram | undefined> {
      const { eligibleTeamIds, eligiblePersonIds, excludedPersonIds, ...row } = values;
      const updated = await updateVersioned(db, dutyPrograms, id, version, row, now);
      if (!updated) return undefined;
      await this.replaceLists(id, { eligibleTeamIds, eligiblePersonIds, excludedPersonIds });
      return this.findProgram(id);
    },

    /** Replaces each eligibility list that is given (call inside a transaction). */
    async replaceLists(programId: string, lists: Partial<Pick<DutyProgram, "eligibleTeamIds" | "eligiblePersonIds" | "excludedPersonIds">>): Promise<void> {
      if (lists.eligibleTeamIds) {
        await db.delete(dutyProgramTeams).where(eq(dutyProgramTeams.programId, programId));
        if (lists.eligibleTeamIds.length > 0) await db.insert(dutyProgramTeams).values(lists.eligibleTeamIds.map((teamId, position) => ({ programId, position, teamId })));
      }
      for (const [role, ids] of [["eligible", lists.eligiblePersonIds], ["excluded", lists.excludedPersonIds]] as const) {
        if (!ids) continue;
        await db.delete(dutyProgramPeople).where(and(eq(dutyProgramPeople.programId, programId), eq(dutyProgramPeople.role, role)));
        if (ids.length > 0) await db.insert(dutyProgramPeople).values(ids.map((personId, position) => ({ programId, role, position, personId })));
      }
    },

    /** Of these ids, those that name no team / no person (what a program's lists may not hold). */
    async unknownTeamIds(ids: string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const known = new Set((await db.select({ id: teams.id }).from(teams).where(inArray(teams.id, ids))).map((r) => r.id));
      return [...new Set(ids)].filter((id) => !known.has(id));
    },

    async unknownPersonIds(ids: string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const known = new Set((await db.select({ id: people.id }).from(people).where(inArray(people.id, ids))).map((r) => r.id));
      return [...new Set(ids)].filter((id) => !known.has(id));
    },

    /** Programs whose slots follow this team's support hours: the team cannot go while they do. */
    async programsUsingTeamHours(teamId: string): Promise<{ id: string; name: string }[]> {
      return db.select({ id: dutyPrograms.id, name: dutyPrograms.name }).from(dutyPrograms).where(eq(dutyPrograms.hoursTeamId, teamId)).orderBy(asc(dutyPrograms.name));
    },

    async listPrograms(page: PageRequest) {
      const rows = await db
        .select(programColumns)
        .from(dutyPrograms)
        .where(afterCursor(dutyPrograms.createdAt, dutyPrograms.id, page.cursor))
        .orderBy(asc(dutyPrograms.createdAt), asc(dutyPrograms.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.createdAt, r.id]);
    },

    async loadProgramHours(programId: string): Promise<ProgramHoursRows> {
      const [windows, exceptions] = await Promise.all([
        db
          .select({ days: dutyProgramWindows.days, startTime: dutyProgramWindows.startTime, endTime: dutyProgramWindows.endTime })
          .from(dutyProgramWindows)
          .where(eq(dutyProgramWindows.programId, programId))
          .orderBy(asc(dutyProgramWindows.startTime), asc(dutyProgramWindows.id)),
        db
          .select({
            date: dutyProgramExceptions.date,
            closed: dutyProgramExceptions.closed,
            startTime: dutyProgramExceptions.startTime,
            endTime: dutyProgramExceptions.endTime,
          })
          .from(dutyProgramExceptions)
          .where(eq(dutyProgramExceptions.programId, programId))
          .orderBy(asc(dutyProgramExceptions.date)),
      ]);
      return { windows, exceptions };
    },

    async replaceProgramHours(programId: string, hours: ProgramHoursRows): Promise<void> {
      await db.delete(dutyProgramWindows).where(eq(dutyProgramWindows.programId, programId));
      await db.delete(dutyProgramExceptions).where(eq(dutyProgramExceptions.programId, programId));
      if (hours.windows.length > 0) await db.insert(dutyProgramWindows).values(hours.windows.map((w) => ({ ...w, programId })));
      if (hours.exceptions.length > 0) await db.insert(dutyProgramExceptions).values(hours.exceptions.map((e) => ({ ...e, programId })));
    },

    /** Inserts slots that do not exist yet (same program and start); returns how many were new. */
    async insertSlotsIfAbsent(values: NewSlot[]): Promise<number> {
      if (values.length === 0) return 0;
      const rows = await db.insert(dutySlots).values(values).onConflictDoNothing({ target: [dutySlots.programId, dutySlots.startAt] }).returning({ id: dutySlots.id });
      return rows.length;
    },

    async findSlot(id: string): Promise<DutySlot | undefined> {
      const [row] = await db.select().from(dutySlots).where(eq(dutySlots.id, id));
      return row;
    },

    /** Locks the slot: bookings of one slot are decided one at a time. */
    async lockSlot(id: string): Promise<DutySlot | undefined> {
      const [row] = await db.select().from(dutySlots).where(eq(dutySlots.id, id)).for("update");
      return row;
    },

    async updateSlot(id: string, version: number, values: Partial<NewSlot>, now: Date) {
      return updateVersioned(db, dutySlots, id, version, values, now);
    },

    async slotsOfMonth(programId: string, month: string): Promise<DutySlot[]> {
      return db
        .select()
        .from(dutySlots)
        .where(and(eq(dutySlots.programId, programId), eq(dutySlots.month, month)))
        .orderBy(asc(dutySlots.startAt), asc(dutySlots.id));
    },

    async bookingsOfSlots(slotIds: string[]) {
      if (slotIds.length === 0) return [];
      return db
        .select({ booking: dutyBookings, name: people.name, chatUserId: people.chatUserId, skills: people.skills, timeZone: people.timeZone })
        .from(dutyBookings)
        .innerJoin(people, eq(people.id, dutyBookings.personId))
        .where(inArray(dutyBookings.slotId, slotIds))
        .orderBy(asc(dutyBookings.createdAt), asc(dutyBookings.id));
    },

    async countSlotBookings(slotId: string): Promise<number> {
      const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(dutyBookings).where(eq(dutyBookings.slotId, slotId));
      return row?.n ?? 0;
    },

    async countPersonBookings(programId: string, personId: string, month: string): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(dutyBookings)
        .where(and(eq(dutyBookings.programId, programId), eq(dutyBookings.personId, personId), eq(dutyBookings.month, month)));
      return row?.n ?? 0;
    },

    /** Serialises quota checks of one person in one program and month (held to the end of the transaction). */
    async lockPersonQuota(programId: string, personId: string, month: string): Promise<void> {
      await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`duty:${programId}:${personId}:${month}`}, 0))`);
    },

    async insertBooking(values: NewBooking): Promise<DutyBooking> {
      const [row] = await db.insert(dutyBookings).values(values).returning();
      return row!;
    },

    async findBooking(id: string): Promise<DutyBooking | undefined> {
      const [row] = await db.select().from(dutyBookings).where(eq(dutyBookings.id, id));
      return row;
    },

    async findBookingForUpdate(id: string): Promise<DutyBooking | undefined> {
      const [row] = await db.select().from(dutyBookings).where(eq(dutyBookings.id, id)).for("update");
      return row;
    },

    async moveBooking(id: string, slot: DutySlot, now: Date): Promise<DutyBooking> {
      const [row] = await db
        .update(dutyBookings)
        .set({ slotId: slot.id, startAt: slot.startAt, endAt: slot.endAt, month: slot.month, updatedAt: now, version: sql`${dutyBookings.version} + 1` })
        .where(eq(dutyBookings.id, id))
        .returning();
      return row!;
    },

    async deleteBooking(id: string): Promise<void> {
      await db.delete(dutyBookings).where(eq(dutyBookings.id, id));
    },

    async bookingsOfMonth(programId: string, month: string) {
      return db.select().from(dutyBookings).where(and(eq(dutyBookings.programId, programId), eq(dutyBookings.month, month)));
    },

    /** Bookings of a program whose slot contains `at`, with the people's skills. */
    async onDutyAt(programId: string, at: Date) {
      return db
        .select({ booking: dutyBookings, person: people })
        .from(dutyBookings)
        .innerJoin(people, eq(people.id, dutyBookings.personId))
        .where(and(eq(dutyBookings.programId, programId), covers(during(dutyBookings), at)))
        .orderBy(asc(people.name));
    },

    /** Active people eligible for the program; with `personId`, just that person if eligible. */
    async eligiblePeople(program: DutyProgram, personId?: string) {
      const base = and(
        eq(people.active, true),
        personId ? eq(people.id, personId) : undefined,
        program.excludedPersonIds.length > 0 ? sql`NOT (${people.id} = ANY(${sql.param(program.excludedPersonIds)}::uuid[]))` : undefined,
      );
      if (program.eligibility === "people") {
        if (program.eligiblePersonIds.length === 0) return [];
        return db.select().from(people).where(and(base, inArray(people.id, program.eligiblePersonIds))).orderBy(asc(people.name), asc(people.id));
      }
      if (program.eligibility === "teams") {
        if (program.eligibleTeamIds.length === 0) return [];
        return db
          .select()
          .from(people)
          .where(and(base, inArray(people.id, db.select({ id: teamMembers.personId }).from(teamMembers).where(inArray(teamMembers.teamId, program.eligibleTeamIds)))))
          .orderBy(asc(people.name), asc(people.id));
      }
      return db.select().from(people).where(base).orderBy(asc(people.name), asc(people.id));
    },

    /** One person's eligibility: the same rules as eligiblePeople, one row at most. */
    async isEligible(program: DutyProgram, personId: string): Promise<boolean> {
      return (await this.eligiblePeople(program, personId)).length > 0;
    },

    async ledgerSince(programId: string, fromMonth: string, beforeMonth: string): Promise<Map<string, number>> {
      const rows = await db
        .select({ personId: dutyFairnessLedger.personId, n: sql<number>`sum(${dutyFairnessLedger.unpopularCount})::int` })
        .from(dutyFairnessLedger)
        .where(and(eq(dutyFairnessLedger.programId, programId), sql`${dutyFairnessLedger.month} >= ${fromMonth} AND ${dutyFairnessLedger.month} < ${beforeMonth}`))
        .groupBy(dutyFairnessLedger.personId);
      return new Map(rows.map((r) => [r.personId, r.n]));
    },

    async addToLedger(programId: string, personId: string, month: string, unpopular: number): Promise<void> {
      await db
        .insert(dutyFairnessLedger)
        .values({ programId, personId, month, unpopularCount: unpopular })
        .onConflictDoUpdate({
          target: [dutyFairnessLedger.programId, dutyFairnessLedger.personId, dutyFairnessLedger.month],
          set: { unpopularCount: sql`${dutyFairnessLedger.unpopularCount} + ${unpopular}` },
        });
    },
  };
}

/** Every commitment (shift, booking) of these people overlapping [from, to), as instants. */
export async function commitmentsOfPeople(db: Db, personIds: string[], from: Date, to: Date) {
  if (personIds.length === 0) return [];
  const rows = await db.execute(sql`
    SELECT person_id AS "personId", lower(during) AS "start", upper(during) AS "end"
    FROM ${commitments}
    WHERE person_id = ANY(${sql.param(personIds)}::uuid[])
      AND ${overlaps(commitments.during, from, to)}`);
  return (rows as unknown as { rows: { personId: string; start: string | Date; end: string | Date }[] }).rows.map((r) => ({
    personId: r.personId,
    start: new Date(r.start),
    end: new Date(r.end),
  }));
}
