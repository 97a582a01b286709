import { and, arrayContains, asc, eq, ilike, inArray, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { containsPattern, updateVersioned } from "../sql.ts";
import { people, teamMembers, type NewPerson, type Person, type PersonRole } from "../schema/index.ts";

export interface PeopleFilter {
  q?: string | undefined;
  role?: PersonRole | undefined;
  active?: boolean | undefined;
  teamId?: string | undefined;
  skill?: string | undefined;
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

    async list(filter: PeopleFilter, page: PageRequest) {
      const conditions: (SQL | undefined)[] = [
        filter.q ? or(ilike(people.name, containsPattern(filter.q)), ilike(people.email, containsPattern(filter.q))) : undefined,
        filter.role ? eq(people.role, filter.role) : undefined,
        filter.active === undefined ? undefined : eq(people.active, filter.active),
        filter.skill ? arrayContains(people.skills, [filter.skill]) : undefined,
        filter.teamId
          ? inArray(people.id, db.select({ id: teamMembers.personId }).from(teamMembers).where(eq(teamMembers.teamId, filter.teamId)))
          : undefined,
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
  };
}
