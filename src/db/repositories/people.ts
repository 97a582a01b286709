import { and, arrayContains, asc, eq, getTableColumns, ilike, inArray, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { chunks, containsPattern, updateVersioned } from "../sql.ts";
import { people, teamMembers, type NewPerson, type Person, type PersonRole } from "../schema/index.ts";

export interface PeopleFilter {
  q?: string | undefined;
  role?: PersonRole | undefined;
  active?: boolean | undefined;
  teamId?: string | undefined;
  skill?: string | undefined;
}

/** What a batch update writes to one person: every editable column, checked against the version it was read at. */
export type PersonBatchUpdate = Pick<
  Person,
  "id" | "version" | "name" | "timeZone" | "role" | "title" | "skills" | "active" | "chatUserId" | "trainedAt" | "workingDays" | "workingStart" | "workingEnd"
>;

function peopleConditions(filter: PeopleFilter): (SQL | undefined)[] {
  return [
    filter.q ? or(ilike(people.name, containsPattern(filter.q)), ilike(people.email, containsPattern(filter.q))) : undefined,
    filter.role ? eq(people.role, filter.role) : undefined,
    filter.active === undefined ? undefined : eq(people.active, filter.active),
    filter.skill ? arrayContains(people.skills, [filter.skill]) : undefined,
    filter.teamId ? inArray(people.id, sql`(SELECT ${teamMembers.personId} FROM ${teamMembers} WHERE ${teamMembers.teamId} = ${filter.teamId})`) : undefined,
  ];
}

export function createPeopleRepository(db: Db) {
  return {
    async findById(id: string): Promise<Person | undefined> {
      const [row] = await db.select().from(people).where(eq(people.id, id));
      return row;
    },

    /** Locks the row for the rest of the transaction (read-modify-write). */
    async findByIdForUpdate(id: string): Promise<Person | undefined> {
      const [row] = await db.select().from(people).where(eq(people.id, id)).for("update");
      return row;
    },

    async insert(values: NewPerson): Promise<Person> {
      const [row] = await db.insert(people).values(values).returning();
      return row!;
    },

    /** People by email, matched as the unique index does (lower-case); `lock` takes their rows for the transaction. */
    async findByEmails(emails: readonly string[], lock = false): Promise<Person[]> {
      if (emails.length === 0) return [];
      const lower = [...new Set(emails.map((e) => e.toLowerCase()))];
      const query = db.select().from(people).where(inArray(sql`lower(${people.email})`, lower));
      return lock ? query.for("update") : query;
    },

    /** Inserts many people in a few statements, returning them in the order given. */
    async insertMany(values: readonly NewPerson[]): Promise<Person[]> {
      const rows: Person[] = [];
      for (const chunk of chunks(values)) rows.push(...(await db.insert(people).values(chunk).returning()));
      return rows;
    },

    /**
     * Writes many people at once (one UPDATE … FROM jsonb_to_recordset per
     * chunk), each only if still at the version it was read at, bumping it.
     * Returns the rows written: fewer than given means someone changed one meanwhile.
     */
    async updateMany(rows: readonly PersonBatchUpdate[], now: Date): Promise<Person[]> {
      const written: Person[] = [];
      for (const chunk of chunks(rows)) {
        const json = JSON.stringify(
          chunk.map((r) => ({ ...r, trainedAt: r.trainedAt ? r.trainedAt.toISOString() : null })),
        );
        const v = sql`jsonb_to_recordset(${json}::jsonb) AS v("id" uuid, "version" integer, "name" text, "timeZone" text, "role" person_role, "title" text, "skills" text[], "active" boolean, "chatUserId" text, "trainedAt" timestamptz, "workingDays" text[], "workingStart" text, "workingEnd" text)`;
        written.push(
          ...(await db
            .update(people)
            .set({
              name: sql`v."name"`,
              timeZone: sql`v."timeZone"`,
              role: sql`v."role"`,
              title: sql`v."title"`,
              skills: sql`v."skills"`,
              active: sql`v."active"`,
              chatUserId: sql`v."chatUserId"`,
              trainedAt: sql`v."trainedAt"`,
              workingDays: sql`v."workingDays"`,
              workingStart: sql`v."workingStart"`,
              workingEnd: sql`v."workingEnd"`,
              updatedAt: now,
              version: sql`${people.version} + 1`,
            })
            .from(v)
            .where(and(eq(people.id, sql`v."id"`), eq(people.version, sql`v."version"`)))
            .returning(getTableColumns(people))),
        );
      }
      return written;
    },

    /** Updates when `version` matches (optimistic concurrency); undefined when it does not. */
    async update(id: string, version: number, values: Partial<NewPerson>, now: Date): Promise<Person | undefined> {
      return updateVersioned(db, people, id, version, values, now);
    },

    async countActiveAdmins(): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(people)
        .where(and(eq(people.role, "admin"), eq(people.active, true)));
      return row?.n ?? 0;
    },

    async isEmpty(): Promise<boolean> {
      const rows = await db.select({ id: people.id }).from(people).limit(1);
      return rows.length === 0;
    },

    /** Everyone matching, unpaginated: for reports over a whole team (no silent cap; a team is at most the company). */
    async matching(filter: PeopleFilter): Promise<Person[]> {
      return db.select().from(people).where(and(...peopleConditions(filter))).orderBy(asc(people.createdAt), asc(people.id));
    },

    /** The ids of a team's members, all of them. */
    async memberIds(teamId: string): Promise<string[]> {
      return (await db.select({ id: teamMembers.personId }).from(teamMembers).where(eq(teamMembers.teamId, teamId))).map((r) => r.id);
    },

    async list(filter: PeopleFilter, page: PageRequest) {
      const conditions: (SQL | undefined)[] = [
        ...peopleConditions(filter),
        afterCursor(people.createdAt, people.id, page.cursor),
      ];
      const rows = await db
        .select()
        .from(people)
        .where(and(...conditions))
        .orderBy(asc(people.createdAt), asc(people.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.createdAt, r.id]);
    },

    /** Ids of the teams this person leads (lead flag on the membership). */
    async ledTeamIds(personId: string): Promise<string[]> {
      const rows = await db
        .select({ teamId: teamMembers.teamId })
        .from(teamMembers)
        .where(and(eq(teamMembers.personId, personId), eq(teamMembers.isLead, true)));
      return rows.map((r) => r.teamId);
    },

    async teamIdsOf(personId: string): Promise<string[]> {
      const rows = await db.select({ teamId: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.personId, personId));
      return rows.map((r) => r.teamId);
    },

    /** Team ids of several people at once (people in no team are absent from the map). */
    async teamIdsOfMany(personIds: readonly string[]): Promise<Map<string, string[]>> {
      const byPerson = new Map<string, string[]>();
      if (personIds.length === 0) return byPerson;
      const rows = await db.select({ personId: teamMembers.personId, teamId: teamMembers.teamId }).from(teamMembers).where(inArray(teamMembers.personId, [...personIds]));
      for (const r of rows) byPerson.set(r.personId, [...(byPerson.get(r.personId) ?? []), r.teamId]);
      return byPerson;
    },

    async clearLeadFlags(personId: string): Promise<void> {
      await db.update(teamMembers).set({ isLead: false }).where(eq(teamMembers.personId, personId));
    },

    async clearLeadFlagsOfMany(personIds: readonly string[]): Promise<void> {
      for (const chunk of chunks(personIds)) {
        await db.update(teamMembers).set({ isLead: false }).where(and(inArray(teamMembers.personId, chunk), eq(teamMembers.isLead, true)));
      }
    },
  };
}
