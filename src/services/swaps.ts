import { and, eq, inArray, isNull, ne, or, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { constraintViolationOf } from "../db/errors.ts";
import { afterCursor, toPage, type PageRequest } from "../db/pagination.ts";
import { createDutyRepository } from "../db/repositories/duty.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import { createScheduleRepository } from "../db/repositories/schedules.ts";
import { createShiftRepository } from "../db/repositories/shifts.ts";
import { createSwapRepository, offeredLeg } from "../db/repositories/swaps.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import { createTimeOffRepository } from "../db/repositories/time-off.ts";
import { dutyBookings, shifts, swaps, type Swap } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { computeSchedule } from "../domain/schedule.ts";
import { isExpired, transition, type SwapAction, type SwapKind } from "../domain/swap.ts";
import { TimeContext } from "../domain/wallclock.ts";
import { loadAssignments, markCalendarsChanged } from "./assignments.ts";
import { audit } from "./audit.ts";
import type { Actor, ServiceContext } from "./context.ts";
import { actorTeamIds, loadPersonFacts } from "./facts.ts";
import { authorize, can, notFound, readableSwaps, type SwapFacts } from "./policy.ts";
import { loadScheduleState, overrideOf } from "./schedules.ts";
import { checkShiftAvailability, checkShiftShape } from "./shifts.ts";
import { loadSupportHours } from "./support-hours.ts";
import { requireWindow } from "./windows.ts";

export type AssignmentKind = "shift" | "duty_booking" | "oncall";

export interface AssignmentRef {
  kind: AssignmentKind;
  /** Shift or booking id; the schedule id for an on-call window. */
  id: string;
  /** Required for on-call windows; taken from the shift or booking otherwise. */
  start?: string | Date | undefined;
  end?: string | Date | undefined;
}

interface ResolvedAssignment {
  kind: AssignmentKind;
  id: string;
  personId: string;
  start: Date;
  end: Date;
  teamId: string | null;
}

/** Finds the assignment and who holds it now (for on-call: who is on over the whole window, or null). */
async function resolve(db: Db, ref: AssignmentRef, field: string, lock = false): Promise<ResolvedAssignment> {
  if (ref.kind === "shift") {
    const repo = createShiftRepository(db);
    const shift = lock ? await repo.findByIdForUpdate(ref.id) : await repo.findById(ref.id);
    if (!shift) throw new DomainError("not_found", `No shift with id ${ref.id}`, { field: `${field}.id` });
    return { kind: "shift", id: shift.id, personId: shift.personId, start: shift.startAt, end: shift.endAt, teamId: shift.teamId };
  }
  if (ref.kind === "duty_booking") {
    const repo = createDutyRepository(db);
    const booking = lock ? await repo.findBookingForUpdate(ref.id) : await repo.findBooking(ref.id);
    if (!booking) throw new DomainError("not_found", `No duty booking with id ${ref.id}`, { field: `${field}.id` });
    return { kind: "duty_booking", id: booking.id, personId: booking.personId, start: booking.startAt, end: booking.endAt, teamId: null };
  }
  const repo = createScheduleRepository(db);
  const schedule = lock ? await repo.findByIdForUpdate(ref.id) : await repo.findById(ref.id);
  if (!schedule) throw new DomainError("not_found", `No schedule with id ${ref.id}`, { field: `${field}.id` });
  if (!ref.start || !ref.end) throw new DomainError("oncall_window_required", "An on-call window needs start and end", { field: `${field}.start` });
  const start = new Date(ref.start);
  const end = new Date(ref.end);
  if (!(end > start)) throw new DomainError("invalid_interval", "end must be after start", { field: `${field}.end` });
  const state = await loadScheduleState(db, schedule.id, start, end);
  const timeline = computeSchedule({ layers: state.layers, overrides: state.overrides.map(overrideOf), window: { from: start, to: end } }, new TimeContext());
  const holders = new Set(timeline.segments.map((s) => s.personId));
  const personId = holders.size === 1 ? [...holders][0]! : null;
  return { kind: "oncall", id: schedule.id, personId: personId ?? "", start, end, teamId: schedule.teamId };
}

/** Leads of the swap's team (any lead for a swap of no team) act for both people and are exempt from the duty cut-off. */
function swapLead(actor: Actor, teamId: string | null): boolean {
  return can(actor, "swap.manage", { teamId });
}

function factsOf(swap: Swap): SwapFacts {
  return { kind: swap.kind, status: swap.status, requesterId: swap.requesterId, counterpartId: swap.counterpartId, teamId: swap.teamId, offeredKind: swap.offeredKind };
}

/** Inserts a swap (no rights checks: callers do them). Used by the API and by approved time off. */
export async function createSwapRecord(
  tx: Db,
  ctx: Pick<ServiceContext, "actor" | "now" | "requestId">,
  input: {
    kind: SwapKind;
    requesterId: string;
    counterpartId: string | null;
    offered: ResolvedAssignment | (AssignmentRef & { start: Date; end: Date });
    requested?: ResolvedAssignment | undefined;
    note?: string | null | undefined;
    expiresAt?: Date | undefined;
    timeOffId?: string | undefined;
  },
): Promise<Swap> {
  const offered = "personId" in input.offered ? input.offered : await resolve(tx, input.offered, "offered");
  const team = offered.teamId ? await createTeamRepository(tx).findById(offered.teamId) : undefined;
  const firstStart = Math.min(offered.start.getTime(), input.requested?.start.getTime() ?? Infinity);
  const repo = createSwapRepository(tx);
  const live = await repo.liveOfferOf(offered.kind, offered.id, offered.start);
  if (live) throw new DomainError("swap_exists", "This assignment is already offered in a live swap; cancel that one first", { details: { swapId: live } });
  const row = await repo.insert({
    kind: input.kind,
    requesterId: input.requesterId,
    counterpartId: input.counterpartId,
    offered: { kind: offered.kind, assignmentId: offered.id, startAt: offered.start, endAt: offered.end },
    requested: input.requested ? { kind: input.requested.kind, assignmentId: input.requested.id, startAt: input.requested.start, endAt: input.requested.end } : null,
    teamId: offered.teamId,
    requiresApproval: team?.swapApprovalRequired ?? false,
    note: input.note ?? null,
    expiresAt: input.expiresAt ?? new Date(firstStart),
    createdBy: ctx.actor.personId,
    timeOffId: input.timeOffId ?? null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  });
  await audit(tx, ctx, { entity: "swap", entityId: row.id, action: "create", changes: { after: row } });
  return row;
}

export interface SwapInput {
  kind: SwapKind;
  requesterId?: string | undefined;
  counterpartId?: string | undefined;
  offered: AssignmentRef;
  requested?: AssignmentRef | undefined;
  note?: string | null | undefined;
  expiresAt?: string | undefined;
}

export async function createSwap(ctx: ServiceContext, input: SwapInput): Promise<Swap> {
  const requesterId = input.requesterId ?? ctx.actor.personId;
  return ctx.db.transaction(async (tx) => {
    const offered = await resolve(tx, input.offered, "offered");
    authorize(ctx.actor, "swap.create", { requesterId, teamId: offered.teamId });
    if (offered.personId !== requesterId) {
      throw new DomainError("not_your_assignment", "The offered assignment is not the requester's (for on-call: they must be on call for the whole window)", { field: "offered.id" });
    }
    if (offered.start <= ctx.now) throw new DomainError("assignment_started", "The offered assignment has already started", { field: "offered" });
    let requested: ResolvedAssignment | undefined;
    if (input.kind === "open") {
      if (input.counterpartId || input.requested) throw new DomainError("invalid_swap", "An open swap names no counterpart and asks for nothing back", { field: "counterpartId" });
    } else {
      if (!input.counterpartId) throw new DomainError("invalid_swap", `A ${input.kind} swap names the counterpart`, { field: "counterpartId" });
      if (input.counterpartId === requesterId) throw new DomainError("invalid_swap", "A swap needs two different people", { field: "counterpartId" });
      if (!(await createPeopleRepository(tx).findById(input.counterpartId))) throw new DomainError("not_found", `No person with id ${input.counterpartId}`, { field: "counterpartId" });
    }
    if (input.kind === "trade") {
      if (!input.requested) throw new DomainError("invalid_swap", "A trade names the assignment asked for in return", { field: "requested" });
      requested = await resolve(tx, input.requested, "requested");
      if (requested.personId !== input.counterpartId) throw new DomainError("not_your_assignment", "The requested assignment is not the counterpart's", { field: "requested.id" });
      if (requested.start <= ctx.now) throw new DomainError("assignment_started", "The requested assignment has already started", { field: "requested" });
    } else if (input.requested) {
      throw new DomainError("invalid_swap", "Only a trade asks for an assignment back", { field: "requested" });
    }
    const firstStart = Math.min(offered.start.getTime(), requested?.start.getTime() ?? Infinity);
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : undefined;
    if (expiresAt && expiresAt <= ctx.now) throw new DomainError("invalid_swap", "expiresAt must be in the future", { field: "expiresAt" });
    return createSwapRecord(tx, ctx, {
      kind: input.kind,
      requesterId,
      counterpartId: input.counterpartId ?? null,
      offered,
      requested,
      note: input.note,
      // A swap can never outlive the start of what it swaps.
      expiresAt: expiresAt && expiresAt.getTime() < firstStart ? expiresAt : undefined,
    });
  });
}

/**
 * Moves one assignment from its holder to `to`, re-checking everything about
 * `to` at this moment (swaps, and substitutes named for time off). An on-call
 * window becomes an override noted `note`; its id is returned.
 */
export async function handOver(tx: Db, ctx: ServiceContext, a: ResolvedAssignment, to: string, lead: boolean, note: string, givenBack?: ResolvedAssignment): Promise<string | undefined> {
  if (a.kind === "shift") {
    const shift = (await createShiftRepository(tx).findByIdForUpdate(a.id))!;
    const team = (await createTeamRepository(tx).findById(shift.teamId))!;
    const candidate = { team, personId: to, start: shift.startAt, end: shift.endAt, outsideSupportHours: shift.outsideSupportHours, shiftId: shift.id };
    await checkShiftShape(tx, candidate, await loadSupportHours(tx, team), new TimeContext());
    await checkShiftAvailability(tx, candidate);
    await tx.update(shifts).set({ personId: to, updatedAt: ctx.now, version: sql`${shifts.version} + 1`, ...(shift.patternId ? { detached: true } : {}) }).where(eq(shifts.id, a.id));
    return undefined;
  }
  if (a.kind === "duty_booking") {
    const repo = createDutyRepository(tx);
    const booking = (await repo.findBookingForUpdate(a.id))!;
    const slot = (await repo.findSlot(booking.slotId))!;
    const program = (await repo.findProgram(booking.programId))!;
    const person = await createPeopleRepository(tx).findById(to);
    if (!person?.active || !(await repo.isEligible(program, to))) throw new DomainError("not_eligible", "The person taking the slot is not eligible for this duty");
    if (program.trainingRequired && !person.trainedAt) throw new DomainError("training_required", `${person.name} has to finish duty training first`);
    if (!lead && slot.startAt.getTime() - program.changeCutoffMinutes * 60_000 <= ctx.now.getTime()) {
      throw new DomainError("cutoff_passed", `Changes close ${program.changeCutoffMinutes} minutes before the slot; ask a lead`);
    }
    await repo.lockPersonQuota(program.id, to, booking.month);
    // In a trade the taker hands their own booking back in the same transaction: it does not count.
    const held = (await tx.select({ id: dutyBookings.id }).from(dutyBookings).where(and(eq(dutyBookings.programId, program.id), eq(dutyBookings.personId, to), eq(dutyBookings.month, booking.month)))).filter(
      (b) => !(givenBack?.kind === "duty_booking" && b.id === givenBack.id),
    ).length;
    if (held >= program.quotaPerMonth) {
      throw new DomainError("quota_exceeded", `${person.name} already has their slot(s) in ${booking.month}`);
    }
    await createShiftRepository(tx).lockPeople([to]);
    await tx.update(dutyBookings).set({ personId: to, updatedAt: ctx.now, version: sql`${dutyBookings.version} + 1` }).where(eq(dutyBookings.id, a.id));
    return undefined;
  }
  const away = await createTimeOffRepository(tx).approvedOverlapping([to], a.start, a.end);
  if (away.length > 0) throw new DomainError("person_on_time_off", "The person taking the on-call window has approved time off then");
  const repo = createScheduleRepository(tx);
  const override = await repo.insertOverride({ scheduleId: a.id, personId: to, replacesPersonId: a.personId, startAt: a.start, endAt: a.end, note, createdBy: ctx.actor.personId, createdAt: ctx.now });
  await repo.touch(a.id, {}, ctx.now);
  return override.id;
}

/**
 * The completion: one transaction that locks the swap and the assignments
 * (in a fixed order), re-checks that each still belongs to its giver, then
 * hands them over with every rule checked again for the new holder. Any
 * failure rolls back everything, so the swap stays accepted and the 409
 * names what blocks it. Two swaps touching one assignment: the second finds
 * it no longer the giver's.
 */
async function complete(tx: Db, ctx: ServiceContext, swap: Swap, lead: boolean) {
  const refs: [AssignmentRef, string][] = [[{ kind: swap.offeredKind, id: swap.offeredId, start: swap.offeredStart, end: swap.offeredEnd }, swap.requesterId]];
  if (swap.requestedKind && swap.requestedId) refs.push([{ kind: swap.requestedKind, id: swap.requestedId, start: swap.requestedStart!, end: swap.requestedEnd! }, swap.counterpartId!]);
  const ordered = [...refs].sort(([a], [b]) => `${a.kind}:${a.id}`.localeCompare(`${b.kind}:${b.id}`));
  const resolved = new Map<string, ResolvedAssignment>();
  for (const [ref, owner] of ordered) {
    const a = await resolve(tx, ref, ref === refs[0]![0] ? "offered" : "requested", true);
    if (a.personId !== owner) throw new DomainError("assignment_changed", `The ${a.kind.replace("_", " ")} no longer belongs to the person offering it`, { details: { kind: a.kind, id: a.id } });
    if (a.start <= ctx.now) throw new DomainError("assignment_started", "An assignment in this swap has already started");
    resolved.set(`${ref.kind}:${ref.id}`, a);
  }
  const offered = resolved.get(`${swap.offeredKind}:${swap.offeredId}`)!;
  const overrides: string[] = [];
  try {
    const requested = swap.requestedKind && swap.requestedId ? resolved.get(`${swap.requestedKind}:${swap.requestedId}`) : undefined;
    const o1 = await handOver(tx, ctx, offered, swap.counterpartId!, lead, `Swap ${swap.id}`, requested);
    if (o1) overrides.push(o1);
    if (requested) {
      const o2 = await handOver(tx, ctx, requested, swap.requesterId, lead, `Swap ${swap.id}`, offered);
      if (o2) overrides.push(o2);
    }
  } catch (error) {
    const violation = constraintViolationOf(error);
    if (violation === "overlap") throw new DomainError("assignment_overlaps", "After the swap someone would be in two places at once");
    if (violation === "duplicate") throw new DomainError("already_booked", "The person already holds a seat in that slot");
    throw error;
  }
  await markCalendarsChanged(
    tx,
    [
      { kind: "person", id: swap.requesterId },
      { kind: "person", id: swap.counterpartId },
      { kind: swap.offeredKind === "oncall" ? "schedule" : "team", id: swap.offeredKind === "oncall" ? swap.offeredId : swap.teamId },
    ],
    "swap_completed",
    ctx.now,
  );
  return overrides;
}

/** accept, decline, approve, complete or cancel a swap, as the state machine allows for this person. */
export async function actOnSwap(ctx: ServiceContext, swapId: string, action: Exclude<SwapAction, "expire">) {
  const result = await ctx.db.transaction(async (tx) => {
    const repo = createSwapRepository(tx);
    const swap = await repo.findByIdForUpdate(swapId);
    if (!swap) throw notFound("swap", swapId);
    if (isExpired(swap, swap.expiresAt, ctx.now)) {
      const expired = await repo.update(swapId, { status: "expired", updatedAt: ctx.now });
      await audit(tx, ctx, { entity: "swap", entityId: swapId, action: "expire", changes: { status: { from: swap.status, to: "expired" } } });
      return { expired };
    }
    // The state first (a wrong move is 409 for everyone), then who may make it.
    const next = transition(swap, action, ctx.actor.personId);
    authorize(ctx.actor, `swap.${action}`, { swap: factsOf(swap) });
    const lead = swapLead(ctx.actor, swap.teamId);
    if (action === "accept" && swap.kind === "open" && swap.counterpartId === null) {
      await checkEligibleTaker(tx, swap, next.counterpartId!);
    }
    // Completing a completed swap (a client that still completes after accepting) changes nothing.
    if (swap.status === next.status) return { swap, overrides: [] };
    const overrides = next.handsOver ? await complete(tx, ctx, { ...swap, counterpartId: next.counterpartId }, lead) : [];
    const after = await repo.update(swapId, {
      status: next.status,
      counterpartId: next.counterpartId,
      updatedAt: ctx.now,
      version: sql`${swaps.version} + 1`,
      ...(action === "accept" ? { acceptedAt: ctx.now } : {}),
      ...(action === "approve" ? { approvedBy: ctx.actor.personId, approvedAt: ctx.now } : {}),
      ...(next.handsOver ? { completedAt: ctx.now } : {}),
    });
    await audit(tx, ctx, { entity: "swap", entityId: swapId, action, changes: { status: { from: swap.status, to: next.status }, ...(overrides.length ? { overrides } : {}) } });
    return { swap: after, overrides };
  });
  if ("expired" in result) throw new DomainError("invalid_transition", "The swap has expired: an assignment in it started, or its deadline passed", { details: { currentStatus: "expired" } });
  return result;
}

/** Who may take an open swap: for a shift, an active member of its team; for duty, an eligible person; for on-call, any active person. */
async function checkEligibleTaker(tx: Db, swap: Swap, personId: string) {
  const person = await createPeopleRepository(tx).findById(personId);
  if (!person?.active) throw new DomainError("not_eligible", "Only active people may take a swap");
  if (swap.offeredKind === "shift" && swap.teamId && !(await createPeopleRepository(tx).teamIdsOf(personId)).includes(swap.teamId)) {
    throw new DomainError("not_eligible", "Only members of the shift's team may take it");
  }
}

/** A live swap past its deadline reads as expired even before anyone acts on it (acting records it). */
function effective(swap: Swap, now: Date): Swap {
  return isExpired(swap, swap.expiresAt, now) ? { ...swap, status: "expired" } : swap;
}

const LIVE = ["pending", "accepted", "approved"] as const;

function statusCondition(status: Swap["status"] | undefined, now: Date) {
  if (!status) return undefined;
  const at = sql`${now.toISOString()}::timestamptz`;
  if ((LIVE as readonly string[]).includes(status)) return and(eq(swaps.status, status), sql`${swaps.expiresAt} > ${at}`);
  if (status === "expired") return or(eq(swaps.status, "expired"), and(inArray(swaps.status, [...LIVE]), sql`${swaps.expiresAt} <= ${at}`));
  return eq(swaps.status, status);
}

export async function getSwap(ctx: ServiceContext, id: string): Promise<Swap> {
  const swap = await createSwapRepository(ctx.db).findById(id);
  if (!swap) throw notFound("swap", id);
  const visible = effective(swap, ctx.now);
  authorize(ctx.actor, "swap.read", { swap: factsOf(visible), actorTeamIds: await actorTeamIds(ctx.db, ctx.actor.personId) });
  return visible;
}

export async function listSwaps(ctx: ServiceContext, filter: { personId?: string | undefined; teamId?: string | undefined; status?: Swap["status"] | undefined }, page: PageRequest) {
  const scope = readableSwaps(ctx.actor);
  // By default my own swaps; a team's (as far as I may read them) when one is named.
  const personId = filter.personId ?? (scope.all || filter.teamId ? undefined : ctx.actor.personId);
  const rows = await createSwapRepository(ctx.db).list(
    and(
      personId ? or(eq(swaps.requesterId, personId), eq(swaps.counterpartId, personId)) : undefined,
      filter.teamId ? eq(swaps.teamId, filter.teamId) : undefined,
      scope.all ? undefined : readableBy(scope),
      statusCondition(filter.status, ctx.now),
      afterCursor(swaps.createdAt, swaps.id, page.cursor),
    ),
    page.limit + 1,
  );
  const result = toPage(rows, page.limit, (r) => [r.createdAt, r.id]);
  return { ...result, items: result.items.map((r) => effective(r, ctx.now)) };
}

/** The SQL form of the policy's readableSwaps: mine, those of teams I lead, and (leads) those of no team. */
function readableBy(scope: Exclude<ReturnType<typeof readableSwaps>, { all: true }>) {
  return or(
    eq(swaps.requesterId, scope.personId),
    eq(swaps.counterpartId, scope.personId),
    scope.ledTeamIds.length > 0 ? inArray(swaps.teamId, [...scope.ledTeamIds]) : undefined,
    scope.teamless ? isNull(swaps.teamId) : undefined,
  );
}

/** Open swaps the caller could take: not their own, not started, on their teams (shifts) or for anyone (duty, on-call). */
export async function openSwapsFor(ctx: ServiceContext, page: PageRequest) {
  const teams = await createPeopleRepository(ctx.db).teamIdsOf(ctx.actor.personId);
  const rows = await createSwapRepository(ctx.db).list(
    and(
      eq(swaps.kind, "open"),
      eq(swaps.status, "pending"),
      isNull(swaps.counterpartId),
      ne(swaps.requesterId, ctx.actor.personId),
      sql`${swaps.expiresAt} > ${ctx.now.toISOString()}::timestamptz`,
      or(ne(offeredLeg.kind, "shift"), teams.length > 0 ? inArray(swaps.teamId, teams) : sql`false`),
      afterCursor(swaps.createdAt, swaps.id, page.cursor),
    ),
    page.limit + 1,
  );
  return toPage(rows, page.limit, (r) => [r.createdAt, r.id]);
}

/** What a person has in [from, to), with what was swapped in and out. */
export async function personAssignments(ctx: ServiceContext, personId: string, from: Date, to: Date) {
  requireWindow("assignments", from, to);
  const person = await loadPersonFacts(ctx.db, personId);
  if (!person) throw notFound("person", personId);
  authorize(ctx.actor, "person.assignments.read", { person, actorTeamIds: await actorTeamIds(ctx.db, ctx.actor.personId) });
  const [assignments, history] = await Promise.all([loadAssignments(ctx.db, [personId], from, to), createSwapRepository(ctx.db).completedOf(personId, from, to)]);
  const swappedIn = (a: { kind: string; id: string; start: Date }) =>
    history.find(
      (s) =>
        (s.counterpartId === personId && s.offeredKind === a.kind && s.offeredId === a.id && (a.kind !== "oncall" || s.offeredStart.getTime() <= a.start.getTime())) ||
        (s.requesterId === personId && s.requestedKind === a.kind && s.requestedId === a.id),
    );
  return {
    personId,
    from,
    to,
    assignments: assignments.map((a) => {
      const s = swappedIn(a);
      return { ...a, swappedIn: s ? { swapId: s.id, fromPersonId: s.counterpartId === personId ? s.requesterId : s.counterpartId } : null };
    }),
    swappedOut: history
      .filter((s) => s.requesterId === personId || (s.counterpartId === personId && s.requestedId !== null))
      .map((s) =>
        s.requesterId === personId
          ? { swapId: s.id, kind: s.offeredKind, id: s.offeredId, start: s.offeredStart, end: s.offeredEnd, toPersonId: s.counterpartId }
          : { swapId: s.id, kind: s.requestedKind!, id: s.requestedId!, start: s.requestedStart!, end: s.requestedEnd!, toPersonId: s.requesterId },
      ),
  };
}
