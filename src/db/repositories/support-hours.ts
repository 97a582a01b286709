import { asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../client.ts";
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

export function createSupportHoursRepository(db: Db) {
  return {
    async load(teamId: string): Promise<{ windows: SupportWindowRow[]; exceptions: SupportExceptionRow[] }> {
      const [windows, exceptions] = await Promise.all([
        db
          .select({ days: teamSupportWindows.days, startTime: teamSupportWindows.startTime, endTime: teamSupportWindows.endTime })
          .from(teamSupportWindows)
          .where(eq(teamSupportWindows.teamId, teamId))
          .orderBy(asc(teamSupportWindows.startTime), asc(teamSupportWindows.id)),
        db
          .select({
            date: teamSupportExceptions.date,
            closed: teamSupportExceptions.closed,
            startTime: teamSupportExceptions.startTime,
            endTime: teamSupportExceptions.endTime,
          })
          .from(teamSupportExceptions)
          .where(eq(teamSupportExceptions.teamId, teamId))
          .orderBy(asc(teamSupportExceptions.date), asc(teamSupportExceptions.startTime)),
      ]);
      return { windows, exceptions };
    },

    /** load() for many teams in two statements; a team without rows gets empty lists. */
    async loadMany(teamIds: readonly string[]): Promise<Map<string, { windows: SupportWindowRow[]; exceptions: SupportExceptionRow[] }>> {
      const byTeam = new Map<string, { windows: SupportWindowRow[]; exceptions: SupportExceptionRow[] }>(teamIds.map((id) => [id, { windows: [], exceptions: [] }]));
      if (teamIds.length === 0) return byTeam;
      const ids = [...teamIds];
      const windows = await db
        .select({ teamId: teamSupportWindows.teamId, days: teamSupportWindows.days, startTime: teamSupportWindows.startTime, endTime: teamSupportWindows.endTime })
        .from(teamSupportWindows)
        .where(inArray(teamSupportWindows.teamId, ids))
        .orderBy(asc(teamSupportWindows.startTime), asc(teamSupportWindows.id));
      const exceptions = await db
        .select({
          teamId: teamSupportExceptions.teamId,
          date: teamSupportExceptions.date,
          closed: teamSupportExceptions.closed,
          startTime: teamSupportExceptions.startTime,
          endTime: teamSupportExceptions.endTime,
        })
        .from(teamSupportExceptions)
        .where(inArray(teamSupportExceptions.teamId, ids))
        .orderBy(asc(teamSupportExceptions.date), asc(teamSupportExceptions.startTime));
      for (const { teamId, ...w } of windows) byTeam.get(teamId)!.windows.push(w);
      for (const { teamId, ...e } of exceptions) byTeam.get(teamId)!.exceptions.push(e);
      return byTeam;
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
