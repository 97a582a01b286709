import { DomainError } from "../domain/errors.ts";

const DAY_MS = 86_400_000;

/**
 * The longest [from, to) each windowed read answers, in days, so one request
 * cannot ask for centuries (the time engine expands every turn, slot and
 * support window in it). README "Limits" lists the same numbers.
 */
export const WINDOW_CAPS = {
  /** Schedule segments, gaps and handoffs: the full on-call timeline. */
  segments: 93,
  /** A schedule's overrides: rows only. */
  overrides: 400,
  /** Support hours expanded to UTC intervals. */
  supportHours: 400,
  /** Team coverage report. */
  coverage: 93,
  /** Who could fill one gap (start–end). */
  candidates: 31,
  /** Scheduled hours per person: a year and a week. */
  hours: 372,
  /** Time-off conflicts of a team: every member's timeline on every schedule. */
  conflicts: 93,
  /** A person's assignments: their timeline on every schedule. */
  assignments: 93,
  /** An import's replay of the old system's answers, and the iCal events it reads. */
  imports: 400,
} as const;

export type WindowedRead = keyof typeof WINDOW_CAPS;

/** "At most 93 days per request", for route descriptions. */
export function windowCapText(read: WindowedRead): string {
  return `The window may span at most ${WINDOW_CAPS[read]} days (422 \`window_too_large\`).`;
}

/**
 * [from, to) must be non-empty and at most the read's cap: `invalid_interval`
 * or `window_too_large` naming the end field (`to`, or `end` where the query
 * calls it so).
 */
export function requireWindow(read: WindowedRead, from: Date, to: Date, fields: { from: string; to: string } = { from: "from", to: "to" }): { from: Date; to: Date } {
  const maxDays = WINDOW_CAPS[read];
  if (!(to.getTime() > from.getTime())) throw new DomainError("invalid_interval", `${fields.to} must be after ${fields.from}`, { field: fields.to });
  if (to.getTime() - from.getTime() > maxDays * DAY_MS) {
    throw new DomainError("window_too_large", `${fields.from}–${fields.to} may span at most ${maxDays} days`, { field: fields.to });
  }
  return { from, to };
}
