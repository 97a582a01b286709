import { DomainError } from "./errors.ts";
import { type Span, type TimeWindow, intervalSpan, mergeSpans, subtractSpans, windowSpan } from "./interval.ts";
import type { ScheduleResult } from "./schedule.ts";

/*
 * One shape for everything that puts a person on duty, so shifts, duty
 * slots and on-call turns are compared for conflicts and coverage by the
 * same code. Instants only: every wall-clock rule (and its DST handling) was
 * applied when the assignment was generated.
 */

export type AssignmentKind = "shift" | "duty_slot" | "oncall";

export interface Assignment {
  personId: string;
  start: Date;
  end: Date;
  source: { kind: AssignmentKind; id: string };
}

/** Two assignments of the same person that overlap over [start, end). `first` starts no later than `second`. */
export interface Conflict {
  personId: string;
  first: Assignment;
  second: Assignment;
  start: Date;
  end: Date;
}

/** Headcount over [start, end): the distinct people with an assignment there. */
export interface HeadcountSegment {
  start: Date;
  end: Date;
  count: number;
  personIds: string[];
}

/** A person away over [start, end). */
export interface Absence {
  personId: string;
  start: Date;
  end: Date;
}

const KINDS: ReadonlySet<string> = new Set<AssignmentKind>(["shift", "duty_slot", "oncall"]);

function checked(assignments: readonly Assignment[], field: string): { a: Assignment; span: Span }[] {
  if (!Array.isArray(assignments)) throw new DomainError("invalid_input", `${field} must be a list`, { field });
  return assignments.map((a: Assignment, i: number) => {
    const at = `${field}.${i}`;
    if (typeof a?.personId !== "string" || a.personId === "") {
      throw new DomainError("invalid_input", `${at}.personId is required`, { field: `${at}.personId` });
    }
    if (!KINDS.has(a.source?.kind) || typeof a.source.id !== "string") {
      throw new DomainError("invalid_input", `${at}.source must be { kind, id }`, { field: `${at}.source` });
    }
    return { a, span: intervalSpan(a, at) };
  });
}

/**
 * Every pair of assignments of the same person that overlap (touching is
 * not a conflict), ordered by person, then overlap start. Sweep per person:
 * O(n log n + conflicts).
 */
export function findConflicts(assignments: readonly Assignment[]): Conflict[] {
  const byPerson = new Map<string, { a: Assignment; span: Span }[]>();
  for (const item of checked(assignments, "assignments")) {
    const list = byPerson.get(item.a.personId) ?? [];
    list.push(item);
    byPerson.set(item.a.personId, list);
  }
  const conflicts: { personId: string; first: Assignment; second: Assignment; start: number; end: number }[] = [];
  for (const [personId, list] of byPerson) {
    list.sort((x, y) => x.span.start - y.span.start || x.span.end - y.span.end);
    let active: { a: Assignment; span: Span }[] = [];
    for (const item of list) {
      active = active.filter((o) => o.span.end > item.span.start);
      for (const o of active) {
        conflicts.push({
          personId,
          first: o.a,
          second: item.a,
          start: item.span.start,
          end: Math.min(o.span.end, item.span.end),
        });
      }
      active.push(item);
    }
  }
  conflicts.sort((x, y) => (x.personId < y.personId ? -1 : x.personId > y.personId ? 1 : x.start - y.start || x.end - y.end));
  return conflicts.map((c) => ({ ...c, start: new Date(c.start), end: new Date(c.end) }));
}

/**
 * Distinct people on duty over [from, to), as ordered segments that cover
 * the window exactly (count 0 where no one is on), cut exactly at
 * assignment boundaries (no grid). A person with overlapping assignments
 * counts once. Neighbouring segments with the same people are merged.
 */
export function headcountTimeline(assignments: readonly Assignment[], window: TimeWindow): HeadcountSegment[] {
  const w = windowSpan(window);
  if (w.end <= w.start) return [];
  const events: { t: number; personId: string; delta: number }[] = [];
  for (const { a, span } of checked(assignments, "assignments")) {
    const start = Math.max(span.start, w.start);
    const end = Math.min(span.end, w.end);
    if (end <= start) continue;
    events.push({ t: start, personId: a.personId, delta: 1 }, { t: end, personId: a.personId, delta: -1 });
  }
  events.sort((x, y) => x.t - y.t);
  const active = new Map<string, number>();
  const out: { start: number; end: number; personIds: string[] }[] = [];
  let cursor = w.start;
  let i = 0;
  while (cursor < w.end) {
    while (i < events.length && events[i]!.t <= cursor) {
      const e = events[i]!;
      const n = (active.get(e.personId) ?? 0) + e.delta;
      if (n === 0) active.delete(e.personId);
      else active.set(e.personId, n);
      i++;
    }
    const next = i < events.length ? events[i]!.t : w.end;
    const personIds = [...active.keys()].sort();
    const last = out[out.length - 1];
    if (last !== undefined && last.personIds.length === personIds.length && last.personIds.every((p, k) => p === personIds[k])) {
      last.end = next;
    } else {
      out.push({ start: cursor, end: next, personIds });
    }
    cursor = next;
  }
  return out.map((s) => ({ start: new Date(s.start), end: new Date(s.end), count: s.personIds.length, personIds: s.personIds }));
}

/**
 * Assignments net of absences: each assignment minus its person's time off
 * (possibly split in pieces, dropped when fully away), order kept. What is
 * removed is what coverage must treat as uncovered.
 */
export function withoutAbsences(assignments: readonly Assignment[], absences: readonly Absence[]): Assignment[] {
  if (!Array.isArray(absences)) throw new DomainError("invalid_input", "absences must be a list", { field: "absences" });
  const away = new Map<string, Span[]>();
  absences.forEach((absence: Absence, i: number) => {
    const span = intervalSpan(absence, `absences.${i}`);
    const list = away.get(absence.personId) ?? [];
    list.push(span);
    away.set(absence.personId, list);
  });
  for (const [personId, list] of away) away.set(personId, mergeSpans(list));
  const out: Assignment[] = [];
  for (const { a, span } of checked(assignments, "assignments")) {
    const off = away.get(a.personId);
    if (off === undefined) {
      out.push(a);
      continue;
    }
    for (const piece of subtractSpans([span], off)) {
      out.push({ ...a, start: new Date(piece.start), end: new Date(piece.end) });
    }
  }
  return out;
}

/**
 * A schedule's people as on-call assignments (gaps dropped; touching
 * segments of the same person, e.g. a turn and an override of the same
 * person, joined), with `source.id` = the schedule's id.
 */
export function scheduleAssignments(result: ScheduleResult, scheduleId: string): Assignment[] {
  const out: Assignment[] = [];
  for (const s of result.segments) {
    if (s.personId === null) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.personId === s.personId && last.end.getTime() === s.start.getTime()) {
      out[out.length - 1] = { ...last, end: s.end };
    } else {
      out.push({ personId: s.personId, start: s.start, end: s.end, source: { kind: "oncall", id: scheduleId } });
    }
  }
  return out;
}
