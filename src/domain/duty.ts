import { DomainError, invalid } from "./errors.ts";
import { DAY_MS, MINUTE_MS, type Interval, type Span, intervalSpan, mergeSpans } from "./interval.ts";
import {
  TimeContext,
  type ZoneClock,
  daysFromCivil,
  formatLocalDate,
  formatLocalTime,
  requireZone,
  weekdayOfDay,
} from "./wallclock.ts";
import { PriorityQueue } from "./priority-queue.ts";
import { type CompiledWeekly, type WeeklyHours, type WeeklyWindow, compileWeeklyHours, compileWindows, expandWeeklySpans } from "./weekly.ts";

/*
 * Company-wide monthly chat duty (SPEC §2 "Duty program"): every employee
 * does one slot a month. The pure parts: a month's bounds, the slots a
 * template generates for a month, when booking opens and closes, which
 * slots are unpopular for a person, and the fair auto-assignment of people
 * who did not book by the close of the window.
 *
 * Slot generation (generateSlots):
 * - A window belongs to the local day it starts on (weekly.ts); a dated
 *   exception replaces that day's windows. A day's windows that overlap or
 *   touch are one stretch; each stretch is cut on the wall clock from its
 *   local start into consecutive `slotMinutes` pieces (09:00, 10:00, ...);
 *   a trailing piece shorter than `slotMinutes` local minutes is dropped.
 * - A piece's start uses the start rule. Its end is a handoff (start rule)
 *   when another piece starts at that local time, else the end rule. So
 *   slots never overlap or leave holes: on fall-back night the 01:00 slot
 *   lasts 2 h; on spring-forward night the 02:00 slot collapses to nothing
 *   and is dropped.
 * - A piece must lie inside the open hours as weekly.ts expands them (so a
 *   closed day also removes the part of a previous night's window reaching
 *   into it). Where a night window overlaps the next day's window, the
 *   earlier piece wins. Only slots starting inside the month are returned,
 *   sorted by start.
 *
 * Auto-assignment (autoAssign), for the people still owing a slot:
 * - Feasible: the slot lies entirely inside the person's working hours
 *   (their windows expanded in their own zone; touching windows join),
 *   overlaps none of their busy intervals (touching is fine), and still has
 *   a free seat (seats are consumed as assignments are made).
 * - Order of choosing: highest `unpopularCount` first (whoever already did
 *   more unpopular slots chooses before being handed another one); then the
 *   fewest feasible slots left at that moment (hard to place before
 *   flexible); then id.
 * - Choice: popular slots before unpopular ones (for that person); then the
 *   slot with the most free seats left; then the calendar day (in the
 *   program zone, default UTC) with the fewest assignments so far; then the
 *   earliest start; then id. Ids are unique, so the result depends on the
 *   input's content only, never its order.
 * - Unplaced: `no_slot_in_working_hours` when no slot at all is inside the
 *   person's working hours and free of their busy time; `no_free_seat` when
 *   such slots exist but none had a seat left.
 */

/** Slot lengths a template may use, in minutes. */
export const MIN_SLOT_MINUTES = 15;
export const MAX_SLOT_MINUTES = 480;

const MONTH_RE = /^(\d{4})-(\d{2})$/;

/** Epoch day of the first of a "YYYY-MM" month and of the next month. */
function parseMonth(value: unknown, field = "month"): { first: number; next: number; year: number; month: number } {
  const m = typeof value === "string" ? MONTH_RE.exec(value) : null;
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    if (year >= 1900 && month >= 1 && month <= 12) {
      return {
        year,
        month,
        first: daysFromCivil(year, month, 1),
        next: month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1),
      };
    }
  }
  throw new DomainError("invalid_month", `${field} must be a month as YYYY-MM`, { field });
}

function requireInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function requireId(value: unknown, field: string, seen: Set<string>): string {
  if (typeof value !== "string" || value === "") throw invalid(field, `${field} must be a non-empty string`);
  if (seen.has(value)) throw invalid(field, `${field} ${value} appears more than once`);
  seen.add(value);
  return value;
}

// ---------------------------------------------------------------------------
// Month bounds

/**
 * The real span of a month in a zone: [first local midnight, next month's
 * first local midnight). A midnight in a spring-forward gap starts at the
 * transition. `invalid_month` (field `month`) unless "YYYY-MM".
 */
export function monthBounds(month: string, zone: string, context = new TimeContext()): Interval {
  const { first, next } = parseMonth(month);
  const clock = context.clock(requireZone(zone, "zone"));
  return { start: new Date(clock.dayStart(first)), end: new Date(clock.dayStart(next)) };
}

// ---------------------------------------------------------------------------
// Slot generation

export interface SlotTemplate {
  /** The hours slots may fall in: a team's support hours or the program's own. */
  hours: WeeklyHours;
  /** Slot length in wall-clock minutes, 15..480. */
  slotMinutes: number;
}

export interface GeneratedSlot {
  start: Date;
  end: Date;
  /** "YYYY-MM-DDTHH:mm": the slot's local start in `hours.zone` on the template's grid; a stable identity. */
  local: string;
}

interface LocalPiece {
  start: number; // local ms
  end: number; // local ms
}

/** Wall-clock pieces of the windows owned by days [firstDay, lastDay], sorted by local start. */
function localPieces(weekly: CompiledWeekly, firstDay: number, lastDay: number, slotMs: number): LocalPiece[] {
  const pieces: LocalPiece[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const ranges = [...(weekly.exceptions.get(day) ?? weekly.byWeekday[weekdayOfDay(day)]!)].sort((a, b) => a.start - b.start);
    const stretches: { start: number; end: number }[] = [];
    for (const r of ranges) {
      const last = stretches[stretches.length - 1];
      if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
      else stretches.push({ start: r.start, end: r.end });
    }
    for (const s of stretches) {
      const end = day * DAY_MS + s.end * MINUTE_MS;
      for (let t = day * DAY_MS + s.start * MINUTE_MS; t + slotMs <= end; t += slotMs) {
        pieces.push({ start: t, end: t + slotMs });
      }
    }
  }
  return pieces.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** True when [start, end) lies inside one of the normalized spans. */
function insideSpans(spans: readonly Span[], start: number, end: number): boolean {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid]!.start <= start) lo = mid + 1;
    else hi = mid;
  }
  const span = spans[lo - 1];
  return span !== undefined && end <= span.end;
}

/**
 * The slots of a month (rules at the top of this file). Validation:
 * `slotMinutes` (`validation`), `month` (`invalid_month`), `hours.*` as
 * weekly.ts reports them.
 */
export function generateSlots(template: SlotTemplate, month: string, context = new TimeContext()): GeneratedSlot[] {
  const slotMinutes = requireInteger(template?.slotMinutes, "slotMinutes", MIN_SLOT_MINUTES, MAX_SLOT_MINUTES);
  const { first, next } = parseMonth(month);
  const { zone, weekly } = compileWeeklyHours(template.hours, "hours");
  const clock = context.clock(zone);
  const monthStart = clock.dayStart(first);
  const monthEnd = clock.dayStart(next);

  // Windows of the last day of the previous month may reach into the month;
  // windows last at most 24 h, so the open hours are needed one day past it.
  const pieces = localPieces(weekly, first - 1, next - 1, slotMinutes * MINUTE_MS);
  const open = expandWeeklySpans(weekly, clock, { start: clock.dayStart(first - 1), end: clock.dayStart(next + 1) });
  const localStarts = new Set(pieces.map((p) => p.start));

  const slots: GeneratedSlot[] = [];
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const piece of pieces) {
    const start = clock.resolve(piece.start, "start");
    const end = clock.resolve(piece.end, localStarts.has(piece.end) ? "start" : "end");
    // Zero length: inside a spring-forward gap. Outside the open hours: a
    // closed day masks a night window reaching into it.
    if (end <= start || !insideSpans(open, start, end)) continue;
    // Windows of two days that overlap (a night window reaching into the
    // next day's window): the earlier piece wins.
    if (start < lastEnd) continue;
    lastEnd = end;
    if (start < monthStart || start >= monthEnd) continue;
    const day = Math.floor(piece.start / DAY_MS);
    const minutes = (piece.start - day * DAY_MS) / MINUTE_MS;
    slots.push({ start: new Date(start), end: new Date(end), local: `${formatLocalDate(day)}T${formatLocalTime(minutes)}` });
  }
  return slots;
}

// ---------------------------------------------------------------------------
// Booking window

export interface BookingWindowRule {
  /** Booking opens at 00:00 local on `day` (1..28) of the month `monthsBefore` (0..12) months before the duty month. */
  opens: { monthsBefore: number; day: number };
  /** Booking closes at the end of that local day (the next day's 00:00). */
  closes: { monthsBefore: number; day: number };
}

function ruleDay(point: { monthsBefore: number; day: number }, field: string, year: number, month: number): number {
  const monthsBefore = requireInteger(point?.monthsBefore, `${field}.monthsBefore`, 0, 12);
  const day = requireInteger(point.day, `${field}.day`, 1, 28);
  const index = year * 12 + (month - 1) - monthsBefore;
  return daysFromCivil(Math.floor(index / 12), (index % 12) + 1, day);
}

/**
 * When booking for `month` opens and closes, in the program's zone. E.g.
 * opens { monthsBefore: 1, day: 15 }, closes { monthsBefore: 1, day: 25 } for
 * 2026-12: [2026-11-15 00:00, 2026-11-26 00:00) local. The closing day must
 * not be before the opening day (`validation`, field `closes`).
 */
export function bookingWindow(
  rule: BookingWindowRule,
  month: string,
  zone: string,
  context = new TimeContext(),
): { opensAt: Date; closesAt: Date } {
  const { year, month: m } = parseMonth(month);
  const clock = context.clock(requireZone(zone, "zone"));
  const opens = ruleDay(rule?.opens, "opens", year, m);
  const closes = ruleDay(rule?.closes, "closes", year, m);
  if (closes < opens) {
    throw invalid("closes", `booking must close on or after the day it opens (${formatLocalDate(opens)})`);
  }
  return { opensAt: new Date(clock.dayStart(opens)), closesAt: new Date(clock.dayStart(closes + 1)) };
}

// ---------------------------------------------------------------------------
// Unpopular slots

const EARLIEST_POPULAR_MINUTE = 10 * 60;
const LATEST_POPULAR_END_MINUTE = 17 * 60;
const FRIDAY_AFTERNOON_MINUTE = 13 * 60;
const FRIDAY = 4;

function unpopularIn(clock: ZoneClock, start: number, end: number): boolean {
  const local = clock.localMs(start);
  const day = Math.floor(local / DAY_MS);
  const startMinute = (local - day * DAY_MS) / MINUTE_MS;
  // Measured from the start's local midnight, so a slot running past midnight ends "after 17:00".
  const endMinute = (clock.localMs(end) - day * DAY_MS) / MINUTE_MS;
  if (startMinute < EARLIEST_POPULAR_MINUTE || endMinute > LATEST_POPULAR_END_MINUTE) return true;
  return weekdayOfDay(day) === FRIDAY && startMinute >= FRIDAY_AFTERNOON_MINUTE;
}

/**
 * A slot is unpopular for a person when, in the person's zone, it starts
 * before 10:00, ends after 17:00, or is on a Friday and starts at or after
 * 13:00 (early, late, Friday afternoon).
 */
export function isUnpopular(slot: Interval, personZone: string, context = new TimeContext()): boolean {
  const { start, end } = intervalSpan(slot, "slot");
  return unpopularIn(context.clock(requireZone(personZone, "personZone")), start, end);
}

// ---------------------------------------------------------------------------
// Auto-assignment

export interface AutoAssignSlot {
  id: string;
  start: Date;
  end: Date;
  /** Seats still free, an integer >= 0. */
  freeSeats: number;
}

export interface AutoAssignPerson {
  id: string;
  zone: string;
  /** Their working hours in their own zone; default Mon–Fri 09:00–17:00 is the caller's job. */
  workingHours: readonly WeeklyWindow[];
  /** Intervals they cannot do: shifts, other duty slots (and time off, if not given apart in `away`). */
  busy: readonly Interval[];
  /** Approved time off, kept apart from `busy` so an unplaced person can be told "on_time_off". */
  away?: readonly Interval[];
  /** Unpopular slots they were given in recent periods (the fairness ledger), an integer >= 0. */
  unpopularCount: number;
}

/**
 * Why someone owed a slot got none: no open slot left in the month at all;
 * none inside their working hours; every one inside them falls in their time
 * off; every one clashes with their other assignments (or time off and
 * assignments together); or every fitting slot is full.
 */
export type UnplacedReason = "no_open_slot" | "no_slot_in_working_hours" | "on_time_off" | "busy" | "no_free_seat";

export interface AutoAssignResult {
  /** In the order people chose. */
  assignments: { personId: string; slotId: string; unpopular: boolean }[];
  /** In the order people came to choose. */
  unplaced: { personId: string; reason: UnplacedReason }[];
}

export interface AutoAssignInput {
  slots: readonly AutoAssignSlot[];
  /** Exactly the people still owing a slot. */
  people: readonly AutoAssignPerson[];
  /** The program's zone: calendar days for spreading assignments are counted in it. Default UTC. */
  zone?: string;
}

interface SlotState {
  id: string;
  start: number;
  end: number;
  seats: number;
  day: number;
  /** Groups for which this slot is a candidate (told when it fills). */
  groups: Group[];
}

interface Candidate {
  slot: SlotState;
  unpopular: boolean;
}

interface PersonState {
  id: string;
  unpopularCount: number;
  /** Whether any slot was inside working hours and free of busy time, whatever its seats. */
  hasCandidates: boolean;
  /** Why there are no candidates, when there are none. */
  noCandidate: Exclude<UnplacedReason, "no_free_seat">;
}

/**
 * People with the same candidate slots (same zone and working hours, same
 * slots ruled out by busy time): at any moment they have the same number of
 * free candidates, so among them the order of choosing is fixed (ledger,
 * then id) and only the group's place among other groups moves.
 */
interface Group {
  /** Slots inside working hours and free of busy time; full ones are dropped as they are met. */
  candidates: Candidate[];
  /** Candidates with a seat left (kept up to date as seats run out). */
  free: number;
  /** In the order they choose: most unpopular slots in the ledger first, then id. */
  members: PersonState[];
  /** members[next] chooses next. */
  next: number;
}

/** What everyone with the same zone and working hours shares: the slots inside those hours (by start), each popular or not there. */
interface Profile {
  inHours: Candidate[];
  /** The longest of those slots, so the ones a busy span overlaps are found by binary search on start. */
  longest: number;
  /** Its people, grouped by the slots their busy time rules out (key: their indices in inHours). */
  groups: Map<string, Group>;
}

interface Preparation {
  /** Sorted by start, then id. */
  slots: readonly SlotState[];
  /** Covers every slot. */
  range: Span;
  personIds: Set<string>;
  /** Zone names already validated in this call (validating asks ICU, which is slow). */
  zones: Map<unknown, string>;
  /** Per zone and compiled working hours: what every person with them shares. */
  profiles: Map<string, Profile>;
  context: TimeContext;
}

function profileOf(zone: string, byWeekday: CompiledWeekly["byWeekday"], prep: Preparation): Profile {
  const key = `${zone}\u0000${JSON.stringify(byWeekday)}`;
  let profile = prep.profiles.get(key);
  if (profile === undefined) {
    const clock = prep.context.clock(zone);
    const working = expandWeeklySpans({ byWeekday, exceptions: new Map() }, clock, prep.range);
    const inHours: Candidate[] = [];
    for (const slot of prep.slots) {
      if (insideSpans(working, slot.start, slot.end)) inHours.push({ slot, unpopular: unpopularIn(clock, slot.start, slot.end) });
    }
    profile = { inHours, longest: inHours.reduce((m, c) => Math.max(m, c.slot.end - c.slot.start), 0), groups: new Map() };
    prep.profiles.set(key, profile);
  }
  return profile;
}

/** Indices in `profile.inHours` of the slots that overlap any of the normalized spans. */
function overlapping(profile: Profile, spans: readonly Span[]): Set<number> {
  const { inHours, longest } = profile;
  const hits = new Set<number>();
  for (const span of spans) {
    // The first slot that could reach into the span: it starts less than `longest` before it.
    let lo = 0;
    let hi = inHours.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inHours[mid]!.slot.start <= span.start - longest) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < inHours.length && inHours[i]!.slot.start < span.end; i++) {
      if (inHours[i]!.slot.end > span.start) hits.add(i);
    }
  }
  return hits;
}

function preparePerson(person: AutoAssignPerson, index: number, prep: Preparation): void {
  const at = `people.${index}`;
  const id = requireId(person?.id, `${at}.id`, prep.personIds);
  let zone = prep.zones.get(person.zone);
  if (zone === undefined) {
    zone = requireZone(person.zone, `${at}.zone`);
    prep.zones.set(person.zone, zone);
  }
  const byWeekday = compileWindows(person.workingHours, `${at}.workingHours`);
  if (!Array.isArray(person.busy)) throw invalid(`${at}.busy`, `${at}.busy must be a list`);
  const busy = mergeSpans(person.busy.map((b, i) => intervalSpan(b, `${at}.busy.${i}`)));
  if (person.away !== undefined && !Array.isArray(person.away)) throw invalid(`${at}.away`, `${at}.away must be a list`);
  const away = mergeSpans((person.away ?? []).map((b, i) => intervalSpan(b, `${at}.away.${i}`)));
  const unpopularCount = requireInteger(person.unpopularCount, `${at}.unpopularCount`, 0, Number.MAX_SAFE_INTEGER);
  const profile = profileOf(zone, byWeekday, prep);

  // Only the slots that busy time or time off reaches are looked at, each span found by binary search.
  const isAway = overlapping(profile, away);
  const isBusy = overlapping(profile, busy);
  let onlyAway = 0;
  for (const i of isAway) if (!isBusy.has(i)) onlyAway += 1;
  const ruledOut = [...new Set([...isAway, ...isBusy])].sort((a, b) => a - b);
  const inHours = profile.inHours.length;
  const state: PersonState = {
    id,
    unpopularCount,
    hasCandidates: ruledOut.length < inHours,
    noCandidate: prep.slots.length === 0 ? "no_open_slot" : inHours === 0 ? "no_slot_in_working_hours" : onlyAway === inHours ? "on_time_off" : "busy",
  };
  const key = ruledOut.join(",");
  let group = profile.groups.get(key);
  if (group === undefined) {
    const out = new Set(ruledOut);
    const candidates = ruledOut.length === 0 ? [...profile.inHours] : profile.inHours.filter((_, i) => !out.has(i));
    group = { candidates, free: 0, members: [], next: 0 };
    for (const c of candidates) {
      c.slot.groups.push(group);
      if (c.slot.seats > 0) group.free += 1;
    }
    profile.groups.set(key, group);
  }
  group.members.push(state);
}

/** True when group `a` chooses before group `b`: its next member has the most unpopular slots, then the fewest options left, then the lowest id. */
function choosesFirst(a: Group, b: Group): boolean {
  const p = a.members[a.next]!;
  const q = b.members[b.next]!;
  if (p.unpopularCount !== q.unpopularCount) return p.unpopularCount > q.unpopularCount;
  if (a.free !== b.free) return a.free < b.free;
  return p.id < q.id;
}

/**
 * Gives each person at most one slot (rules at the top of this file).
 * Validation (`validation` unless noted): `slots.N.id` (non-empty, unique),
 * `slots.N.end` (`invalid_interval`), `slots.N.freeSeats` (integer >= 0),
 * `people.N.id`, `people.N.zone` (`unknown_time_zone`),
 * `people.N.workingHours.*`, `people.N.busy.M.*`, `people.N.unpopularCount`
 * (integer >= 0), `zone`.
 *
 * Cost, for P people and S slots: working hours are expanded once per zone
 * and hours (not per person); who chooses next comes from a priority queue
 * (O(log P) a step); a slot running out of seats tells the groups that had
 * it, not every person; a person's pick scans their candidates, full ones
 * dropped as met. So O(P log P + P·S) at worst, linear in people for a
 * month's slots: 5,000 people × 400 slots in well under a second.
 */
export function autoAssign(input: AutoAssignInput, context = new TimeContext()): AutoAssignResult {
  if (!Array.isArray(input?.slots)) throw invalid("slots", "slots must be a list");
  if (!Array.isArray(input.people)) throw invalid("people", "people must be a list");
  const programClock = context.clock(input.zone === undefined ? "UTC" : requireZone(input.zone, "zone"));

  const slotIds = new Set<string>();
  const slots: SlotState[] = input.slots.map((slot, i) => {
    const id = requireId(slot?.id, `slots.${i}.id`, slotIds);
    const { start, end } = intervalSpan(slot, `slots.${i}`);
    const seats = requireInteger(slot.freeSeats, `slots.${i}.freeSeats`, 0, Number.MAX_SAFE_INTEGER);
    return { id, start, end, seats, day: programClock.localDay(start), groups: [] };
  });
  slots.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
  const range: Span = slots.reduce(
    (r, s) => ({ start: Math.min(r.start, s.start), end: Math.max(r.end, s.end) }),
    { start: Number.POSITIVE_INFINITY, end: Number.NEGATIVE_INFINITY },
  );

  const preparation: Preparation = { slots, range, personIds: new Set(), zones: new Map(), profiles: new Map(), context };
  input.people.forEach((person, i) => preparePerson(person, i, preparation));
  const queue = new PriorityQueue<Group>(choosesFirst);
  for (const profile of preparation.profiles.values()) {
    for (const group of profile.groups.values()) {
      group.members.sort((a, b) => b.unpopularCount - a.unpopularCount || (a.id < b.id ? -1 : 1));
      queue.push(group);
    }
  }
  const perDay = new Map<number, number>();
  const result: AutoAssignResult = { assignments: [], unplaced: [] };

  for (let group = queue.peek(); group !== undefined; group = queue.peek()) {
    const person = group.members[group.next++]!;
    if (group.next === group.members.length) queue.pop();
    else queue.update(group);

    const pick = bestCandidate(group.candidates, perDay);
    if (pick === undefined) {
      result.unplaced.push({ personId: person.id, reason: person.hasCandidates ? "no_free_seat" : person.noCandidate });
      continue;
    }
    pick.slot.seats -= 1;
    if (pick.slot.seats === 0) {
      for (const g of pick.slot.groups) {
        g.free -= 1;
        queue.update(g);
      }
    }
    perDay.set(pick.slot.day, (perDay.get(pick.slot.day) ?? 0) + 1);
    result.assignments.push({ personId: person.id, slotId: pick.slot.id, unpopular: pick.unpopular });
  }
  return result;
}

/** The best candidate with a seat left; drops full ones from the list (seats never come back during a run). */
function bestCandidate(candidates: Candidate[], perDay: ReadonlyMap<number, number>): Candidate | undefined {
  let pick: Candidate | undefined;
  let kept = 0;
  for (const c of candidates) {
    if (c.slot.seats === 0) continue;
    candidates[kept++] = c;
    if (pick === undefined || prefer(c, pick, perDay)) pick = c;
  }
  candidates.length = kept;
  return pick;
}

/** True when `a` is a better choice than `b` for the person choosing. */
function prefer(a: Candidate, b: Candidate, perDay: ReadonlyMap<number, number>): boolean {
  if (a.unpopular !== b.unpopular) return !a.unpopular;
  if (a.slot.seats !== b.slot.seats) return a.slot.seats > b.slot.seats;
  const dayA = perDay.get(a.slot.day) ?? 0;
  const dayB = perDay.get(b.slot.day) ?? 0;
  if (dayA !== dayB) return dayA < dayB;
  if (a.slot.start !== b.slot.start) return a.slot.start < b.slot.start;
  return a.slot.id < b.slot.id;
}
