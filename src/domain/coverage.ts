import { type Absence, type Assignment, type HeadcountSegment, headcountTimeline, withoutAbsences } from "./assignment.ts";
import { invalid } from "./errors.ts";
import {
  MINUTE_MS,
  type Interval,
  type Span,
  type TimeWindow,
  instantMs,
  intersectSpans,
  intervalSpan,
  mergeSpans,
  subtractSpans,
  toInterval,
} from "./interval.ts";
import { TimeContext, requireZone, weekdayOfDay } from "./wallclock.ts";
import { type WeeklyHours, compileWeeklyHours, expandWeeklySpans } from "./weekly.ts";

/*
 * A team's coverage and hours over a window, from its shifts (instants),
 * approved time off and wall-clock rules (support hours, staffing needs).
 *
 * - Demand: a requirement's weekly windows expanded in the requirement's own
 *   zone; with support hours configured, only where the team is open (so a
 *   closed-day exception, or a window outside support hours, demands nobody).
 *   Without support hours the requirement's windows alone are the demand.
 * - Supply: a shift counts for a requirement when the requirement's label is
 *   unset or equals the shift's label, and its skill is unset or among the
 *   person's skills. Headcount is distinct people, net of time off: a person
 *   with touching or overlapping shifts counts once; time off removes them.
 * - Shortfalls are cut exactly where demand, shifts or time off start or end
 *   (no grid). Touching pieces are merged only when the same people are on,
 *   so every segment's `personIds` is true over all of it.
 * All durations are real elapsed time (a fall-back night is an hour longer).
 */

export interface StaffingRequirement {
  id: string;
  /** Weekly windows in their own zone ("≥ 1 french 08:00–12:00 Europe/Paris"). */
  hours: WeeklyHours;
  /** People needed at once, >= 1. */
  headcount: number;
  /** Only shifts with this label count ("chat", "email"); null: any shift. */
  label?: string | null;
  /** Only people with this skill count; null: anyone. */
  skill?: string | null;
}

/** A shift with what coverage needs to know about it and its person. */
export interface StaffedShift {
  id: string;
  personId: string;
  start: Date;
  end: Date;
  label: string | null;
  /** The person's skills. */
  skills: readonly string[];
}

export interface CoverageInput {
  /** [from, to); must not be empty. */
  window: TimeWindow;
  /** null: the team has not configured support hours. */
  supportHours: WeeklyHours | null;
  requirements: readonly StaffingRequirement[];
  /** The team's shifts overlapping the window (others are ignored). */
  shifts: readonly StaffedShift[];
  /** Approved time off. */
  absences: readonly Absence[];
  /** Chats one agent handles at once, >= 1. */
  maxConcurrentChats: number;
}

/** Over [start, end), `scheduled` people (exactly `personIds`) are on where `required` are needed. */
export interface Shortfall {
  requirementId: string;
  start: Date;
  end: Date;
  required: number;
  scheduled: number;
  /** required - scheduled, >= 1. */
  shortfall: number;
  /** scheduled × maxConcurrentChats. */
  capacityChats: number;
  /** Sorted. */
  personIds: string[];
}

export interface CapacitySegment {
  start: Date;
  end: Date;
  /** Distinct people on a shift (any label), net of time off. */
  agents: number;
  /** agents × maxConcurrentChats. */
  chats: number;
}

export interface CoverageReport {
  /** Ordered by requirement (input order), then start. */
  shortfalls: Shortfall[];
  /** Support hours with nobody on at all (net of time off); [] without support hours. */
  unstaffed: Interval[];
  /** Covers the support hours (the whole window without them) exactly; touching segments with equal agents merged. */
  capacity: CapacitySegment[];
}

export interface HoursReportInput {
  /** [from, to); must not be empty. */
  window: TimeWindow;
  /** Zone whose calendar days decide weekday vs weekend (the team's). */
  zone: string;
  supportHours: WeeklyHours | null;
  shifts: readonly StaffedShift[];
}

/** Minutes may be fractional when shifts are not minute-aligned. */
export interface HoursRow {
  personId: string;
  totalMinutes: number;
  /** Monday-Friday by the local calendar day in `zone`. */
  weekdayMinutes: number;
  /** Saturday and Sunday by the local calendar day in `zone`. */
  weekendMinutes: number;
  /** Not inside the expanded support hours; 0 without support hours. */
  outsideSupportMinutes: number;
  /** The person's shifts overlapping the window. */
  shiftCount: number;
}

// ---------------------------------------------------------------------------
// Validation

/** Unlike a plain TimeWindow, a report over an empty window is a mistake. */
function reportWindow(window: TimeWindow): Span {
  const start = instantMs(window?.from, "window.from");
  const end = instantMs(window?.to, "window.to");
  if (end <= start) throw invalid("window.to", "window.to must be after window.from");
  return { start, end };
}

const isOptionalName = (value: unknown) => value === null || value === undefined || (typeof value === "string" && value !== "");

interface CheckedShift {
  shift: StaffedShift;
  span: Span;
}

function checkShifts(shifts: readonly StaffedShift[]): CheckedShift[] {
  if (!Array.isArray(shifts)) throw invalid("shifts", "shifts must be a list");
  return shifts.map((shift: StaffedShift, i: number) => {
    const at = `shifts.${i}`;
    if (typeof shift?.id !== "string") throw invalid(`${at}.id`, `${at}.id is required`);
    if (typeof shift.personId !== "string" || shift.personId === "") {
      throw invalid(`${at}.personId`, `${at}.personId is required`);
    }
    if (!isOptionalName(shift.label)) throw invalid(`${at}.label`, `${at}.label must be a non-empty string or null`);
    if (!Array.isArray(shift.skills)) throw invalid(`${at}.skills`, `${at}.skills must be a list`);
    return { shift, span: intervalSpan(shift, at) };
  });
}

function checkCount(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw invalid(field, `${field} must be a whole number of at least 1`);
  }
  return value;
}

interface CompiledRequirement {
  requirement: StaffingRequirement;
  /** Demand inside the window, normalized. */
  demand: Span[];
}

// ---------------------------------------------------------------------------
// Segment helpers (epoch ms)

interface Piece {
  start: number;
  end: number;
  personIds: string[];
}

const sameIds = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((p, i) => p === b[i]);

/** Timeline segments cut to normalized `spans`, in order. Linear. */
function restrict(timeline: readonly HeadcountSegment[], spans: readonly Span[]): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let j = 0;
  while (i < timeline.length && j < spans.length) {
    const segment = timeline[i]!;
    const span = spans[j]!;
    const segmentEnd = segment.end.getTime();
    const start = Math.max(segment.start.getTime(), span.start);
    const end = Math.min(segmentEnd, span.end);
    if (end > start) out.push({ start, end, personIds: segment.personIds });
    if (segmentEnd < span.end) i++;
    else j++;
  }
  return out;
}

/** Joins touching pieces that `same` says are alike. */
function joinTouching<T extends { start: number; end: number }>(pieces: readonly T[], same: (a: T, b: T) => boolean): T[] {
  const out: T[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end === p.start && same(last, p)) out[out.length - 1] = { ...last, end: p.end };
    else out.push(p);
  }
  return out;
}

const windowOf = (span: Span): TimeWindow => ({ from: new Date(span.start), to: new Date(span.end) });

// ---------------------------------------------------------------------------
// Coverage

/**
 * Shortfalls per requirement, unstaffed support hours and chat capacity over
 * [from, to). See the top of this file for the rules.
 */
export function coverageReport(input: CoverageInput, context = new TimeContext()): CoverageReport {
  const window = reportWindow(input?.window);
  const maxChats = checkCount(input.maxConcurrentChats, "maxConcurrentChats");
  let support: Span[] | null = null;
  if (input.supportHours !== null && input.supportHours !== undefined) {
    const { zone, weekly } = compileWeeklyHours(input.supportHours, "supportHours");
    support = expandWeeklySpans(weekly, context.clock(zone), window);
  }
  const requirements = compileRequirements(input.requirements, window, support, context);
  const shifts = checkShifts(input.shifts);

  // Net of time off, once; `source.id` is the index into `shifts`, so each
  // remaining piece still knows its label and the person's skills.
  const net = withoutAbsences(
    shifts.map(({ shift, span }, i): Assignment => ({
      personId: shift.personId,
      start: new Date(span.start),
      end: new Date(span.end),
      source: { kind: "shift", id: String(i) },
    })),
    input.absences,
  );
  const shiftOf = (a: Assignment) => shifts[Number(a.source.id)]!.shift;

  const shortfalls: Shortfall[] = [];
  for (const { requirement, demand } of requirements) {
    if (demand.length === 0) continue;
    const label = requirement.label ?? null;
    const skill = requirement.skill ?? null;
    const eligible = net.filter((a) => {
      const shift = shiftOf(a);
      return (label === null || shift.label === label) && (skill === null || shift.skills.includes(skill));
    });
    const short = restrict(headcountTimeline(eligible, windowOf(window)), demand).filter(
      (p) => p.personIds.length < requirement.headcount,
    );
    for (const p of joinTouching(short, (a, b) => sameIds(a.personIds, b.personIds))) {
      const scheduled = p.personIds.length;
      shortfalls.push({
        requirementId: requirement.id,
        start: new Date(p.start),
        end: new Date(p.end),
        required: requirement.headcount,
        scheduled,
        shortfall: requirement.headcount - scheduled,
        capacityChats: scheduled * maxChats,
        personIds: p.personIds,
      });
    }
  }

  const everyone = headcountTimeline(net, windowOf(window));
  const capacity = joinTouching(
    restrict(everyone, support ?? [window]).map((p) => ({ start: p.start, end: p.end, agents: p.personIds.length })),
    (a, b) => a.agents === b.agents,
  ).map((p) => ({ start: new Date(p.start), end: new Date(p.end), agents: p.agents, chats: p.agents * maxChats }));

  const staffed = mergeSpans(net.map((a) => ({ start: a.start.getTime(), end: a.end.getTime() })));
  const unstaffed = support === null ? [] : subtractSpans(support, staffed).map(toInterval);

  return { shortfalls, unstaffed, capacity };
}

function compileRequirements(
  requirements: readonly StaffingRequirement[],
  window: Span,
  support: Span[] | null,
  context: TimeContext,
): CompiledRequirement[] {
  if (!Array.isArray(requirements)) throw invalid("requirements", "requirements must be a list");
  const ids = new Set<string>();
  return requirements.map((requirement: StaffingRequirement, i: number) => {
    const at = `requirements.${i}`;
    if (typeof requirement?.id !== "string" || requirement.id === "") throw invalid(`${at}.id`, `${at}.id is required`);
    if (ids.has(requirement.id)) throw invalid(`${at}.id`, `${at}.id repeats ${requirement.id}`);
    ids.add(requirement.id);
    checkCount(requirement.headcount, `${at}.headcount`);
    if (!isOptionalName(requirement.label)) throw invalid(`${at}.label`, `${at}.label must be a non-empty string or null`);
    if (!isOptionalName(requirement.skill)) throw invalid(`${at}.skill`, `${at}.skill must be a non-empty string or null`);
    const { zone, weekly } = compileWeeklyHours(requirement.hours, `${at}.hours`);
    const own = expandWeeklySpans(weekly, context.clock(zone), window);
    return { requirement, demand: support === null ? own : intersectSpans(own, support) };
  });
}

// ---------------------------------------------------------------------------
// Hours

/**
 * Minutes worked per person inside [from, to): total, split into weekday and
 * weekend by the local calendar day in `zone` (cut at local midnights, real
 * elapsed time, so a 00:00-06:00 fall-back night is 7 h), and the part
 * outside support hours. A person's overlapping shifts count once. Sorted by
 * total minutes (most first), then personId.
 */
export function hoursReport(input: HoursReportInput, context = new TimeContext()): HoursRow[] {
  const window = reportWindow(input?.window);
  const clock = context.clock(requireZone(input.zone, "zone"));
  let support: Span[] | null = null;
  if (input.supportHours !== null && input.supportHours !== undefined) {
    const { zone, weekly } = compileWeeklyHours(input.supportHours, "supportHours");
    support = expandWeeklySpans(weekly, context.clock(zone), window);
  }

  const byPerson = new Map<string, { spans: Span[]; shiftCount: number }>();
  for (const { shift, span } of checkShifts(input.shifts)) {
    const start = Math.max(span.start, window.start);
    const end = Math.min(span.end, window.end);
    if (end <= start) continue;
    const entry = byPerson.get(shift.personId) ?? { spans: [], shiftCount: 0 };
    entry.spans.push({ start, end });
    entry.shiftCount++;
    byPerson.set(shift.personId, entry);
  }

  // Local midnights covering the window: each piece between two of them lies
  // in one local calendar day.
  const midnights: number[] = [];
  for (let day = clock.localDay(window.start); day <= clock.localDay(window.end - 1) + 1; day++) {
    midnights.push(clock.dayStart(day));
  }

  const rows: HoursRow[] = [];
  for (const [personId, { spans, shiftCount }] of byPerson) {
    const worked = mergeSpans(spans);
    let total = 0;
    let weekend = 0;
    for (const s of worked) {
      total += s.end - s.start;
      let cursor = s.start;
      for (const cut of [...midnights.filter((m) => m > s.start && m < s.end), s.end]) {
        if (weekdayOfDay(clock.localDay(cursor)) >= 5) weekend += cut - cursor;
        cursor = cut;
      }
    }
    let inside = total;
    if (support !== null) inside = intersectSpans(worked, support).reduce((sum, s) => sum + s.end - s.start, 0);
    rows.push({
      personId,
      totalMinutes: total / MINUTE_MS,
      weekdayMinutes: (total - weekend) / MINUTE_MS,
      weekendMinutes: weekend / MINUTE_MS,
      outsideSupportMinutes: (total - inside) / MINUTE_MS,
      shiftCount,
    });
  }
  return rows.sort((a, b) => b.totalMinutes - a.totalMinutes || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
}
