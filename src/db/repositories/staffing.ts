import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { updateVersioned } from "../sql.ts";
import { staffingRequirements, type StaffingRequirement } from "../schema/index.ts";

type NewRequirement = typeof staffingRequirements.$inferInsert;

export function createStaffingRepository(db: Db) {
  return {
    async listForTeam(teamId: string): Promise<StaffingRequirement[]> {
      return db
        .select()
        .from(staffingRequirements)
        .where(eq(staffingRequirements.teamId, teamId))
        .orderBy(asc(staffingRequirements.createdAt), asc(staffingRequirements.id));
    },

    async find(teamId: string, id: string): Promise<StaffingRequirement | undefined> {
      const [row] = await db
        .select()
        .from(staffingRequirements)
        .where(and(eq(staffingRequirements.teamId, teamId), eq(staffingRequirements.id, id)));
      return row;
    },

    async insert(values: NewRequirement): Promise<StaffingRequirement> {
      const [row] = await db.insert(staffingRequirements).values(values).returning();
      return row!;
    },

    async update(id: string, version: number, values: Partial<NewRequirement>, now: Date) {
      return updateVersioned(db, staffingRequirements, id, version, values, now);
    },

    async delete(id: string): Promise<void> {
      await db.delete(staffingRequirements).where(eq(staffingRequirements.id, id));
    },
  };
}
