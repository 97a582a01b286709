import { DomainError } from "./errors.ts";
import {
  DAY_MS,
  MINUTE_MS,
  type Interval,
  type Span,
  type TimeWindow,
  clipSpans,
  instantMs,
  mergeSpans,
  subtractSpans,
  toInterval,
  windowSpan,
} from "./interval.ts";
import { TimeContext, type ZoneClock, parseLocalDate, parseLocalTime, requireZone, weekdayOfDay } from "./wallclock.ts";

/*
 * Weekly windows in a zone: support hours, rotation restrictions, staffing
 * windows.
 *
 * - A window belongs to the day it starts on. `end <= start` means it ends
 *   the next day (22:00-06:00; 09:00-09:00 is 24 h). "24:00" is the end of the
 *   day, so 00:00-24:00 on every day is 24/7 (or use `allWeek: true`).
 * - Window starts use the start rule and ends the end rule (wallclock.ts):
 *   a 00:00-06:00 night lasts 7 h on fall-back night and 5 h on
 *   spring-forward night.
 * - A dated exception replaces the whole local calendar day [00:00, 24:00):
 *   `closed` removes every window inside that day (also the part of a
 *   previous night's window reaching into it); special hours are then the
 *   only open hours that day. Special hours stay within their day.
 */

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WeeklyWindow {
  days: readonly Weekday[];
  /** "HH:mm" local. */
  start: string;
  /** "HH:mm" or "24:00"; at or before `start` means the next day. */
  end: string;
}

export type HoursException =
  | { date: string; closed: true }
  | { date: string; start: string; end: string; closed?: false };

export interface WeeklyHours {
  zone: string;
  windows?: readonly WeeklyWindow[];
  /** 24/7 apart from exceptions; `windows` must then be empty or absent. */
  allWeek?: boolean;
  exceptions?: readonly HoursException[];
}

interface MinuteRange {
  start: number; // minutes after the owning day's midnight
  end: number; // may exceed 1440 (ends the next day)
}

/** Validated weekly windows, ready to expand. */
export interface CompiledWeekly {
  /** Index 0 = Monday. */
  byWeekday: MinuteRange[][];
  /** Exception days (epoch day) -> that day's only windows ([] = closed). */
  exceptions: Map<number, MinuteRange[]>;
}

const WEEKDAY_INDEX = new Map<string, number>(WEEKDAYS.map((d, i) => [d, i]));

/**
 * Validates weekly windows (`invalid_time`, `validation` with fields such as
 * `${field}.0.start`, `${field}.1.days.2`). Does not require any window.
 */
export function compileWindows(windows: readonly WeeklyWindow[], field: string): MinuteRange[][] {
  if (!Array.isArray(windows)) throw new DomainError("invalid_input", `${field} must be a list`, { field });
  const byWeekday: MinuteRange[][] = WEEKDAYS.map(() => []);
  windows.forEach((window, i) => {
    const at = `${field}.${i}`;
    const start = parseLocalTime(window?.start, `${at}.start`);
    let end = parseLocalTime(window?.end, `${at}.end`, true);
    if (end <= start) end += 1440;
    const days: readonly Weekday[] = window.days;
    if (!Array.isArray(days) || days.length === 0) {
      throw new DomainError("invalid_input", `${at}.days must name at least one weekday`, { field: `${at}.days` });
    }
    const seen = new Set<number>();
    days.forEach((day, j) => {
      const index = WEEKDAY_INDEX.get(day);
      if (index === undefined) {
        throw new DomainError("invalid_input", `${at}.days.${j} must be one of ${WEEKDAYS.join(", ")}`, {
          field: `${at}.days.${j}`,
        });
      }
      if (!seen.has(index)) byWeekday[index]!.push({ start, end });
      seen.add(index);
    });
  });
  for (const list of byWeekday) list.sort((a, b) => a.start - b.start);
  return byWeekday;
}

function compileExceptions(exceptions: readonly HoursException[], field: string): Map<number, MinuteRange[]> {
  if (!Array.isArray(exceptions)) throw new DomainError("invalid_input", `${field} must be a list`, { field });
  const byDay = new Map<number, MinuteRange[]>();
  const closedDays = new Set<number>();
  exceptions.forEach((exception, i) => {
    const at = `${field}.${i}`;
    const day = parseLocalDate(exception?.date, `${at}.date`);
    const list = byDay.get(day) ?? [];
    if (exception.closed === true) {
      if (list.length > 0) {
        throw new DomainError("invalid_input", `${at}: ${exception.date} is both closed and has special hours`, {
          field: `${at}.closed`,
        });
      }
      closedDays.add(day);
    } else {
      if (closedDays.has(day)) {
        throw new DomainError("invalid_input", `${at}: ${exception.date} is both closed and has special hours`, {
          field: `${at}.date`,
        });
      }
      const start = parseLocalTime(exception.start, `${at}.start`);
      const end = parseLocalTime(exception.end, `${at}.end`, true);
      if (end <= start) {
        throw new DomainError("invalid_interval", `${at}: special hours must end after they start, within the day`, {
          field: `${at}.end`,
        });
      }
      list.push({ start, end });
    }
    byDay.set(day, list);
  });
  return byDay;
}

/**
 * Validates weekly hours (zone, windows, exceptions) into a compiled form.
 * Hours with no window, no `allWeek` and no special hours are `never_matches`.
 */
export function compileWeeklyHours(hours: WeeklyHours, field = "hours"): { zone: string; weekly: CompiledWeekly } {
  const prefix = field === "" ? "" : `${field}.`;
  const zone = requireZone(hours?.zone, `${prefix}zone`);
  const windows = hours.windows ?? [];
  if (hours.allWeek === true && windows.length > 0) {
    throw new DomainError("invalid_input", "allWeek excludes windows", { field: `${prefix}windows` });
  }
  const byWeekday = hours.allWeek === true ? WEEKDAYS.map(() => [{ start: 0, end: 1440 }]) : compileWindows(windows, `${prefix}windows`);
  const exceptions = compileExceptions(hours.exceptions ?? [], `${prefix}exceptions`);
  const anyOpen = byWeekday.some((list) => list.length > 0) || [...exceptions.values()].some((list) => list.length > 0);
  if (!anyOpen) {
    throw new DomainError("never_matches", `${field || "hours"} are never open`, { field: `${prefix}windows` });
  }
  return { zone, weekly: { byWeekday, exceptions } };
}

/**
 * Open spans of compiled weekly windows inside `span`, merged and sorted.
 * DST: window starts use the start rule, ends the end rule (see top).
 */
export function expandWeeklySpans(weekly: CompiledWeekly, clock: ZoneClock, span: Span): Span[] {
  if (span.end <= span.start) return [];
  const firstDay = clock.localDay(span.start) - 1; // a window from the day before may reach in
  const lastDay = clock.localDay(span.end - 1);
  const open: Span[] = [];
  const masks: Span[] = [];
  const special: Span[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const midnight = day * DAY_MS;
    const replaced = weekly.exceptions.get(day);
    const target = replaced === undefined ? open : special;
    if (replaced !== undefined) masks.push({ start: clock.dayStart(day), end: clock.dayStart(day + 1) });
    for (const w of replaced ?? weekly.byWeekday[weekdayOfDay(day)]!) {
      const start = clock.resolve(midnight + w.start * MINUTE_MS, "start");
      const end = clock.resolve(midnight + w.end * MINUTE_MS, "end");
      if (end > start) target.push({ start, end });
    }
  }
  let result = mergeSpans(open);
  if (masks.length > 0) result = mergeSpans([...subtractSpans(result, mergeSpans(masks)), ...special]);
  return clipSpans(result, span);
}

/**
 * UTC intervals when weekly hours are open within [from, to), merged and
 * sorted. DST: a window starting in a gap opens at the transition; an
 * ambiguous start takes the earlier offset, an ambiguous end the later one.
 */
export function expandWeeklyHours(hours: WeeklyHours, window: TimeWindow, context = new TimeContext()): Interval[] {
  const { zone, weekly } = compileWeeklyHours(hours);
  return expandWeeklySpans(weekly, context.clock(zone), windowSpan(window)).map(toInterval);
}

/** True when weekly hours are open at an instant (same rules as expandWeeklyHours). */
export function isOpenAt(hours: WeeklyHours, at: Date, context = new TimeContext()): boolean {
  const t = instantMs(at, "at");
  return expandWeeklyHours(hours, { from: at, to: new Date(t + 1) }, context).length > 0;
}
