import { asc, inArray } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import type { HoursException, Weekday, WeeklyHours, WeeklyWindow } from "../domain/weekly.ts";
import type { Db } from "./client.ts";

/** Weekly hours as stored: one row per window, one per dated exception (team support hours, duty program hours). */
export interface HoursRows {
  windows: { days: string[]; startTime: string; endTime: string }[];
  exceptions: { date: string; closed: boolean; startTime: string | null; endTime: string | null }[];
}

export function hoursFromRows(zone: string, rows: HoursRows, allWeek = false): WeeklyHours {
  return {
    zone,
    allWeek,
    windows: rows.windows.map((w) => ({ days: w.days as Weekday[], start: w.startTime, end: w.endTime })),
    exceptions: rows.exceptions.map((e) => (e.closed ? { date: e.date, closed: true as const } : { date: e.date, start: e.startTime!, end: e.endTime! })),
  };
}

export function rowsFromHours(windows: readonly WeeklyWindow[], exceptions: readonly HoursException[]): HoursRows {
  return {
    windows: windows.map((w) => ({ days: [...w.days], startTime: w.start, endTime: w.end })),
    exceptions: exceptions.map((e) =>
      e.closed ? { date: e.date, closed: true, startTime: null, endTime: null } : { date: e.date, closed: false, startTime: e.start, endTime: e.end },
    ),
  };
}

/** True when the rows open nothing (no window, no special hours): "not configured". */
export function opensNothing(rows: HoursRows): boolean {
  return rows.windows.length === 0 && !rows.exceptions.some((e) => !e.closed);
}

/** Where one kind of owner (a team's support hours, a duty program's own hours) keeps its rows. */
export interface HoursTables {
  windows: { table: PgTable; owner: AnyPgColumn; id: AnyPgColumn; days: AnyPgColumn; startTime: AnyPgColumn; endTime: AnyPgColumn };
  exceptions: { table: PgTable; owner: AnyPgColumn; date: AnyPgColumn; closed: AnyPgColumn; startTime: AnyPgColumn; endTime: AnyPgColumn };
}

/**
 * The hours rows of many owners in two statements, by owner id (an owner
 * without rows gets empty lists): windows by start time, exceptions by date.
 */
export async function loadHoursRows(db: Db, tables: HoursTables, ownerIds: readonly string[]): Promise<Map<string, HoursRows>> {
  const byOwner = new Map<string, HoursRows>(ownerIds.map((id) => [id, { windows: [], exceptions: [] }]));
  if (ownerIds.length === 0) return byOwner;
  const ids = [...new Set(ownerIds)];
  const { windows: w, exceptions: e } = tables;
  const [windows, exceptions] = await Promise.all([
    db.select({ owner: w.owner, days: w.days, startTime: w.startTime, endTime: w.endTime }).from(w.table).where(inArray(w.owner, ids)).orderBy(asc(w.startTime), asc(w.id)),
    db
      .select({ owner: e.owner, date: e.date, closed: e.closed, startTime: e.startTime, endTime: e.endTime })
      .from(e.table)
      .where(inArray(e.owner, ids))
      .orderBy(asc(e.date), asc(e.startTime)),
  ]);
  for (const { owner, ...row } of windows) byOwner.get(owner as string)!.windows.push(row as HoursRows["windows"][number]);
  for (const { owner, ...row } of exceptions) byOwner.get(owner as string)!.exceptions.push(row as HoursRows["exceptions"][number]);
  return byOwner;
}
