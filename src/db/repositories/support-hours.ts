import { eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { loadHoursRows, type HoursTables } from "../weekly-hours-rows.ts";
import { teamSupportExceptions, teamSupportWindows } from "../schema/index.ts";

export interface SupportWindowRow {
  days: string[];
  startTime: string;
  endTime: string;
}

export interface SupportExceptionRow {
  date: string;
  closed: boolean;
  startTime: string | null;
  endTime: string | null;
}

const SUPPORT_HOURS: HoursTables = {
  windows: { table: teamSupportWindows, owner: teamSupportWindows.teamId, id: teamSupportWindows.id, days: teamSupportWindows.days, startTime: teamSupportWindows.startTime, endTime: teamSupportWindows.endTime },
  exceptions: {
    table: teamSupportExceptions,
    owner: teamSupportExceptions.teamId,
    date: teamSupportExceptions.date,
    closed: teamSupportExceptions.closed,
    startTime: teamSupportExceptions.startTime,
    endTime: teamSupportExceptions.endTime,
  },
};

export function createSupportHoursRepository(db: Db) {
  return {
    async load(teamId: string): Promise<{ windows: SupportWindowRow[]; exceptions: SupportExceptionRow[] }> {
      return (await this.loadMany([teamId])).get(teamId)!;
    },

    /** load() for many teams in two statements; a team without rows gets empty lists. */
    async loadMany(teamIds: readonly string[]): Promise<Map<string, { windows: SupportWindowRow[]; exceptions: SupportExceptionRow[] }>> {
      return loadHoursRows(db, SUPPORT_HOURS, teamIds);
    },

    /** Replaces all windows and exceptions of a team (call inside a transaction). */
    async replace(teamId: string, windows: SupportWindowRow[], exceptions: SupportExceptionRow[]): Promise<void> {
      await db.delete(teamSupportWindows).where(eq(teamSupportWindows.teamId, teamId));
      await db.delete(teamSupportExceptions).where(eq(teamSupportExceptions.teamId, teamId));
      if (windows.length > 0) await db.insert(teamSupportWindows).values(windows.map((w) => ({ ...w, teamId })));
      if (exceptions.length > 0) await db.insert(teamSupportExceptions).values(exceptions.map((e) => ({ ...e, teamId })));
    },
  };
}
