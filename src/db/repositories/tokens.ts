import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { apiTokens, people, teamMembers, type ApiToken } from "../schema/index.ts";

export function createTokenRepository(db: Db) {
  return {
    async insert(values: { personId: string; name: string; prefix: string; tokenHash: string; createdAt: Date }): Promise<ApiToken> {
      const [row] = await db.insert(apiTokens).values(values).returning();
      return row!;
    },

    async findById(id: string): Promise<ApiToken | undefined> {
      const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id));
      return row;
    },

    /**
     * The hot path of every request: token, person and led teams in one query.
     * Only live tokens of active people match.
     */
    async findActorByHash(tokenHash: string) {
      const [row] = await db
        .select({
          tokenId: apiTokens.id,
          lastUsedAt: apiTokens.lastUsedAt,
          person: people,
          ledTeamIds: sql<string[]>`coalesce((select array_agg(${teamMembers.teamId}::text) from ${teamMembers} where ${teamMembers.personId} = ${people.id} and ${teamMembers.isLead}), '{}')`,
        })
        .from(apiTokens)
        .innerJoin(people, eq(people.id, apiTokens.personId))
        .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt), eq(people.active, true)));
      return row;
    },

    async touch(id: string, at: Date): Promise<void> {
      await db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
    },

    async revoke(id: string, at: Date): Promise<ApiToken | undefined> {
      const [row] = await db
        .update(apiTokens)
        .set({ revokedAt: at })
        .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
        .returning();
      return row;
    },

    async listForPerson(personId: string, page: PageRequest) {
      const rows = await db
        .select()
        .from(apiTokens)
        .where(and(eq(apiTokens.personId, personId), afterCursor(apiTokens.createdAt, apiTokens.id, page.cursor)))
        .orderBy(asc(apiTokens.createdAt), asc(apiTokens.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.createdAt, r.id]);
    },
  };
}
