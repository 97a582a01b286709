import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import type { Db } from "../client.ts";
import { during, overlaps } from "../sql.ts";
import { timeOff, type TimeOff } from "../schema/index.ts";

export function createTimeOffRepository(db: Db) {
  return {
    async insert(values: typeof timeOff.$inferInsert): Promise<TimeOff> {
      const [row] = await db.insert(timeOff).values(values).returning();
      return row!;
    },

    /** Approved time off of these people overlapping [from, to). */
    async approvedOverlapping(personIds: string[], from: Date, to: Date): Promise<TimeOff[]> {
      if (personIds.length === 0) return [];
      // The ids as one array parameter: auto-assign asks for thousands of people.
      return db
        .select()
        .from(timeOff)
        .where(and(sql`${timeOff.personId} = ANY(${sql.param(personIds)}::uuid[])`, eq(timeOff.status, "approved"), overlaps(during(timeOff), from, to)));
    },
  };
}

export function createTimeOffQueries(db: Db) {
  return {
    async findById(id: string): Promise<TimeOff | undefined> {
      const [row] = await db.select().from(timeOff).where(eq(timeOff.id, id));
      return row;
    },
    async findByIdForUpdate(id: string): Promise<TimeOff | undefined> {
      const [row] = await db.select().from(timeOff).where(eq(timeOff.id, id)).for("update");
      return row;
    },
    async decide(id: string, values: Partial<typeof timeOff.$inferInsert>, now: Date): Promise<TimeOff> {
      const [row] = await db
        .update(timeOff)
        .set({ ...values, updatedAt: now, version: sql`${timeOff.version} + 1` })
        .where(eq(timeOff.id, id))
        .returning();
      return row!;
    },
    async list(filter: { personId?: string | undefined; personIds?: string[] | undefined; status?: TimeOff["status"] | undefined; from?: Date | undefined; to?: Date | undefined }, page: PageRequest) {
      const rows = await db
        .select()
        .from(timeOff)
        .where(
          and(
            filter.personId ? eq(timeOff.personId, filter.personId) : undefined,
            filter.personIds ? inArray(timeOff.personId, filter.personIds.length > 0 ? filter.personIds : ["00000000-0000-0000-0000-000000000000"]) : undefined,
            filter.status ? eq(timeOff.status, filter.status) : undefined,
            overlaps(during(timeOff), filter.from, filter.to),
            afterCursor(timeOff.startAt, timeOff.id, page.cursor),
          ),
        )
        .orderBy(asc(timeOff.startAt), asc(timeOff.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.startAt, r.id]);
    },
  };
}
