import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { createScheduleRepository } from "../db/repositories/schedules.ts";
import { dutyBookings, dutyPrograms, shifts, calendarRepublish } from "../db/schema/index.ts";
import { during, overlaps } from "../db/sql.ts";
import { computeSchedule } from "../domain/schedule.ts";
import { TimeContext } from "../domain/wallclock.ts";
import { loadScheduleStates, overrideOf } from "./schedules.ts";

/** Anything that puts a person on duty, in one shape (shifts, duty bookings, on-call windows). */
export interface PersonAssignment {
  kind: "shift" | "duty_booking" | "oncall";
  /** The shift or booking id; for on-call, the schedule id. */
  id: string;
  personId: string;
  start: Date;
  end: Date;
  teamId: string | null;
  title: string;
}

/**
 * What these people have in [from, to): shifts, duty bookings, and their
 * on-call segments (after layers and overrides) on every schedule. One
 * read; on-call timelines come from the time engine.
 */
export async function loadAssignments(db: Db, personIds: string[], from: Date, to: Date): Promise<PersonAssignment[]> {
  if (personIds.length === 0) return [];
  const repo = createScheduleRepository(db);
  const [shiftRows, bookingRows, scheduleIds] = await Promise.all([
    db.select().from(shifts).where(and(inArray(shifts.personId, personIds), overlaps(during(shifts), from, to))),
    db
      .select({ booking: dutyBookings, programName: dutyPrograms.name })
      .from(dutyBookings)
      .innerJoin(dutyPrograms, eq(dutyPrograms.id, dutyBookings.programId))
      .where(and(inArray(dutyBookings.personId, personIds), overlaps(during(dutyBookings), from, to))),
    // Only the schedules that can put one of these people on call: not every schedule of the company.
    repo.namingAny(personIds, from, to),
  ]);
  const heads = scheduleIds.length > 0 ? await repo.heads({ ids: scheduleIds }) : [];
  const states = await loadScheduleStates(db, heads, from, to);
  const wanted = new Set(personIds);
  const result: PersonAssignment[] = [
    ...shiftRows.map((s) => ({ kind: "shift" as const, id: s.id, personId: s.personId, start: s.startAt, end: s.endAt, teamId: s.teamId, title: s.label ? `Shift (${s.label})` : "Shift" })),
    ...bookingRows.map(({ booking, programName }) => ({
      kind: "duty_booking" as const,
      id: booking.id,
      personId: booking.personId,
      start: booking.startAt,
      end: booking.endAt,
      teamId: null,
      title: programName,
    })),
  ];
  const context = new TimeContext();
  for (const head of heads) {
    const state = states.get(head.id)!;
    const timeline = computeSchedule({ layers: state.layers, overrides: state.overrides.map(overrideOf), window: { from, to } }, context);
    for (const s of timeline.segments) {
      if (s.personId && wanted.has(s.personId)) {
        result.push({ kind: "oncall", id: head.id, personId: s.personId, start: s.start, end: s.end, teamId: head.teamId, title: `On call: ${head.name}` });
      }
    }
  }
  return result.sort((a, b) => a.start.getTime() - b.start.getTime() || a.kind.localeCompare(b.kind));
}

/** Clips assignments to a window (what time off actually uncovers). */
export function clipTo(assignments: PersonAssignment[], from: Date, to: Date): PersonAssignment[] {
  return assignments
    .filter((a) => a.start < to && a.end > from)
    .map((a) => ({ ...a, start: new Date(Math.max(a.start.getTime(), from.getTime())), end: new Date(Math.min(a.end.getTime(), to.getTime())) }));
}

/** Marks calendars for republishing (iCal feeds and Google sync drain this outbox). */
export async function markCalendarsChanged(db: Db, scopes: { kind: "person" | "team" | "schedule" | "duty_program"; id: string | null | undefined }[], reason: string, now: Date) {
  const rows = scopes.filter((s): s is { kind: "person" | "team" | "schedule" | "duty_program"; id: string } => !!s.id);
  const unique = [...new Map(rows.map((s) => [`${s.kind}:${s.id}`, s])).values()];
  if (unique.length > 0) await db.insert(calendarRepublish).values(unique.map((s) => ({ scopeKind: s.kind, scopeId: s.id, reason, requestedAt: now })));
}
