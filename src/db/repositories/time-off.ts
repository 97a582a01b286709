import { and, eq, gt, inArray, lt } from "drizzle-orm";
import type { Db } from "../client.ts";
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
      return db
        .select()
        .from(timeOff)
        .where(and(inArray(timeOff.personId, personIds), eq(timeOff.status, "approved"), lt(timeOff.startAt, to), gt(timeOff.endAt, from)));
    },
  };
}
