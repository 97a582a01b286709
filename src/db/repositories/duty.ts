import { and, asc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { chunks, covers, during, overlaps, updateVersioned } from "../sql.ts";
import { loadHoursRows, type HoursRows, type HoursTables } from "../weekly-hours-rows.ts";
import { commitmentsLockKey } from "./shifts.ts";
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

const PROGRAM_HOURS: HoursTables = {
  windows: { table: dutyProgramWindows, owner: dutyProgramWindows.programId, id: dutyProgramWindows.id, days: dutyProgramWindows.days, startTime: dutyProgramWindows.startTime, endTime: dutyProgramWindows.endTime },
  exceptions: {
    table: dutyProgramExceptions,
    owner: dutyProgramExceptions.programId,
    date: dutyProgramExceptions.date,
    closed: dutyProgramExceptions.closed,
    startTime: dutyProgramExceptions.startTime,
    endTime: dutyProgramExceptions.endTime,
  },
};

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

    /**
     * Locks the program against other changes and auto-assign runs. NO KEY
     * UPDATE, not UPDATE: a booking's foreign-key check takes KEY SHARE on
     * the program while it holds its slot, and a run holding the program
     * while waiting for that slot would deadlock with it.
     */
    async findProgramForUpdate(id: string): Promise<DutyProgram | undefined> {
      const [row] = await db.select(programColumns).from(dutyPrograms).where(eq(dutyPrograms.id, id)).for("no key update", { of: dutyPrograms });
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
      return (await this.loadHoursOfPrograms([programId])).get(programId)!;
    },

    /** loadProgramHours for many programs in two statements; a program without rows gets empty lists. */
    async loadHoursOfPrograms(programIds: readonly string[]): Promise<Map<string, ProgramHoursRows>> {
      return loadHoursRows(db, PROGRAM_HOURS, programIds);
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

    /** Locks many slots in one statement, in id order (as moves lock two), so writers that lock slots cannot deadlock. */
    async lockSlots(ids: readonly string[]): Promise<DutySlot[]> {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(dutySlots)
        .where(sql`${dutySlots.id} = ANY(${sql.param([...ids])}::uuid[])`)
        .orderBy(asc(dutySlots.id))
        .for("update");
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

    /** Bookings held in each of these slots (a slot with none is absent). */
    async bookingsPerSlot(slotIds: readonly string[]): Promise<Map<string, number>> {
      if (slotIds.length === 0) return new Map();
      const rows = await db
        .select({ slotId: dutyBookings.slotId, n: sql<number>`count(*)::int` })
        .from(dutyBookings)
        .where(sql`${dutyBookings.slotId} = ANY(${sql.param([...slotIds])}::uuid[])`)
        .groupBy(dutyBookings.slotId);
      return new Map(rows.map((r) => [r.slotId, r.n]));
    },

    /** Bookings each person holds in the program's month (one with none is absent); all people unless `personIds`. */
    async bookingsPerPerson(programId: string, month: string, personIds?: readonly string[]): Promise<Map<string, number>> {
      if (personIds?.length === 0) return new Map();
      const rows = await db
        .select({ personId: dutyBookings.personId, n: sql<number>`count(*)::int` })
        .from(dutyBookings)
        .where(
          and(
            eq(dutyBookings.programId, programId),
            eq(dutyBookings.month, month),
            personIds ? sql`${dutyBookings.personId} = ANY(${sql.param([...personIds])}::uuid[])` : undefined,
          ),
        )
        .groupBy(dutyBookings.personId);
      return new Map(rows.map((r) => [r.personId, r.n]));
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
      await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${quotaLockKey(programId, personId, month)}, 0))`);
    },

    /**
     * A slot locked for a booking (FOR UPDATE, as lockSlot) with its program, in one statement:
     * a booking holds the slot's lock from here to its commit, so every round trip saved here
     * is time the next booker of that slot does not wait.
     */
    async lockSlotWithProgram(id: string): Promise<{ slot: DutySlot; program: DutyProgram } | undefined> {
      const [row] = await db
        .select({ slot: dutySlots, program: programColumns })
        .from(dutySlots)
        .innerJoin(dutyPrograms, eq(dutyPrograms.id, dutySlots.programId))
        .where(eq(dutySlots.id, id))
        .for("update", { of: dutySlots });
      return row;
    },

    /**
     * The booker's quota lock and commitments lock (as lockPersonQuota, then
     * ShiftRepository.lockPeople: the order every writer takes them), in one
     * statement; unnest yields the keys in the order given.
     */
    async lockBooker(programId: string, personId: string, month: string): Promise<void> {
      const keys = [quotaLockKey(programId, personId, month), commitmentsLockKey(personId)];
      await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) FROM unnest(${sql.param(keys)}::text[]) AS key`);
    },

    /**
     * Everything one booking is checked against, in one statement (under the
     * slot's, the quota's and the person's locks): the person, whether the
     * program takes them, the slots they hold that month, the seats taken,
     * and a commitment of theirs overlapping the slot. undefined for no such person.
     * The subqueries name the person by the parameter, not `people.id`: drizzle writes a
     * select-list column of a one-table query without its table, and inside a subquery that
     * would be the subquery's own `id`.
     */
    async bookingFacts(program: DutyProgram, slot: DutySlot, personId: string) {
      const eligible = eligibility(program, personId);
      const [row] = await db
        .select({
          person: people,
          eligible: eligible ? sql<boolean>`coalesce((${eligible}), false)` : sql<boolean>`false`,
          held: sql<number>`(SELECT count(*) FROM ${dutyBookings} WHERE ${dutyBookings.programId} = ${program.id} AND ${dutyBookings.personId} = ${personId}::uuid AND ${dutyBookings.month} = ${slot.month})::int`,
          taken: sql<number>`(SELECT count(*) FROM ${dutyBookings} WHERE ${dutyBookings.slotId} = ${slot.id})::int`,
          clash: sql<{ sourceKind: string; sourceId: string } | null>`(SELECT json_build_object('sourceKind', ${commitments.sourceKind}, 'sourceId', ${commitments.sourceId}) FROM ${commitments} WHERE ${commitments.personId} = ${personId}::uuid AND ${overlaps(commitments.during, slot.startAt, slot.endAt)} LIMIT 1)`,
        })
        .from(people)
        .where(eq(people.id, personId));
      return row;
    },

    /** The quota locks of many people in one statement, in id order (the same key as lockPersonQuota). */
    async lockPeopleQuotas(programId: string, personIds: readonly string[], month: string): Promise<void> {
      const keys = [...new Set(personIds)].sort().map((personId) => quotaLockKey(programId, personId, month));
      if (keys.length === 0) return;
      // unnest yields the keys in the order given, so the locks are taken in that order.
      await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) FROM unnest(${sql.param(keys)}::text[]) AS key`);
    },

    async insertBooking(values: NewBooking): Promise<DutyBooking> {
      const [row] = await db.insert(dutyBookings).values(values).returning();
      return row!;
    },

    /**
     * Many bookings in a few statements (5,000 rows each, as one JSON
     * parameter: PostgreSQL reads it far faster than thousands of bound ones,
     * as recordMany does for the audit). A row that breaks a constraint
     * aborts its statement.
     */
    async insertBookings(values: readonly Omit<DutyBooking, "id" | "version">[]): Promise<DutyBooking[]> {
      const inserted: DutyBooking[] = [];
      for (const chunk of chunks(values, 5000)) {
        const json = JSON.stringify(chunk);
        // Every column of duty_bookings in schema order, as drizzle lists them for INSERT … SELECT.
        const rows = await db
          .insert(dutyBookings)
          .select(
            sql`SELECT gen_random_uuid(), v."slotId", v."programId", v."month", v."personId", v."startAt", v."endAt", v."bookedBy", v."autoAssigned", v."createdAt", v."updatedAt", 1 FROM jsonb_to_recordset(${json}::jsonb) AS v("slotId" uuid, "programId" uuid, "month" text, "personId" uuid, "startAt" timestamptz, "endAt" timestamptz, "bookedBy" uuid, "autoAssigned" boolean, "createdAt" timestamptz, "updatedAt" timestamptz)`,
          )
          .returning();
        inserted.push(...rows);
      }
      return inserted;
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

    /** Bookings of a program whose slot contains `at`, with the people's skills. */
    async onDutyAt(programId: string, at: Date) {
      return db
        .select({ booking: dutyBookings, person: people })
        .from(dutyBookings)
        .innerJoin(people, eq(people.id, dutyBookings.personId))
        .where(and(eq(dutyBookings.programId, programId), covers(during(dutyBookings), at)))
        .orderBy(asc(people.name));
    },

    /** Active people eligible for the program, by name; with `only`, just those of them (one id or many). */
    async eligiblePeople(program: DutyProgram, only?: string | readonly string[]) {
      const condition = eligibility(program, only);
      return condition ? db.select().from(people).where(condition).orderBy(asc(people.name), asc(people.id)) : [];
    },

    /** Of these people, those still active and eligible, with their training date: what a booking re-checks. */
    async eligibleAmong(program: DutyProgram, personIds: readonly string[]): Promise<{ id: string; trainedAt: Date | null }[]> {
      const condition = eligibility(program, personIds);
      return condition ? db.select({ id: people.id, trainedAt: people.trainedAt }).from(people).where(condition) : [];
    },

    /** One person's eligibility: the same rules as eligiblePeople, one row at most. */
    async isEligible(program: DutyProgram, personId: string): Promise<boolean> {
      return (await this.eligibleAmong(program, [personId])).length > 0;
    },

    async ledgerSince(programId: string, fromMonth: string, beforeMonth: string): Promise<Map<string, number>> {
      const rows = await db
        .select({ personId: dutyFairnessLedger.personId, n: sql<number>`sum(${dutyFairnessLedger.unpopularCount})::int` })
        .from(dutyFairnessLedger)
        .where(and(eq(dutyFairnessLedger.programId, programId), sql`${dutyFairnessLedger.month} >= ${fromMonth} AND ${dutyFairnessLedger.month} < ${beforeMonth}`))
        .groupBy(dutyFairnessLedger.personId);
      return new Map(rows.map((r) => [r.personId, r.n]));
    },

    /** Adds one unpopular slot in the month to each of these people's ledger rows, in one statement. */
    async addUnpopularToLedger(programId: string, personIds: readonly string[], month: string): Promise<void> {
      if (personIds.length === 0) return;
      await db.execute(sql`
        INSERT INTO ${dutyFairnessLedger} (program_id, person_id, month, unpopular_count)
        SELECT ${programId}::uuid, person_id, ${month}, 1 FROM unnest(${sql.param([...new Set(personIds)])}::uuid[]) AS person_id
        ON CONFLICT (program_id, person_id, month) DO UPDATE SET unpopular_count = ${dutyFairnessLedger}.unpopular_count + excluded.unpopular_count`);
    },
  };
}

const quotaLockKey = (programId: string, personId: string, month: string) => `duty:${programId}:${personId}:${month}`;

/** An id list as one array parameter (a list of thousands is one bind, not thousands). */
function anyOf(column: typeof people.id, ids: readonly string[]) {
  return sql`${column} = ANY(${sql.param([...ids])}::uuid[])`;
}

/** "Active and eligible for the program" (and among `only`) as a condition on people, or undefined when nobody can be. */
function eligibility(program: DutyProgram, only?: string | readonly string[]) {
  if (typeof only !== "string" && only?.length === 0) return undefined;
  const base = and(
    eq(people.active, true),
    typeof only === "string" ? eq(people.id, only) : only ? anyOf(people.id, only) : undefined,
    program.excludedPersonIds.length > 0 ? sql`NOT (${anyOf(people.id, program.excludedPersonIds)})` : undefined,
  );
  if (program.eligibility === "people") return program.eligiblePersonIds.length > 0 ? and(base, anyOf(people.id, program.eligiblePersonIds)) : undefined;
  if (program.eligibility === "teams") {
    if (program.eligibleTeamIds.length === 0) return undefined;
    return and(base, sql`${people.id} IN (SELECT ${teamMembers.personId} FROM ${teamMembers} WHERE ${teamMembers.teamId} = ANY(${sql.param(program.eligibleTeamIds)}::uuid[]))`);
  }
  return base;
}

/**
 * For each wanted (person, [start, end)), the first commitment (shift,
 * booking) of that person overlapping it, in one statement; people with none
 * are absent.
 */
export async function firstClashes(db: Db, wanted: readonly { personId: string; start: Date; end: Date }[]) {
  if (wanted.length === 0) return new Map<string, { sourceKind: string; sourceId: string }>();
  const rows = await db.execute(sql`
    SELECT DISTINCT ON (w.person_id) w.person_id AS "personId", c.source_kind AS "sourceKind", c.source_id AS "sourceId"
    FROM unnest(${sql.param(wanted.map((w) => w.personId))}::uuid[], ${sql.param(wanted.map((w) => w.start.toISOString()))}::timestamptz[],
                ${sql.param(wanted.map((w) => w.end.toISOString()))}::timestamptz[]) AS w(person_id, start_at, end_at)
    JOIN commitments c ON c.person_id = w.person_id AND c.during && tstzrange(w.start_at, w.end_at, '[)')
    ORDER BY w.person_id, lower(c.during), c.source_id`);
  const found = (rows as unknown as { rows: { personId: string; sourceKind: string; sourceId: string }[] }).rows;
  return new Map(found.map((r) => [r.personId, { sourceKind: r.sourceKind, sourceId: r.sourceId }]));
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
