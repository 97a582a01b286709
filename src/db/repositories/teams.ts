import { and, asc, eq, ilike, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { containsPattern, updateVersioned } from "../sql.ts";
import { people, teamMembers, teams, type NewTeam, type Team } from "../schema/index.ts";

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
