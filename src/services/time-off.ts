import type { Db } from "../db/client.ts";
import type { PageRequest } from "../db/pagination.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import { createTimeOffQueries, createTimeOffRepository } from "../db/repositories/time-off.ts";
import type { Person, TimeOff } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { TimeContext, localDayBounds } from "../domain/wallclock.ts";
import { audit } from "./audit.ts";
import { clipTo, loadAssignments, markCalendarsChanged, type PersonAssignment } from "./assignments.ts";
import type { ServiceContext } from "./context.ts";
import { loadPersonFacts, nameOf, personFacts, personNames } from "./facts.ts";
import { authorize, can, notFound } from "./policy.ts";
import { createSwapRecord, handOver } from "./swaps.ts";
import { requireWindow } from "./windows.ts";

export const TIME_OFF_REASONS = ["vacation", "sick", "personal", "training", "other"] as const;
export type TimeOffReason = (typeof TIME_OFF_REASONS)[number];
const MAX_TIME_OFF_DAYS = 366;

export interface TimeOffInput {
  personId?: string | undefined;
  /** Exact instants… */
  start?: string | undefined;
  end?: string | undefined;
  /** …or whole local days (inclusive) in the person's zone. */
  startDate?: string | undefined;
  endDate?: string | undefined;
  reason: TimeOffReason;
  note?: string | null | undefined;
  /** Whoever approves (a lead making the request approves it) may name who covers: see `Substitutes`. */
  substitute?: string | undefined;
  substitutes?: SubstituteFor[] | undefined;
}

/** One assignment's substitute: a shift or duty booking by id; an on-call window by the schedule's id and its start. */
export interface SubstituteFor {
  kind: PersonAssignment["kind"];
  id: string;
  start?: string | undefined;
  personId: string;
}

/** `substitute` covers everything; `substitutes` name one person per assignment and win over it. */
export interface Substitutes {
  substitute?: string | undefined;
  substitutes?: SubstituteFor[] | undefined;
}

const hasSubstitutes = (s: Substitutes) => s.substitute !== undefined || (s.substitutes?.length ?? 0) > 0;

function windowOf(input: TimeOffInput, person: Person): { start: Date; end: Date } {
  const byDays = input.startDate !== undefined || input.endDate !== undefined;
  const byTimes = input.start !== undefined || input.end !== undefined;
  if (byDays === byTimes) throw new DomainError("invalid_time_off_window", "Give either start and end (instants) or startDate and endDate (whole days)", { field: "start" });
  let start: Date;
  let end: Date;
  if (byDays) {
    if (!input.startDate || !input.endDate) throw new DomainError("invalid_time_off_window", "startDate and endDate go together", { field: input.startDate ? "endDate" : "startDate" });
    const context = new TimeContext();
    start = localDayBounds(input.startDate, person.timeZone, context).start;
    end = localDayBounds(input.endDate, person.timeZone, context).end;
  } else {
    if (!input.start || !input.end) throw new DomainError("invalid_time_off_window", "start and end go together", { field: input.start ? "end" : "start" });
    start = new Date(input.start);
    end = new Date(input.end);
  }
  if (!(end > start)) throw new DomainError("invalid_interval", "The time off must end after it starts", { field: byDays ? "endDate" : "end" });
  if (end.getTime() - start.getTime() > MAX_TIME_OFF_DAYS * 86_400_000) {
    throw new DomainError("window_too_large", `Time off may last at most ${MAX_TIME_OFF_DAYS} days per request`, { field: byDays ? "endDate" : "end" });
  }
  return { start, end };
}

/**
 * What approval does: lists every assignment the person has in the window
 * (now uncovered: coverage and on-call gaps count it), offers them as open
 * swaps where the person's team says so, and marks calendars for
 * republishing. Nothing is deleted.
 */
async function onApproved(tx: Db, ctx: ServiceContext, request: TimeOff, subs: Substitutes = {}) {
  const affected = clipTo(await loadAssignments(tx, [request.personId], request.startAt, request.endAt), request.startAt, request.endAt);
  const { covered, refused } = await substitute(tx, ctx, request, affected, subs);
  const uncovered = affected.filter((a) => !covered.some((c) => c.assignment === a));
  const teamIds = await createPeopleRepository(tx).teamIdsOf(request.personId);
  const teams = (await Promise.all(teamIds.map((id) => createTeamRepository(tx).findById(id)))).filter((t) => t !== undefined);
  const offering = new Set(teams.filter((t) => t.openSwapsOnTimeOff).map((t) => t.id));
  const openSwaps: string[] = [];
  for (const a of uncovered) {
    // Shifts and schedules of a team that opts in, and duty bookings when any team of the person does.
    const offer = a.kind === "duty_booking" ? offering.size > 0 : a.teamId !== null && offering.has(a.teamId);
    if (!offer || a.start < ctx.now) continue;
    const swap = await createSwapRecord(tx, ctx, {
      kind: "open",
      requesterId: request.personId,
      counterpartId: null,
      offered: { kind: a.kind, id: a.id, start: a.start, end: a.end },
      note: `Time off (${request.reason})`,
      timeOffId: request.id,
    });
    openSwaps.push(swap.id);
  }
  const substitutes = [...new Set(covered.map((c) => c.personId))].map((id) => ({ kind: "person" as const, id }));
  const schedules = covered.filter((c) => c.assignment.kind === "oncall").map((c) => ({ kind: "schedule" as const, id: c.assignment.id }));
  await markCalendarsChanged(tx, [{ kind: "person", id: request.personId }, ...teamIds.map((id) => ({ kind: "team" as const, id })), ...substitutes, ...schedules], "time_off_approved", ctx.now);
  return { uncovered, openSwapIds: openSwaps, covered, substitutionsRefused: refused };
}

/**
 * Hands each affected assignment to its named substitute, each in its own
 * savepoint with every rule re-checked for the substitute (as a swap's
 * completion does, with a lead's rights): shifts and duty bookings change
 * hands, on-call windows get an override replacing the person. A refusal
 * (the substitute is busy, not eligible, away…) leaves that assignment
 * uncovered and says why; the rest go ahead.
 */
async function substitute(tx: Db, ctx: ServiceContext, request: TimeOff, affected: PersonAssignment[], subs: Substitutes) {
  const covered: { assignment: PersonAssignment; personId: string; overrideId: string | null }[] = [];
  const refused: { assignment: PersonAssignment; personId: string; code: string; detail: string }[] = [];
  if (!hasSubstitutes(subs)) return { covered, refused };
  const named = subs.substitutes ?? [];
  named.forEach((s, i) => {
    const match = affected.some((a) => a.kind === s.kind && a.id === s.id && (s.kind !== "oncall" || (s.start !== undefined && Date.parse(s.start) === a.start.getTime())));
    if (!match) {
      throw new DomainError("not_in_time_off", `substitutes.${i} names no assignment of the person in this time off (an on-call window is named by the schedule's id and its start, as listed in uncovered)`, { field: `substitutes.${i}` });
    }
  });
  const everyone = [subs.substitute, ...named.map((s) => s.personId)];
  everyone.forEach((id, i) => {
    if (id === request.personId) throw new DomainError("invalid_substitute", "A person cannot substitute for themselves", { field: i === 0 ? "substitute" : `substitutes.${i - 1}.personId` });
  });
  for (const a of affected) {
    const to = named.find((s) => s.kind === a.kind && s.id === a.id && (s.kind !== "oncall" || Date.parse(s.start!) === a.start.getTime()))?.personId ?? subs.substitute;
    if (to === undefined) continue;
    if (a.start <= ctx.now && a.kind !== "oncall") {
      refused.push({ assignment: a, personId: to, code: "assignment_started", detail: "It has already started; a lead changes it by hand" });
      continue;
    }
    try {
      const overrideId = await tx.transaction((savepoint) => handOver(savepoint, ctx, { ...a, start: a.kind === "oncall" && a.start < ctx.now ? ctx.now : a.start }, to, true, `Substitute for time off ${request.id}`));
      covered.push({ assignment: a, personId: to, overrideId: overrideId ?? null });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refused.push({ assignment: a, personId: to, code: error.code, detail: error.message });
    }
  }
  return { covered, refused };
}

export interface TimeOffView extends Omit<TimeOff, "reason" | "note" | "decisionNote"> {
  reason: TimeOff["reason"] | null;
  note: string | null;
  decisionNote: string | null;
  /** True when the caller may only see that the person is away: reason and notes are null, nothing uncovered is listed. */
  detailsWithheld: boolean;
  uncovered?: PersonAssignment[];
  openSwapIds?: string[];
  covered?: { assignment: PersonAssignment; personId: string; overrideId: string | null }[];
  substitutionsRefused?: { assignment: PersonAssignment; personId: string; code: string; detail: string }[];
}

function shown(row: TimeOff, extra: Pick<TimeOffView, "uncovered" | "openSwapIds" | "covered" | "substitutionsRefused"> = {}): TimeOffView {
  return { ...row, ...extra, detailsWithheld: false };
}

/** "Away" and no more: why, and what it uncovers, stay with the person, their leads and admins. */
function withheld(row: TimeOff): TimeOffView {
  return { ...row, reason: null, note: null, decisionNote: null, detailsWithheld: true };
}

export async function requestTimeOff(ctx: ServiceContext, input: TimeOffInput): Promise<TimeOffView> {
  const personId = input.personId ?? ctx.actor.personId;
  return ctx.db.transaction(async (tx) => {
    const person = await createPeopleRepository(tx).findById(personId);
    if (!person) throw new DomainError("not_found", `No person with id ${personId}`, { field: "personId" });
    const facts = await personFacts(tx, person);
    authorize(ctx.actor, "timeOff.request", { person: facts });
    const { start, end } = windowOf(input, person);
    // A window wholly in the past is no request but a record (payroll corrections): a lead's or admin's, approved as it is made.
    const past = end.getTime() <= ctx.now.getTime();
    if (past && !can(ctx.actor, "timeOff.recordPast", { person: facts })) {
      throw new DomainError("time_off_in_past", "This time off has already ended; a lead of your team or an admin can record it", { field: input.endDate !== undefined ? "endDate" : "end" });
    }
    const teams = await Promise.all((await createPeopleRepository(tx).teamIdsOf(personId)).map((id) => createTeamRepository(tx).findById(id)));
    // Naming substitutes decides the request: only whoever may approve it does that, and it is approved as made.
    const deciding = hasSubstitutes(input);
    if (deciding) authorize(ctx.actor, "timeOff.decide", { person: facts });
    const auto = past || deciding || teams.some((t) => t?.timeOffAutoApprove);
    const row = await createTimeOffRepository(tx).insert({
      personId,
      startAt: start,
      endAt: end,
      reason: input.reason,
      note: input.note ?? null,
      status: auto ? "approved" : "requested",
      decidedAt: auto ? ctx.now : null,
      decidedBy: past || deciding ? ctx.actor.personId : null,
      createdBy: ctx.actor.personId,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
    await audit(tx, ctx, { entity: "time_off", entityId: row.id, action: past ? "record_past" : auto ? "create_auto_approved" : "create", changes: { after: row } });
    return shown(row, auto ? await onApproved(tx, ctx, row, input) : {});
  });
}

async function decide(ctx: ServiceContext, id: string, to: "approved" | "denied", note: string | null | undefined, subs: Substitutes = {}): Promise<TimeOffView> {
  return ctx.db.transaction(async (tx) => {
    const repo = createTimeOffQueries(tx);
    const before = await repo.findByIdForUpdate(id);
    if (!before) throw notFound("time off", id);
    authorize(ctx.actor, "timeOff.decide", { person: await requestedBy(tx, before) });
    if (before.status !== "requested") {
      throw new DomainError("invalid_transition", `This time off is ${before.status}; only a requested one can be ${to}`, { details: { currentStatus: before.status } });
    }
    const after = await repo.decide(id, { status: to, decidedBy: ctx.actor.personId, decidedAt: ctx.now, decisionNote: note ?? null }, ctx.now);
    await audit(tx, ctx, { entity: "time_off", entityId: id, action: to === "approved" ? "approve" : "deny", changes: { status: { from: before.status, to } } });
    return shown(after, to === "approved" ? await onApproved(tx, ctx, after, subs) : {});
  });
}

export const approveTimeOff = (ctx: ServiceContext, id: string, note?: string | null, subs: Substitutes = {}) => decide(ctx, id, "approved", note, subs);
export const denyTimeOff = (ctx: ServiceContext, id: string, note?: string | null) => decide(ctx, id, "denied", note);

/** The person cancels before it starts; a lead may cancel any time. */
export async function cancelTimeOff(ctx: ServiceContext, id: string): Promise<TimeOffView> {
  return ctx.db.transaction(async (tx) => {
    const repo = createTimeOffQueries(tx);
    const before = await repo.findByIdForUpdate(id);
    if (!before) throw notFound("time off", id);
    const person = await requestedBy(tx, before);
    authorize(ctx.actor, "timeOff.cancel", { person });
    if (before.status !== "requested" && before.status !== "approved") {
      throw new DomainError("invalid_transition", `This time off is already ${before.status}`, { details: { currentStatus: before.status } });
    }
    if (before.startAt <= ctx.now && !can(ctx.actor, "timeOff.cancelStarted", { person })) throw new DomainError("time_off_started", "Time off that has started can only be cancelled by a lead");
    const after = await repo.decide(id, { status: "cancelled" }, ctx.now);
    await audit(tx, ctx, { entity: "time_off", entityId: id, action: "cancel", changes: { status: { from: before.status, to: "cancelled" } } });
    if (before.status === "approved") await markCalendarsChanged(tx, [{ kind: "person", id: before.personId }], "time_off_cancelled", ctx.now);
    return shown(after);
  });
}

export async function getTimeOff(ctx: ServiceContext, id: string): Promise<TimeOffView> {
  const row = await createTimeOffQueries(ctx.db).findById(id);
  if (!row) throw notFound("time off", id);
  const teamIds = await createPeopleRepository(ctx.db).teamIdsOf(row.personId);
  if (!can(ctx.actor, "timeOff.readNote", { person: { id: row.personId, teamIds } })) return withheld(row);
  if (row.status !== "approved") return shown(row);
  return shown(row, { uncovered: clipTo(await loadAssignments(ctx.db, [row.personId], row.startAt, row.endAt), row.startAt, row.endAt) });
}

export async function listTimeOff(
  ctx: ServiceContext,
  filter: { personId?: string | undefined; teamId?: string | undefined; status?: TimeOff["status"] | undefined; from?: Date | undefined; to?: Date | undefined },
  page: PageRequest,
) {
  const personIds = filter.teamId ? await createPeopleRepository(ctx.db).memberIds(filter.teamId) : undefined;
  const result = await createTimeOffQueries(ctx.db).list({ ...filter, personIds }, page);
  const teamsOf = await createPeopleRepository(ctx.db).teamIdsOfMany([...new Set(result.items.map((r) => r.personId))]);
  const visible = (personId: string) => can(ctx.actor, "timeOff.readNote", { person: { id: personId, teamIds: teamsOf.get(personId) ?? [] } });
  return { ...result, items: result.items.map((r) => (visible(r.personId) ? shown(r) : withheld(r))) };
}

/** The person a time off request is for, as the policy sees them. */
async function requestedBy(db: Db, row: TimeOff) {
  const person = await loadPersonFacts(db, row.personId);
  if (!person) throw notFound("person", row.personId);
  return person;
}

/** Assignments of a team's people that their approved time off leaves uncovered, in [from, to). */
export async function teamConflicts(ctx: ServiceContext, teamId: string, from: Date, to: Date) {
  requireWindow("conflicts", from, to);
  const team = await createTeamRepository(ctx.db).findById(teamId);
  if (!team) throw new DomainError("not_found", `No team with id ${teamId}`, { field: "teamId" });
  const members = await createPeopleRepository(ctx.db).memberIds(teamId);
  authorize(ctx.actor, "team.conflicts.read", { teamId, memberIds: members });
  const away = await createTimeOffRepository(ctx.db).approvedOverlapping(members, from, to);
  if (away.length === 0) return { teamId, from, to, items: [] };
  const assignments = await loadAssignments(ctx.db, [...new Set(away.map((a) => a.personId))], from, to);
  const teamsOf = await createPeopleRepository(ctx.db).teamIdsOfMany([...new Set(away.map((a) => a.personId))]);
  const canSeeWhy = (personId: string) => can(ctx.actor, "timeOff.readNote", { person: { id: personId, teamIds: teamsOf.get(personId) ?? [] } });
  const names = await personNames(ctx.db, away.map((a) => a.personId));
  const items = away.flatMap((t) =>
    clipTo(
      assignments.filter((a) => a.personId === t.personId),
      new Date(Math.max(t.startAt.getTime(), from.getTime())),
      new Date(Math.min(t.endAt.getTime(), to.getTime())),
    ).map((a) => ({ timeOffId: t.id, person: nameOf(names, t.personId), reason: canSeeWhy(t.personId) ? t.reason : null, assignment: a })),
  );
  return { teamId, from, to, items };
}
