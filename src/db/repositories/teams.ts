import { and, asc, eq, ilike, inArray, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { containsPattern, updateVersioned } from "../sql.ts";
import { people, teamMembers, teams, type NewTeam, type Team, type TeamMember } from "../schema/index.ts";
import { chunks } from "../sql.ts";

export function createTeamRepository(db: Db) {
  return {
    async findById(id: string): Promise<Team | undefined> {
      const [row] = await db.select().from(teams).where(eq(teams.id, id));
      return row;
    },

    async findByIdForUpdate(id: string): Promise<Team | undefined> {
      const [row] = await db.select().from(teams).where(eq(teams.id, id)).for("update");
      return row;
    },

    async insert(values: NewTeam): Promise<Team> {
      const [row] = await db.insert(teams).values(values).returning();
      return row!;
    },

    async update(id: string, version: number, values: Partial<NewTeam>, now: Date): Promise<Team | undefined> {
      return updateVersioned(db, teams, id, version, values, now);
    },

    async delete(id: string): Promise<void> {
      await db.delete(teams).where(eq(teams.id, id));
    },

    async list(filter: { q?: string | undefined }, page: PageRequest) {
      const conditions: (SQL | undefined)[] = [
        filter.q ? ilike(teams.name, containsPattern(filter.q)) : undefined,
        afterCursor(teams.createdAt, teams.id, page.cursor),
      ];
      const rows = await db
        .select()
        .from(teams)
        .where(and(...conditions))
        .orderBy(asc(teams.createdAt), asc(teams.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.createdAt, r.id]);
    },

    /** Teams named by id or by name (any case, as the unique index compares them). */
    async findByIdsOrNames(ids: readonly string[], names: readonly string[]): Promise<Team[]> {
      const lower = [...new Set(names.map((n) => n.toLowerCase()))];
      if (ids.length === 0 && lower.length === 0) return [];
      return db
        .select()
        .from(teams)
        .where(or(ids.length > 0 ? inArray(teams.id, [...ids]) : undefined, lower.length > 0 ? inArray(sql`lower(${teams.name})`, lower) : undefined));
    },

    /** Every membership of these people. */
    async membershipsOf(personIds: readonly string[]): Promise<TeamMember[]> {
      const rows: TeamMember[] = [];
      for (const chunk of chunks(personIds)) rows.push(...(await db.select().from(teamMembers).where(inArray(teamMembers.personId, chunk))));
      return rows;
    },

    /** Many memberships at once, each chunk as one JSON parameter (far faster than thousands of bound ones). */
    async addMembers(values: readonly { teamId: string; personId: string; isLead: boolean; createdAt: Date }[]): Promise<TeamMember[]> {
      const rows: TeamMember[] = [];
      for (const chunk of chunks(values, 5000)) {
        const json = JSON.stringify(chunk.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })));
        rows.push(
          ...(await db
            .insert(teamMembers)
            .select(sql`SELECT v."teamId", v."personId", v."isLead", v."createdAt" FROM jsonb_to_recordset(${json}::jsonb) AS v("teamId" uuid, "personId" uuid, "isLead" boolean, "createdAt" timestamptz)`)
            .returning()),
        );
      }
      return rows;
    },

    /** Sets the lead flag of many memberships, one statement per chunk. */
    async setLeads(changes: readonly { teamId: string; personId: string; isLead: boolean }[]): Promise<TeamMember[]> {
      const rows: TeamMember[] = [];
      for (const chunk of chunks(changes)) {
        const v = sql`jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS v("teamId" uuid, "personId" uuid, "isLead" boolean)`;
        rows.push(
          ...(await db
            .update(teamMembers)
            .set({ isLead: sql`v."isLead"` })
            .from(v)
            .where(and(eq(teamMembers.teamId, sql`v."teamId"`), eq(teamMembers.personId, sql`v."personId"`)))
            .returning({ teamId: teamMembers.teamId, personId: teamMembers.personId, isLead: teamMembers.isLead, createdAt: teamMembers.createdAt })),
        );
      }
      return rows;
    },

    async findMember(teamId: string, personId: string) {
      const [row] = await db
        .select()
        .from(teamMembers)
        .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.personId, personId)));
      return row;
    },

    async addMember(values: { teamId: string; personId: string; isLead: boolean; createdAt: Date }) {
      const [row] = await db.insert(teamMembers).values(values).returning();
      return row!;
    },

    async setLead(teamId: string, personId: string, isLead: boolean) {
      const [row] = await db
        .update(teamMembers)
        .set({ isLead })
        .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.personId, personId)))
        .returning();
      return row;
    },

    async removeMember(teamId: string, personId: string) {
      const [row] = await db
        .delete(teamMembers)
        .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.personId, personId)))
        .returning();
      return row;
    },

    /** Members with the person's directory fields, in the order they joined. */
    async listMembers(teamId: string, page: PageRequest) {
      const rows = await db
        .select({ membership: teamMembers, person: people })
        .from(teamMembers)
        .innerJoin(people, eq(people.id, teamMembers.personId))
        .where(and(eq(teamMembers.teamId, teamId), afterCursor(teamMembers.createdAt, teamMembers.personId, page.cursor)))
        .orderBy(asc(teamMembers.createdAt), asc(teamMembers.personId))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.membership.createdAt, r.membership.personId]);
    },
  };
}
