import { DomainError } from "./errors.ts";
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  type Span,
  type TimeWindow,
  instantMs,
  windowSpan,
} from "./interval.ts";
import { TimeContext, type ZoneClock, parseLocalDate, parseLocalTime, requireZone } from "./wallclock.ts";
import { type CompiledWeekly, type WeeklyWindow, compileWindows, expandWeeklySpans } from "./weekly.ts";

/*
 * An on-call rotation: ordered participants take turns of a fixed length.
 *
 * - The first turn starts at `handoffTime` on `startDate` in `zone`.
 * - Turns in days or weeks follow the calendar: handoff k is at
 *   `handoffTime` local on startDate + k * length days, so a daily 09:00
 *   handoff is 09:00 local on both sides of a DST change (that day's turn
 *   lasts 23 or 25 h). Turns in hours follow real elapsed time from the
 *   first handoff (a 12 h turn is always 12 h; its local time shifts by DST).
 * - A handoff is one instant, an end and a start: the start rule applies (a
 *   handoff in the spring-forward gap happens at the transition; an
 *   ambiguous one at the earlier offset), so turns never overlap or leave a
 *   hole.
 * - Restrictions (weekly windows in the rotation's zone) mask the turns:
 *   outside them no one from this rotation is on, and the turn keeps running
 *   behind the mask (the same person is back when the restriction reopens,
 *   unless their turn ended meanwhile).
 * - `end` (an instant) stops the rotation: nothing at or after it.
 * - Participant changes: a change applies from the first handoff at or after
 *   its `effectiveFrom`; the turn in progress keeps its person, so past turns
 *   are never rewritten. Turn numbering continues across the change, and the
 *   new list starts with its first participant at that handoff (turn k gets
 *   list[(k - firstTurnOfChange) mod n]). Of several changes that reach the
 *   same handoff, the one with the latest effectiveFrom wins. `effectiveFrom`
 *   is an instant, or a local date ("2026-02-01") meaning 00:00 that day in
 *   the rotation's zone.
 */

export type TurnUnit = "hours" | "days" | "weeks";

export interface Participant {
  /** null: a turn with nobody on from this rotation (an explicit hole; lower layers show through). */
  personId: string | null;
}

export interface ParticipantChange {
  /** An instant, or a local date "YYYY-MM-DD" (00:00 local in the rotation's zone). */
  effectiveFrom: Date | string;
  participants: readonly Participant[];
}

export interface Rotation {
  id?: string;
  participants: readonly Participant[];
  turn: { unit: TurnUnit; count: number };
  /** "HH:mm" local: when turns change hands. */
  handoffTime: string;
  zone: string;
  /** "YYYY-MM-DD" local: the first turn starts at handoffTime on this date. */
  startDate: string;
  /** Optional instant: nothing from this rotation before it (turns keep their numbers; one in progress is cut). */
  start?: Date;
  /** Optional instant: the rotation ends here (exclusive). */
  end?: Date;
  /** Weekly windows in `zone`: only inside them is anyone on from this rotation. */
  restrictions?: readonly WeeklyWindow[];
  participantChanges?: readonly ParticipantChange[];
}

/** Someone on call from a rotation over [start, end) during turn number `turn` (0-based). */
export interface RotationShift {
  personId: string;
  start: Date;
  end: Date;
  turn: number;
}

export interface ShiftSpan {
  start: number;
  end: number;
  personId: string;
  turn: number;
}

interface Roster {
  firstTurn: number;
  personIds: (string | null)[];
}

const MAX_TURN_COUNT = 10_000;

/** A validated rotation with its handoff arithmetic. */
export class CompiledRotation {
  readonly zone: string;
  readonly start: number;
  readonly end: number;
  /** Nothing before this instant (the rotation's own `start`, or its first handoff). */
  readonly from: number;
  readonly #clock: ZoneClock;
  readonly #unit: TurnUnit;
  readonly #count: number;
  readonly #handoffMinutes: number;
  readonly #startDay: number;
  readonly #periodDays: number;
  readonly #rosters: Roster[];
  readonly #restriction: CompiledWeekly | null;

  constructor(rotation: Rotation, field: string, context: TimeContext) {
    const at = (name: string) => (field === "" ? name : `${field}.${name}`);
    if (rotation === null || typeof rotation !== "object") {
      throw new DomainError("invalid_input", `${field || "rotation"} must be an object`, { field: field || "rotation" });
    }
    this.zone = requireZone(rotation.zone, at("zone"));
    this.#clock = context.clock(this.zone);
    const unit = rotation.turn?.unit;
    if (unit !== "hours" && unit !== "days" && unit !== "weeks") {
      throw new DomainError("invalid_input", "turn.unit must be hours, days or weeks", { field: at("turn.unit") });
    }
    const count = rotation.turn.count;
    if (!Number.isInteger(count) || count < 1 || count > MAX_TURN_COUNT) {
      throw new DomainError("invalid_turn_length", `turn.count must be a whole number 1..${MAX_TURN_COUNT}`, {
        field: at("turn.count"),
      });
    }
    this.#unit = unit;
    this.#count = count;
    this.#periodDays = unit === "weeks" ? 7 * count : count;
    this.#handoffMinutes = parseLocalTime(rotation.handoffTime, at("handoffTime"));
    this.#startDay = parseLocalDate(rotation.startDate, at("startDate"));
    this.start = this.#clock.resolve(this.#startDay * DAY_MS + this.#handoffMinutes * MINUTE_MS, "start");
    this.end = Number.POSITIVE_INFINITY;
    if (rotation.end !== undefined) {
      this.end = instantMs(rotation.end, at("end"));
      if (this.end <= this.start) {
        throw new DomainError("invalid_interval", "end must be after the first handoff", { field: at("end") });
      }
    }
    this.from = this.start;
    if (rotation.start !== undefined) {
      this.from = Math.max(this.start, instantMs(rotation.start, at("start")));
      if (this.end <= this.from) {
        throw new DomainError("invalid_interval", "end must be after start", { field: at("end") });
      }
    }

    this.#rosters = [{ firstTurn: 0, personIds: roster(rotation.participants, at("participants")) }];
    const changes = (rotation.participantChanges ?? []).map((change, i) => ({
      index: i,
      effectiveFrom: this.#changeInstant(change?.effectiveFrom, at(`participantChanges.${i}.effectiveFrom`)),
      personIds: roster(change.participants, at(`participantChanges.${i}.participants`)),
    }));
    changes.sort((a, b) => a.effectiveFrom - b.effectiveFrom);
    for (let i = 1; i < changes.length; i++) {
      if (changes[i]!.effectiveFrom === changes[i - 1]!.effectiveFrom) {
        throw new DomainError("invalid_input", "two participant changes take effect at the same instant", {
          field: at(`participantChanges.${changes[i]!.index}.effectiveFrom`),
        });
      }
    }
    for (const change of changes) {
      this.#rosters.push({ firstTurn: this.firstTurnAtOrAfter(change.effectiveFrom), personIds: change.personIds });
    }

    this.#restriction = null;
    if (rotation.restrictions !== undefined) {
      const byWeekday = compileWindows(rotation.restrictions, at("restrictions"));
      if (byWeekday.every((list) => list.length === 0)) {
        throw new DomainError("never_matches", "restrictions must allow some time (omit them for none)", {
          field: at("restrictions"),
        });
      }
      this.#restriction = { byWeekday, exceptions: new Map() };
      if (Number.isFinite(this.end)) {
        // Five weeks hold every weekday five times: a restriction open in none of
        // them is not going to open later either.
        const until = Math.min(this.end, this.start + 35 * DAY_MS);
        const open = expandWeeklySpans(this.#restriction, this.#clock, { start: this.start, end: until });
        if (open.length === 0) {
          throw new DomainError("never_matches", "restrictions never match between the start and the end", {
            field: at("restrictions"),
          });
        }
      }
    }
  }

  #changeInstant(value: Date | string | undefined, field: string): number {
    if (typeof value === "string") return this.#clock.dayStart(parseLocalDate(value, field));
    return instantMs(value, field);
  }

  /** Instant of handoff k (start of turn k). Start rule for wall-clock handoffs. */
  handoff(k: number): number {
    if (this.#unit === "hours") return this.start + k * this.#count * HOUR_MS;
    const day = this.#startDay + k * this.#periodDays;
    return this.#clock.resolve(day * DAY_MS + this.#handoffMinutes * MINUTE_MS, "start");
  }

  /** Largest k >= 0 with handoff(k) <= t, or -1 before the first handoff. */
  turnAt(t: number): number {
    if (t < this.start) return -1;
    let k: number;
    if (this.#unit === "hours") {
      k = Math.floor((t - this.start) / (this.#count * HOUR_MS));
    } else {
      k = Math.max(0, Math.floor((this.#clock.localDay(t) - this.#startDay) / this.#periodDays));
      while (k > 0 && this.handoff(k) > t) k--;
      while (this.handoff(k + 1) <= t) k++;
    }
    return k;
  }

  /** First k with handoff(k) >= t. */
  firstTurnAtOrAfter(t: number): number {
    const k = this.turnAt(t);
    if (k < 0) return 0;
    return this.handoff(k) === t ? k : k + 1;
  }

  /** Who has turn k (participant changes applied); null: nobody. */
  personFor(k: number): string | null {
    for (let i = this.#rosters.length - 1; i >= 0; i--) {
      const r = this.#rosters[i]!;
      if (r.firstTurn <= k) return r.personIds[(k - r.firstTurn) % r.personIds.length]!;
    }
    throw new Error("unreachable: roster 0 starts at turn 0");
  }

  /**
   * Whole turns (ignoring restrictions) that overlap the span, each cut only by
   * the rotation's start and end. Turns with nobody on are left out.
   */
  turns(span: Span): ShiftSpan[] {
    const out: ShiftSpan[] = [];
    const until = Math.min(span.end, this.end);
    if (until <= span.start || until <= this.from) return out;
    let k = Math.max(0, this.turnAt(Math.max(span.start, this.from)));
    let start = this.handoff(k);
    while (start < until) {
      const next = this.handoff(k + 1);
      const end = Math.min(next, this.end);
      const personId = this.personFor(k);
      const from = Math.max(start, this.from);
      if (end > from && personId !== null) out.push({ start: from, end, personId, turn: k });
      k++;
      start = next;
    }
    return out;
  }

  /** Time someone from this rotation is on within the span: turns clipped to the span and restrictions. */
  shifts(span: Span): ShiftSpan[] {
    const out: ShiftSpan[] = [];
    for (const t of this.turns(span)) {
      const start = Math.max(t.start, span.start);
      const end = Math.min(t.end, span.end);
      if (end > start) out.push({ start, end, personId: t.personId, turn: t.turn });
    }
    if (this.#restriction === null || out.length === 0) return out;
    const first = out[0]!;
    const last = out[out.length - 1]!;
    const open = expandWeeklySpans(this.#restriction, this.#clock, { start: first.start, end: last.end });
    const masked: ShiftSpan[] = [];
    let j = 0;
    for (const s of out) {
      while (j < open.length && open[j]!.end <= s.start) j++;
      for (let i = j; i < open.length && open[i]!.start < s.end; i++) {
        const start = Math.max(s.start, open[i]!.start);
        const end = Math.min(s.end, open[i]!.end);
        if (end > start) masked.push({ start, end, personId: s.personId, turn: s.turn });
      }
    }
    return masked;
  }
}

function roster(participants: readonly Participant[] | undefined, field: string): (string | null)[] {
  if (!Array.isArray(participants) || participants.length === 0) {
    throw new DomainError("no_participants", `${field} must list at least one participant`, { field });
  }
  if (participants.every((p) => p?.personId === null)) {
    throw new DomainError("no_participants", `${field} must name at least one person (null is a turn with nobody on)`, { field });
  }
  return participants.map((p: Participant, i: number) => {
    if (p?.personId === null) return null;
    if (typeof p?.personId !== "string" || p.personId === "") {
      throw new DomainError("invalid_input", `${field}.${i}.personId is required`, { field: `${field}.${i}.personId` });
    }
    return p.personId;
  });
}

/**
 * Validates a rotation (zone, turn length, times, participants, end,
 * restrictions). Codes: unknown_time_zone, invalid_turn_length,
 * invalid_time, invalid_date, invalid_interval, no_participants,
 * never_matches, validation.
 */
export function compileRotation(rotation: Rotation, field = "", context = new TimeContext()): CompiledRotation {
  return new CompiledRotation(rotation, field, context);
}

/** Throws a DomainError when the rotation is invalid (write-path check). */
export function validateRotation(rotation: Rotation, field = ""): void {
  compileRotation(rotation, field);
}

const toShift = (s: ShiftSpan): RotationShift => ({
  personId: s.personId,
  start: new Date(s.start),
  end: new Date(s.end),
  turn: s.turn,
});

/**
 * Whole turns overlapping [from, to), restrictions ignored, not clipped to
 * the window (only to the rotation end). Day/week handoffs are at the
 * handoff time local (gap -> transition, ambiguous -> earlier offset);
 * hour turns are real elapsed time.
 */
export function rotationTurns(rotation: Rotation, window: TimeWindow, context = new TimeContext()): RotationShift[] {
  return compileRotation(rotation, "", context).turns(windowSpan(window)).map(toShift);
}

/**
 * Who from this rotation is on within [from, to): turns clipped to the window
 * and masked by the restrictions, sorted and non-overlapping. Same DST rules
 * as rotationTurns; restriction windows use the weekly-window rules.
 */
export function rotationShifts(rotation: Rotation, window: TimeWindow, context = new TimeContext()): RotationShift[] {
  return compileRotation(rotation, "", context).shifts(windowSpan(window)).map(toShift);
}
