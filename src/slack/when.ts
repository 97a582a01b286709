import { DAY_MS, MINUTE_MS } from "../domain/interval.ts";
import { isSupportedInstant } from "../domain/supported-range.ts";
import { formatLocalDate, formatLocalTime, parseLocalDate, TimeContext, weekdayOfDay } from "../domain/wallclock.ts";
import type { WhenSpec } from "./command.ts";

/**
 * A time typed after `/oncall … at`, read in one zone (the caller's, else the
 * schedule's). The wall-clock reading goes through ZoneClock.resolve with the
 * start rule (SPEC §2): a time in a spring-forward gap is the transition
 * itself, an ambiguous fall-back time is its first occurrence. `adjusted`
 * says which of the two happened, so the answer can tell the user.
 */
export interface ResolvedWhen {
  at: Date;
  /** The local date and time as asked ("2026-03-08", "02:30"). */
  date: string;
  time: string;
  adjusted: null | "gap" | "fold";
}

export type WhenResolution = { ok: true; value: ResolvedWhen } | { ok: false; reason: "out_of_range" };

/**
 * Which day: `today`/`tomorrow` are the caller's local days; a weekday is the
 * next such day, today only if that time is still ahead; a bare time is the
 * next such time (today if still ahead, else tomorrow); a date is that date.
 * No time means the start of the day (00:00).
 */
export function resolveWhen(when: WhenSpec, zone: string, now: Date, context = new TimeContext()): WhenResolution {
  const clock = context.clock(zone);
  const today = clock.localDay(now.getTime());
  const minutes = when.minutes ?? 0;
  const instantOf = (day: number) => clock.resolve(day * DAY_MS + minutes * MINUTE_MS, "start");

  let day: number;
  const spec = when.day;
  if (spec === null) day = instantOf(today) >= now.getTime() ? today : today + 1;
  else if (spec.kind === "today") day = today;
  else if (spec.kind === "tomorrow") day = today + 1;
  else if (spec.kind === "weekday") {
    day = today + ((spec.weekday - weekdayOfDay(today) + 7) % 7);
    if (instantOf(day) < now.getTime()) day += 7;
  } else {
    try {
      day = parseLocalDate(spec.date, "at");
    } catch {
      return { ok: false, reason: "out_of_range" };
    }
  }

  const local = day * DAY_MS + minutes * MINUTE_MS;
  const at = instantOf(day);
  if (!isSupportedInstant(at)) return { ok: false, reason: "out_of_range" };
  const adjusted = clock.localMs(at) !== local ? "gap" : clock.resolve(local, "end") !== at ? "fold" : null;
  return { ok: true, value: { at: new Date(at), date: formatLocalDate(day), time: formatLocalTime(minutes), adjusted } };
}
