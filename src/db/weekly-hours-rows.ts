import type { HoursException, Weekday, WeeklyHours, WeeklyWindow } from "../domain/weekly.ts";

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
