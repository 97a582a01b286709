import type { Db } from "../db/client.ts";
import { createFeedRepository } from "../db/repositories/feeds.ts";
import { createScheduleRepository } from "../db/repositories/schedules.ts";
import type { FeedSubjectKind } from "../db/schema/index.ts";
import { DAY_MS } from "../domain/interval.ts";
import { computeSchedule, type Segment } from "../domain/schedule.ts";
import { TimeContext } from "../domain/wallclock.ts";
import { loadScheduleState, overrideOf } from "./schedules.ts";
import { createDutyRepository } from "../db/repositories/duty.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import { DomainError } from "../domain/errors.ts";
import { loadPersonFacts } from "./facts.ts";
import type { FeedSubjectFacts } from "./policy.ts";

/*
 * The one event model behind every published calendar: iCal feeds
 * (services/feeds.ts) and Google Calendar sync (services/google-sync.ts)
 * both take their events from here. Events come from the final timeline
 * (after overrides, swaps and time off); each UID is derived from stable
 * data (the shift, booking, slot or time-off id; for computed on-call turns
 * the schedule, the layer or override, and the turn's start), so an edit
 * changes an event in place and a republish never duplicates one.
 */

/** Schedules are computed from this long before the window, so the first turn keeps its real start (and UID). */
const LEAD_IN_MS = 14 * DAY_MS;

/** What a calendar shows: its subject and options (a feed row and a sync target row both are one). */
export interface EventSource {
  subjectKind: FeedSubjectKind;
  personId: string | null;
  teamId: string | null;
  scheduleId: string | null;
  programId: string | null;
  includeTimeOff: boolean;
  includeGaps: boolean;
  includeFreeSeats: boolean;
  includeCoworkers: boolean;
}

/** Which column of a feed or target row holds the subject of each kind. */
export const SUBJECT_COLUMN = { person: "personId", team: "teamId", schedule: "scheduleId", duty_program: "programId" } as const;

/** The subject and options of a feed or sync target, as the API shows them. */
export function publicationView(row: EventSource & { showAsFree: boolean; pastDays: number; futureDays: number }) {
  return {
    subject: { kind: row.subjectKind, id: (row.personId ?? row.teamId ?? row.scheduleId ?? row.programId)! },
    includeTimeOff: row.includeTimeOff,
    includeGaps: row.includeGaps,
    includeFreeSeats: row.includeFreeSeats,
    includeCoworkers: row.includeCoworkers,
    showAsFree: row.showAsFree,
    pastDays: row.pastDays,
    futureDays: row.futureDays,
  };
}

/** The options as a caller gives them (all optional; the table's defaults fill the rest). */
export interface EventOptionsInput {
  includeTimeOff?: boolean | undefined;
  includeGaps?: boolean | undefined;
  includeFreeSeats?: boolean | undefined;
  includeCoworkers?: boolean | undefined;
  showAsFree?: boolean | undefined;
  pastDays?: number | undefined;
  futureDays?: number | undefined;
}

/** Computed schedule timelines, kept by the caller (FeedCache on the app, one per sync worker). */
export interface TimelineCache {
  timeline(key: string): Segment[] | undefined;
  setTimeline(key: string, segments: Segment[]): void;
}

/** An event before its revision is known: what the data says. */
export interface DraftEvent {
  uid: string;
  start: Date;
  end: Date;
  summary: string;
  description: string;
  /** When the data behind it last changed; LAST-MODIFIED of a new event. */
  changedAt: Date;
  /** Time off: blocks the calendar even in a show-as-free feed. */
  away?: boolean;
}

export interface EventOptions {
  /** Base URL for links in descriptions, e.g. https://rota.example.com; its host is the domain of every UID. */
  apiBase: string;
  now: Date;
}

/** What event builders need: links and the UID domain (`shift-…@rota.example.com`, stable per deployment). */
export interface BuildOptions extends EventOptions {
  uidDomain: string;
}

function compact(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function list(names: string[]): string {
  return names.join(", ");
}

/** A schedule's final timeline over [from - lead-in, to + lead-in), cached by version and window. */
async function timelineOf(db: Db, cache: TimelineCache, head: { id: string; version: number }, from: Date, to: Date): Promise<Segment[]> {
  const key = `${head.id}:${head.version}:${from.getTime()}:${to.getTime()}`;
  const cached = cache.timeline(key);
  if (cached) return cached;
  const window = { from: new Date(from.getTime() - LEAD_IN_MS), to: new Date(to.getTime() + LEAD_IN_MS) };
  const state = await loadScheduleState(db, head.id, window.from, window.to);
  const { segments } = computeSchedule({ layers: state.layers, overrides: state.overrides.map(overrideOf), window }, new TimeContext());
  // Turns that start inside the window, with their real ends (not cut at `to`, so the last one does not change daily).
  const kept = segments.filter((s) => s.end > from && s.start < to);
  cache.setTimeline(key, kept);
  return kept;
}

function segmentUid(scheduleId: string, s: Segment, domain: string): string {
  const where = s.source.kind === "override" ? `override-${s.source.overrideId}` : s.source.kind === "layer" ? `layer-${s.source.layerId}` : "gap";
  return `oncall-${scheduleId}-${where}-${compact(s.start)}@${domain}`;
}

function awayNote(personId: string, start: Date, end: Date, away: { personId: string; start: Date; end: Date }[]): string | undefined {
  return away.some((a) => a.personId === personId && a.start < end && a.end > start) ? "Away then (approved time off): this needs cover." : undefined;
}

async function personEvents(db: Db, cache: TimelineCache, feed: EventSource, from: Date, to: Date, o: BuildOptions): Promise<DraftEvent[]> {
  const repo = createFeedRepository(db);
  const personId = feed.personId!;
  const teamIds = feed.includeCoworkers ? await repo.teamIdsOf(personId) : [];
  const [shiftRows, slotRows, away, heads] = await Promise.all([
    repo.shifts({ personId, teamIds }, from, to),
    repo.slots({ personId }, from, to),
    repo.approvedTimeOff([personId], from, to),
    repo.scheduleHeads(),
  ]);
  const events: DraftEvent[] = [];
  const together = overlapping(shiftRows, (s) => s.teamId);
  for (const shift of shiftRows.filter((s) => s.personId === personId)) {
    const others = together.get(shift)!.filter((s) => s.personId !== personId).map((s) => s.personName);
    events.push({
      uid: `shift-${shift.id}@${o.uidDomain}`,
      start: shift.start,
      end: shift.end,
      summary: `${shift.teamName} shift${shift.label ? ` (${shift.label})` : ""}`,
      description: lines([`Team: ${shift.teamName}`, others.length ? `Also on: ${list([...new Set(others)])}` : undefined, awayNote(personId, shift.start, shift.end, away), `${o.apiBase}/v1/shifts/${shift.id}`]),
      changedAt: shift.updatedAt,
    });
  }
  for (const slot of slotRows) {
    const mine = slot.bookings.find((b) => b.personId === personId);
    if (!mine) continue;
    const others = feed.includeCoworkers ? slot.bookings.filter((b) => b.personId !== personId).map((b) => b.personName) : [];
    events.push({
      uid: `duty-booking-${mine.id}@${o.uidDomain}`,
      start: slot.start,
      end: slot.end,
      summary: slot.programName,
      description: lines([others.length ? `With: ${list(others)}` : undefined, awayNote(personId, slot.start, slot.end, away), `${o.apiBase}/v1/duty-programs/${slot.programId}`]),
      changedAt: mine.updatedAt > slot.updatedAt ? mine.updatedAt : slot.updatedAt,
    });
  }
  for (const head of heads) {
    for (const s of await timelineOf(db, cache, head, from, to)) {
      if (s.personId !== personId) continue;
      events.push({
        uid: segmentUid(head.id, s, o.uidDomain),
        start: s.start,
        end: s.end,
        summary: `On call: ${head.name}`,
        description: lines([s.source.kind === "override" ? "Override" : undefined, awayNote(personId, s.start, s.end, away), `${o.apiBase}/v1/schedules/${head.id}`]),
        changedAt: head.updatedAt,
      });
    }
  }
  if (feed.includeTimeOff) {
    for (const a of away) {
      events.push({ uid: `time-off-${a.id}@${o.uidDomain}`, start: a.start, end: a.end, summary: "Away", description: "", changedAt: a.updatedAt, away: true });
    }
  }
  return events;
}

async function teamEvents(db: Db, feed: EventSource, from: Date, to: Date, o: BuildOptions): Promise<DraftEvent[]> {
  const repo = createFeedRepository(db);
  const rows = await repo.shifts({ teamIds: [feed.teamId!] }, from, to);
  const away = await repo.approvedTimeOff([...new Set(rows.map((r) => r.personId))], from, to);
  const together = feed.includeCoworkers ? overlapping(rows, (s) => s.teamId) : new Map<(typeof rows)[number], typeof rows>();
  return rows.map((shift) => {
    const others = (together.get(shift) ?? []).filter((s) => s.personId !== shift.personId).map((s) => s.personName);
    return {
      uid: `shift-${shift.id}@${o.uidDomain}`,
      start: shift.start,
      end: shift.end,
      summary: `${shift.personName}: ${shift.teamName} shift${shift.label ? ` (${shift.label})` : ""}`,
      description: lines([others.length ? `Also on: ${list([...new Set(others)])}` : undefined, awayNote(shift.personId, shift.start, shift.end, away), `${o.apiBase}/v1/shifts/${shift.id}`]),
      changedAt: shift.updatedAt,
    };
  });
}

async function scheduleEvents(db: Db, cache: TimelineCache, feed: EventSource, from: Date, to: Date, o: BuildOptions): Promise<DraftEvent[]> {
  const schedule = await createScheduleRepository(db).findById(feed.scheduleId!);
  if (!schedule) return [];
  const segments = await timelineOf(db, cache, schedule, from, to);
  const repo = createFeedRepository(db);
  const personIds = [...new Set(segments.map((s) => s.personId).filter((p): p is string => p !== null))];
  const [names, away] = await Promise.all([repo.names(personIds), repo.approvedTimeOff(personIds, from, to)]);
  const events: DraftEvent[] = [];
  for (const s of segments) {
    if (!s.personId && !feed.includeGaps) continue;
    events.push({
      uid: segmentUid(schedule.id, s, o.uidDomain),
      start: s.start,
      end: s.end,
      summary: s.personId ? `On call: ${names.get(s.personId) ?? "someone"}` : "No one on call",
      description: lines([
        `Schedule: ${schedule.name}`,
        s.source.kind === "override" ? "Override" : undefined,
        s.personId ? awayNote(s.personId, s.start, s.end, away) : undefined,
        `${o.apiBase}/v1/schedules/${schedule.id}`,
      ]),
      changedAt: schedule.updatedAt,
    });
  }
  return events;
}

async function programEvents(db: Db, feed: EventSource, from: Date, to: Date, o: BuildOptions): Promise<DraftEvent[]> {
  const slots = await createFeedRepository(db).slots({ programId: feed.programId! }, from, to);
  const events: DraftEvent[] = [];
  for (const slot of slots) {
    const free = slot.closed ? 0 : Math.max(0, slot.seats - slot.bookings.length);
    const showFree = feed.includeFreeSeats && free > 0;
    if (slot.bookings.length === 0 && !showFree) continue;
    const freeText = `${free} seat${free === 1 ? "" : "s"} free`;
    const who = list(slot.bookings.map((b) => b.personName));
    const changed = slot.bookings.reduce((max, b) => (b.updatedAt > max ? b.updatedAt : max), slot.updatedAt);
    events.push({
      uid: `duty-slot-${slot.id}@${o.uidDomain}`,
      start: slot.start,
      end: slot.end,
      summary: who ? `${slot.programName}: ${who}${showFree ? ` (+${freeText})` : ""}` : `${slot.programName}: ${freeText}`,
      description: lines([`${slot.bookings.length} of ${slot.seats} seats booked`, `${o.apiBase}/v1/duty-programs/${slot.programId}`]),
      changedAt: changed,
    });
  }
  return events;
}

/**
 * For each item, the others of its group that overlap it in time: a sweep
 * over items sorted by start, so a year of a team's shifts costs
 * O(n × people on at once), not O(n²).
 */
function overlapping<T extends { start: Date; end: Date }>(items: readonly T[], group: (item: T) => string): Map<T, T[]> {
  const result = new Map<T, T[]>(items.map((i) => [i, []]));
  const active = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => a.start.getTime() - b.start.getTime())) {
    const key = group(item);
    const running = (active.get(key) ?? []).filter((other) => other.end > item.start);
    for (const other of running) {
      result.get(other)!.push(item);
      result.get(item)!.push(other);
    }
    running.push(item);
    active.set(key, running);
  }
  return result;
}

function lines(parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => !!p).join("\n");
}


/** The events of a calendar over [from, to), one per UID. */
export async function draftEvents(db: Db, cache: TimelineCache, source: EventSource, window: { from: Date; to: Date }, o: BuildOptions): Promise<DraftEvent[]> {
  const { from, to } = window;
  let drafts: DraftEvent[] = [];
  switch (source.subjectKind) {
    case "person":
      drafts = await personEvents(db, cache, source, from, to, o);
      break;
    case "team":
      drafts = await teamEvents(db, source, from, to, o);
      break;
    case "schedule":
      drafts = await scheduleEvents(db, cache, source, from, to, o);
      break;
    case "duty_program":
      drafts = await programEvents(db, source, from, to, o);
      break;
  }
  // One UID once: a turn split by the lead-in window edge or a duplicate row must not publish twice.
  return [...new Map(drafts.map((d) => [d.uid, d])).values()];
}

/** The subject's name and time zone (a person's, a team's, a schedule's; UTC for a duty program). */
export async function subjectNameOf(db: Db, source: EventSource): Promise<{ name: string; timeZone: string } | undefined> {
  const row = await createFeedRepository(db).subjectName(source);
  return row && { name: row.name, timeZone: row.timeZone ?? "UTC" };
}

/** The window a calendar shows around `now`: whole UTC days back and ahead. */
export function calendarWindow(source: { pastDays: number; futureDays: number }, now: Date) {
  const day = Math.floor(now.getTime() / DAY_MS);
  return { from: new Date((day - source.pastDays) * DAY_MS), to: new Date((day + source.futureDays) * DAY_MS) };
}

/** The subject's facts for the policy, and its display name; 404 (field `subject.id`) when it does not exist. */
export async function calendarSubjectOf(db: Db, subject: { kind: FeedSubjectKind; id: string }): Promise<{ facts: FeedSubjectFacts; name: string }> {
  const missing = () => new DomainError("not_found", `No ${subject.kind.replace("_", " ")} with id ${subject.id}`, { field: "subject.id" });
  switch (subject.kind) {
    case "person": {
      const person = await loadPersonFacts(db, subject.id);
      if (!person) throw missing();
      const named = await createFeedRepository(db).subjectName({ subjectKind: "person", personId: subject.id, teamId: null, scheduleId: null, programId: null });
      return { facts: { kind: "person", person }, name: named?.name ?? "" };
    }
    case "team": {
      const team = await createTeamRepository(db).findById(subject.id);
      if (!team) throw missing();
      return { facts: { kind: "team", teamId: team.id }, name: team.name };
    }
    case "schedule": {
      const schedule = await createScheduleRepository(db).findById(subject.id);
      if (!schedule) throw missing();
      return { facts: { kind: "schedule", teamId: schedule.teamId }, name: schedule.name };
    }
    case "duty_program": {
      const program = await createDutyRepository(db).findProgram(subject.id);
      if (!program) throw missing();
      return { facts: { kind: "duty_program" }, name: program.name };
    }
    default:
      throw new DomainError("unknown_subject_kind", `Unknown subject kind ${String(subject.kind)}`, { field: "subject.kind" });
  }
}

/** The policy's facts about a feed's or target's subject; one that is gone counts as company-wide (admins manage it). */
export async function publishedSubjectFacts(db: Db, row: EventSource): Promise<FeedSubjectFacts> {
  try {
    return (await calendarSubjectOf(db, publicationView({ ...row, showAsFree: false, pastDays: 0, futureDays: 0 }).subject)).facts;
  } catch {
    return { kind: "duty_program" };
  }
}
