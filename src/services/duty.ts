import type { Db } from "../db/client.ts";
import { constraintViolationOf } from "../db/errors.ts";
import type { PageRequest } from "../db/pagination.ts";
import { commitmentsOfPeople, createDutyRepository, firstClashes } from "../db/repositories/duty.ts";
import { type HoursRows, hoursFromRows, opensNothing, rowsFromHours } from "../db/weekly-hours-rows.ts";
import { createShiftRepository } from "../db/repositories/shifts.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import { createTimeOffRepository } from "../db/repositories/time-off.ts";
import type { DutyProgram, DutySlot, Person } from "../db/schema/index.ts";
import { autoAssign, bookingWindow, generateSlots, monthBounds, type AutoAssignPerson } from "../domain/duty.ts";
import { DomainError } from "../domain/errors.ts";
import { TimeContext, instantToLocal } from "../domain/wallclock.ts";
import { compileWeeklyHours, type HoursException, type Weekday, type WeeklyHours, type WeeklyWindow } from "../domain/weekly.ts";
import { audit, diff } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { authorize, can, checkVersion, notFound } from "./policy.ts";
import { validTimeZone } from "./people.ts";
import { loadSupportHours, loadSupportHoursOfTeams } from "./support-hours.ts";

/** Months of auto-assign history the fairness ledger looks back over. */
export const LEDGER_MONTHS = 3;
const DEFAULT_WORKING_HOURS: WeeklyWindow[] = [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }];

export interface ProgramInput {
  name: string;
  timeZone: string;
  slotMinutes?: number | undefined;
  /** Own hours; ignored when hoursTeamId is set. */
  hours?: { windows?: WeeklyWindow[]; exceptions?: HoursException[] } | undefined;
  hoursTeamId?: string | null | undefined;
  seatsPerSlot?: number | undefined;
  quotaPerMonth?: number | undefined;
  eligibility?: "all" | "teams" | "people" | undefined;
  eligibleTeamIds?: string[] | undefined;
  eligiblePersonIds?: string[] | undefined;
  excludedPersonIds?: string[] | undefined;
  bookingWindow?: { opens: { monthsBefore: number; day: number }; closes: { monthsBefore: number; day: number } } | null | undefined;
  changeCutoffMinutes?: number | undefined;
  cancelGraceMinutes?: number | undefined;
  trainingRequired?: boolean | undefined;
  supportTeamId?: string | null | undefined;
}

export type ProgramPatch = Partial<ProgramInput>;


function ownHours(program: DutyProgram, rows: HoursRows): WeeklyHours | null {
  return opensNothing(rows) ? null : hoursFromRows(program.timeZone, rows);
}

/** The weekly hours slots may fall in: the program's own, or its team's support hours. */
export async function programHours(db: Db, program: DutyProgram): Promise<WeeklyHours | null> {
  if (program.hoursTeamId) {
    const team = await createTeamRepository(db).findById(program.hoursTeamId);
    return team ? loadSupportHours(db, team) : null;
  }
  return ownHours(program, await createDutyRepository(db).loadProgramHours(program.id));
}

/** programHours of many programs in at most five statements, however many there are (a list page). */
async function hoursOfPrograms(db: Db, programs: readonly DutyProgram[]): Promise<Map<string, WeeklyHours | null>> {
  const own = await createDutyRepository(db).loadHoursOfPrograms(programs.filter((p) => !p.hoursTeamId).map((p) => p.id));
  const teamIds = [...new Set(programs.flatMap((p) => (p.hoursTeamId ? [p.hoursTeamId] : [])))];
  const teams = teamIds.length > 0 ? await createTeamRepository(db).findByIdsOrNames(teamIds, []) : [];
  const teamHours = await loadSupportHoursOfTeams(db, teams);
  return new Map(programs.map((p) => [p.id, p.hoursTeamId ? (teamHours.get(p.hoursTeamId) ?? null) : ownHours(p, own.get(p.id)!)]));
}

export function windowRule(program: DutyProgram) {
  if (program.bookingOpensDay === null || program.bookingClosesDay === null) return null;
  return {
    opens: { monthsBefore: program.bookingOpensMonthsBefore ?? 1, day: program.bookingOpensDay },
    closes: { monthsBefore: program.bookingClosesMonthsBefore ?? 1, day: program.bookingClosesDay },
  };
}

export function programView(program: DutyProgram, hours: WeeklyHours | null) {
  return {
    ...program,
    hours: { windows: [...(hours?.windows ?? [])].map((w) => ({ ...w, days: [...w.days] })), exceptions: [...(hours?.exceptions ?? [])] },
    bookingWindow: windowRule(program),
  };
}

async function validatedValues(db: Db, input: ProgramPatch, current?: DutyProgram) {
  const values: Record<string, unknown> = {};
  const copy = ["name", "slotMinutes", "seatsPerSlot", "quotaPerMonth", "eligibility", "eligibleTeamIds", "eligiblePersonIds", "excludedPersonIds", "changeCutoffMinutes", "cancelGraceMinutes", "trainingRequired", "hoursTeamId", "supportTeamId"] as const;
  for (const key of copy) if (input[key] !== undefined) values[key] = input[key];
  if (input.timeZone !== undefined) values.timeZone = validTimeZone(input.timeZone);
  if (input.bookingWindow !== undefined) {
    const w = input.bookingWindow;
    values.bookingOpensMonthsBefore = w?.opens.monthsBefore ?? null;
    values.bookingOpensDay = w?.opens.day ?? null;
    values.bookingClosesMonthsBefore = w?.closes.monthsBefore ?? null;
    values.bookingClosesDay = w?.closes.day ?? null;
    // Validated on an arbitrary month: the rule is the same every month.
    if (w) bookingWindow(w, "2026-01", (values.timeZone as string) ?? current?.timeZone ?? "UTC");
  }
  for (const field of ["hoursTeamId", "supportTeamId"] as const) {
    const teamId = input[field];
    if (teamId && !(await createTeamRepository(db).findById(teamId))) {
      throw new DomainError("not_found", `No team with id ${teamId}`, { field });
    }
  }
  // The lists are join tables with foreign keys: an id that names nobody is refused here, naming the field.
  const repo = createDutyRepository(db);
  const [unknownTeam] = await repo.unknownTeamIds(input.eligibleTeamIds ?? []);
  if (unknownTeam) throw new DomainError("not_found", `No team with id ${unknownTeam}`, { field: "eligibleTeamIds" });
  for (const field of ["eligiblePersonIds", "excludedPersonIds"] as const) {
    const [unknownPerson] = await repo.unknownPersonIds(input[field] ?? []);
    if (unknownPerson) throw new DomainError("not_found", `No person with id ${unknownPerson}`, { field });
  }
  return values;
}

function ownHoursRows(hours: ProgramInput["hours"], zone: string) {
  const windows = hours?.windows ?? [];
  const exceptions = hours?.exceptions ?? [];
  if (windows.length > 0 || exceptions.length > 0) compileWeeklyHours({ zone, windows, exceptions }, "hours");
  return rowsFromHours(windows, exceptions);
}

export async function createProgram(ctx: ServiceContext, input: ProgramInput) {
  authorize(ctx.actor, "duty.manage", {});
  return ctx.db.transaction(async (tx) => {
    const values = await validatedValues(tx, input);
    const repo = createDutyRepository(tx);
    const program = await repo.insertProgram({ ...(values as { name: string; timeZone: string }), createdAt: ctx.now, updatedAt: ctx.now });
    if (!program.hoursTeamId) await repo.replaceProgramHours(program.id, ownHoursRows(input.hours, program.timeZone));
    const hours = await programHours(tx, program);
    if (!hours) throw new DomainError("hours_required", "Give the program hours (windows) or hoursTeamId with support hours", { field: "hours.windows" });
    await audit(tx, ctx, { entity: "duty_program", entityId: program.id, action: "create", changes: { after: program } });
    return programView(program, hours);
  });
}

export async function getProgram(ctx: ServiceContext, id: string) {
  const program = await createDutyRepository(ctx.db).findProgram(id);
  if (!program) throw notFound("duty program", id);
  return programView(program, await programHours(ctx.db, program));
}

export async function listPrograms(ctx: ServiceContext, page: PageRequest) {
  const result = await createDutyRepository(ctx.db).listPrograms(page);
  const hours = await hoursOfPrograms(ctx.db, result.items);
  return { ...result, items: result.items.map((p) => programView(p, hours.get(p.id)!)) };
}

export async function updateProgram(ctx: ServiceContext, id: string, patch: ProgramPatch, ifMatch?: readonly number[]) {
  authorize(ctx.actor, "duty.manage", {});
  return ctx.db.transaction(async (tx) => {
    const repo = createDutyRepository(tx);
    const before = await repo.findProgramForUpdate(id);
    if (!before) throw notFound("duty program", id);
    checkVersion("duty program", before.version, ifMatch);
    const values = await validatedValues(tx, patch, before);
    const after = (await repo.updateProgram(id, before.version, values, ctx.now))!;
    if (patch.hours !== undefined) await repo.replaceProgramHours(id, ownHoursRows(patch.hours, after.timeZone));
    const changes = diff(before, after);
    await audit(tx, ctx, { entity: "duty_program", entityId: id, action: "update", changes: patch.hours !== undefined ? { ...changes, hours: patch.hours } : changes });
    return programView(after, await programHours(tx, after));
  });
}

/** Makes the month's slots from the template; running it again adds only what is missing. */
export async function generateMonthSlots(ctx: ServiceContext, programId: string, month: string) {
  authorize(ctx.actor, "duty.manage", {});
  return ctx.db.transaction(async (tx) => {
    const repo = createDutyRepository(tx);
    const program = await repo.findProgramForUpdate(programId);
    if (!program) throw notFound("duty program", programId);
    const hours = await programHours(tx, program);
    if (!hours) throw new DomainError("hours_required", "The program has no hours to put slots in", { field: "hours" });
    const slots = generateSlots({ hours, slotMinutes: program.slotMinutes }, month, new TimeContext());
    const created = await repo.insertSlotsIfAbsent(
      slots.map((s) => ({ programId, month, startAt: s.start, endAt: s.end, seats: program.seatsPerSlot, createdAt: ctx.now, updatedAt: ctx.now })),
    );
    if (created > 0) await audit(tx, ctx, { entity: "duty_program", entityId: programId, action: "generate_slots", changes: { month, created } });
    return { month, created, total: (await repo.slotsOfMonth(programId, month)).length };
  });
}

/** Items grouped by a key, each group in the items' order: one Map lookup per key instead of a filter over all items. */
function groupedBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function monthOf(at: Date, zone: string): string {
  return instantToLocal(at, zone).date.slice(0, 7);
}

export async function addSlot(ctx: ServiceContext, programId: string, input: { start: string; end: string; seats?: number | undefined }) {
  authorize(ctx.actor, "duty.manage", {});
  const start = new Date(input.start);
  const end = new Date(input.end);
  if (!(end > start)) throw new DomainError("invalid_interval", "end must be after start", { field: "end" });
  return ctx.db.transaction(async (tx) => {
    const repo = createDutyRepository(tx);
    const program = await repo.findProgram(programId);
    if (!program) throw notFound("duty program", programId);
    const month = monthOf(start, program.timeZone);
    const created = await repo.insertSlotsIfAbsent([{ programId, month, startAt: start, endAt: end, seats: input.seats ?? program.seatsPerSlot, createdAt: ctx.now, updatedAt: ctx.now }]);
    if (created === 0) throw new DomainError("conflict", "The program already has a slot starting then", { field: "start" });
    const slot = (await repo.slotsOfMonth(programId, month)).find((s) => s.startAt.getTime() === start.getTime())!;
    await audit(tx, ctx, { entity: "duty_slot", entityId: slot.id, action: "create", changes: { after: slot } });
    return slot;
  });
}

/** Close or reopen a slot, or change its seats (never below the bookings it holds). */
export async function updateSlot(
  ctx: ServiceContext,
  slotId: string,
  patch: { closed?: boolean | undefined; seats?: number | undefined },
  ifMatch?: readonly number[],
) {
  authorize(ctx.actor, "duty.manage", {});
  return ctx.db.transaction(async (tx) => {
    const repo = createDutyRepository(tx);
    const before = await repo.lockSlot(slotId);
    if (!before) throw notFound("duty slot", slotId);
    checkVersion("duty slot", before.version, ifMatch);
    if (patch.seats !== undefined) {
      const booked = await repo.countSlotBookings(slotId);
      if (patch.seats < booked) {
        throw new DomainError("seats_below_bookings", `The slot has ${booked} bookings; cancel or move some before reducing seats to ${patch.seats}`, { field: "seats" });
      }
    }
    const after = (await repo.updateSlot(slotId, before.version, patch, ctx.now))!;
    await audit(tx, ctx, { entity: "duty_slot", entityId: slotId, action: "update", changes: diff(before, after) });
    return after;
  });
}

/** The company-wide calendar for a month: every slot, who booked it, free seats. */
export async function listSlots(ctx: ServiceContext, programId: string, month: string) {
  const repo = createDutyRepository(ctx.db);
  const program = await repo.findProgram(programId);
  if (!program) throw notFound("duty program", programId);
  monthBounds(month, program.timeZone);
  const slots = await repo.slotsOfMonth(programId, month);
  const bookings = groupedBy(await repo.bookingsOfSlots(slots.map((s) => s.id)), (b) => b.booking.slotId);
  return {
    programId,
    month,
    timeZone: program.timeZone,
    items: slots.map((slot) => {
      const mine = bookings.get(slot.id) ?? [];
      return {
        ...slot,
        bookings: mine.map((b) => ({ id: b.booking.id, personId: b.booking.personId, name: b.name, createdAt: b.booking.createdAt })),
        freeSeats: slot.closed ? 0 : Math.max(0, slot.seats - mine.length),
      };
    }),
  };
}

/** A booking's refusals, in the same words whether one person books or auto-assign books many. */
const refusal = {
  closed: () => new DomainError("slot_closed", "This slot is closed"),
  started: () => new DomainError("slot_started", "This slot has already started"),
  notEligible: (person: Person, program: DutyProgram) => new DomainError("not_eligible", `${person.name} is not eligible for ${program.name}`, { field: "personId" }),
  untrained: (person: Person) => new DomainError("training_required", `${person.name} has to finish duty training before booking a slot`, { field: "personId" }),
  quota: (person: Person, program: DutyProgram, already: number, month: string) =>
    new DomainError("quota_exceeded", `${person.name} already has ${already} of ${program.quotaPerMonth} slot(s) in ${month}; move that booking instead`, {
      details: { quotaPerMonth: program.quotaPerMonth },
    }),
  full: () => new DomainError("slot_full", "Every seat of this slot is taken"),
  clash: (person: Person, clash: { sourceKind: string; sourceId: string }) =>
    new DomainError("booking_overlaps", `${person.name} already has a ${clash.sourceKind.replace("_", " ")} at that time`, {
      details: { conflict: { kind: clash.sourceKind, id: clash.sourceId } },
    }),
  /** The constraint a write ran into, when a check could not see it coming. */
  violation: (person: Person, error: unknown) => {
    const violation = constraintViolationOf(error);
    if (violation === "overlap") return new DomainError("booking_overlaps", `${person.name} already has something at that time`);
    if (violation === "duplicate") return new DomainError("already_booked", `${person.name} already booked this slot`);
    return undefined;
  },
};

/**
 * Everything a booking must satisfy, checked inside the caller's
 * transaction after the slot row is locked (so seats are counted by one
 * request at a time) and the person's quota and commitments locks are held,
 * against the facts read under those locks (DutyRepository.bookingFacts).
 */
async function placeBooking(
  tx: Db,
  ctx: Pick<ServiceContext, "actor" | "now">,
  slot: DutySlot,
  program: DutyProgram,
  facts: NonNullable<Awaited<ReturnType<ReturnType<typeof createDutyRepository>["bookingFacts"]>>>,
  options: { manager: boolean },
) {
  const { person } = facts;
  if (slot.closed) throw refusal.closed();
  if (slot.startAt <= ctx.now) throw refusal.started();
  if (!person.active || !facts.eligible) throw refusal.notEligible(person, program);
  if (program.trainingRequired && !person.trainedAt) throw refusal.untrained(person);
  const rule = windowRule(program);
  if (rule && !options.manager) {
    const window = bookingWindow(rule, slot.month, program.timeZone);
    if (ctx.now < window.opensAt) throw new DomainError("booking_not_open", `Booking for ${slot.month} opens ${window.opensAt.toISOString()}`, { details: window });
    if (ctx.now >= window.closesAt) throw new DomainError("booking_closed", `Booking for ${slot.month} closed ${window.closesAt.toISOString()}; ask a lead`, { details: window });
  }
  if (facts.held >= program.quotaPerMonth) throw refusal.quota(person, program, facts.held, slot.month);
  if (facts.taken >= slot.seats) throw refusal.full();
  if (facts.clash) throw refusal.clash(person, facts.clash);
  try {
    return await createDutyRepository(tx).insertBooking(newBooking(ctx, slot, person.id, false));
  } catch (error) {
    throw refusal.violation(person, error) ?? error;
  }
}

function newBooking(ctx: Pick<ServiceContext, "actor" | "now">, slot: DutySlot, personId: string, autoAssigned: boolean) {
  return {
    slotId: slot.id,
    programId: slot.programId,
    month: slot.month,
    personId,
    startAt: slot.startAt,
    endAt: slot.endAt,
    bookedBy: ctx.actor.personId,
    autoAssigned,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
}

export async function book(ctx: ServiceContext, slotId: string, input: { personId?: string | undefined }) {
  const personId = input.personId ?? ctx.actor.personId;
  authorize(ctx.actor, "duty.book", { personId });
  // Those who run programs are exempt from the booking window and the cut-off.
  const manager = can(ctx.actor, "duty.manage", {});
  // Seven statements in all (the slot's lock is held from the first to the commit, so each one
  // counts in a rush on one slot): the slot with its program, the booker's locks, the facts,
  // the booking, its audit entry, around BEGIN and COMMIT.
  return ctx.db.transaction(async (tx) => {
    const repo = createDutyRepository(tx);
    const locked = await repo.lockSlotWithProgram(slotId);
    if (!locked) throw notFound("duty slot", slotId);
    const { slot, program } = locked;
    await repo.lockBooker(program.id, personId, slot.month);
    const facts = await repo.bookingFacts(program, slot, personId);
    if (!facts) throw new DomainError("not_found", `No person with id ${personId}`, { field: "personId" });
    const booking = await placeBooking(tx, ctx, slot, program, facts, { manager });
    await audit(tx, ctx, { entity: "duty_booking", entityId: booking.id, action: "create", changes: { after: booking } });
    return booking;
  });
}

/** Whether a booking is still inside its grace period: just made (by mistake, say), and its slot not started. */
function inGrace(booking: { createdAt: Date }, slot: DutySlot, program: DutyProgram, now: Date): boolean {
  return now.getTime() - booking.createdAt.getTime() <= program.cancelGraceMinutes * 60_000 && slot.startAt > now;
}

function requireBookingRights(ctx: ServiceContext, booking: { personId: string; createdAt: Date }, slot: DutySlot, program: DutyProgram) {
  authorize(ctx.actor, "duty.booking.change", { personId: booking.personId });
  const manager = can(ctx.actor, "duty.manage", {});
  if (!manager && !inGrace(booking, slot, program, ctx.now) && slot.startAt.getTime() - program.changeCutoffMinutes * 60_000 <= ctx.now.getTime()) {
    throw new DomainError("cutoff_passed", `Changes close ${program.changeCutoffMinutes} minutes before the slot; ask a lead`, {
      details: { cutoff: new Date(slot.startAt.getTime() - program.changeCutoffMinutes * 60_000) },
    });
  }
}

export async function cancelBooking(ctx: ServiceContext, bookingId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const repo = createDutyRepository(tx);
    const booking = await repo.findBookingForUpdate(bookingId);
    if (!booking) throw notFound("duty booking", bookingId);
    const slot = (await repo.findSlot(booking.slotId))!;
    const program = (await repo.findProgram(booking.programId))!;
    requireBookingRights(ctx, booking, slot, program);
    await repo.deleteBooking(bookingId);
    await audit(tx, ctx, { entity: "duty_booking", entityId: bookingId, action: "delete", changes: { before: booking } });
  });
}

/** Moves a booking to another slot in one transaction: never zero bookings, never two. */
export async function moveBooking(ctx: ServiceContext, bookingId: string, targetSlotId: string) {
  return ctx.db.transaction(async (tx) => {
    const repo = createDutyRepository(tx);
    const booking = await repo.findBookingForUpdate(bookingId);
    if (!booking) throw notFound("duty booking", bookingId);
    if (booking.slotId === targetSlotId) throw new DomainError("same_slot", "The booking is already in that slot", { field: "slotId" });
    // Lock both slots in id order so two opposite moves cannot deadlock.
    const [first, second] = [booking.slotId, targetSlotId].sort();
    const locked = new Map<string, DutySlot | undefined>([[first!, await repo.lockSlot(first!)], [second!, await repo.lockSlot(second!)]]);
    const source = locked.get(booking.slotId)!;
    const target = locked.get(targetSlotId);
    if (!target) throw new DomainError("not_found", `No duty slot with id ${targetSlotId}`, { field: "slotId" });
    const program = (await repo.findProgram(booking.programId))!;
    if (target.programId !== program.id) throw new DomainError("slot_of_other_program", "The target slot belongs to another program", { field: "slotId" });
    requireBookingRights(ctx, booking, source, program);
    const manager = can(ctx.actor, "duty.manage", {});
    if (!manager && target.startAt.getTime() - program.changeCutoffMinutes * 60_000 <= ctx.now.getTime()) {
      throw new DomainError("cutoff_passed", "The target slot is inside the change cut-off; ask a lead", { field: "slotId" });
    }
    if (target.closed) throw new DomainError("slot_closed", "The target slot is closed", { field: "slotId" });
    if (target.startAt <= ctx.now) throw new DomainError("slot_started", "The target slot has already started", { field: "slotId" });
    if ((await repo.countSlotBookings(target.id)) >= target.seats) throw new DomainError("slot_full", "Every seat of the target slot is taken", { field: "slotId" });
    if (target.month !== booking.month) {
      await repo.lockPersonQuota(program.id, booking.personId, target.month);
      if ((await repo.countPersonBookings(program.id, booking.personId, target.month)) >= program.quotaPerMonth) {
        throw new DomainError("quota_exceeded", `The person already has their slot(s) in ${target.month}`, { field: "slotId" });
      }
    }
    await createShiftRepository(tx).lockPeople([booking.personId]);
    try {
      const moved = await repo.moveBooking(bookingId, target, ctx.now);
      await audit(tx, ctx, { entity: "duty_booking", entityId: bookingId, action: "move", changes: { slotId: { from: source.id, to: target.id } } });
      return moved;
    } catch (error) {
      const violation = constraintViolationOf(error);
      if (violation === "overlap") throw new DomainError("booking_overlaps", "The person already has something at that time", { field: "slotId" });
      if (violation === "duplicate") throw new DomainError("already_booked", "The person already holds a seat in that slot", { field: "slotId" });
      throw error;
    }
  });
}

/** Who is on duty at an instant, and which of them has a skill (route a legal question to the counsel on duty). */
export async function onDuty(ctx: ServiceContext, programId: string, at: Date, skill?: string) {
  const repo = createDutyRepository(ctx.db);
  if (!(await repo.findProgram(programId))) throw notFound("duty program", programId);
  const rows = await repo.onDutyAt(programId, at);
  const wanted = skill?.toLowerCase();
  const onDutyPeople = rows.map(({ booking, person }) => ({
    person,
    slot: { id: booking.slotId, start: booking.startAt, end: booking.endAt },
    hasSkill: wanted ? person.skills.includes(wanted) : null,
  }));
  return { programId, at, skill: wanted ?? null, onDuty: onDutyPeople, withSkill: wanted ? onDutyPeople.filter((p) => p.hasSkill) : onDutyPeople };
}

/** The program's eligible people with how many slots each holds in the month: who owes slots, in name order. */
async function owedPeople(db: Db, program: DutyProgram, month: string) {
  const repo = createDutyRepository(db);
  const eligible = await repo.eligiblePeople(program);
  const held = await repo.bookingsPerPerson(program.id, month);
  return eligible.map((person) => ({ person, booked: held.get(person.id) ?? 0 })).filter((p) => p.booked < program.quotaPerMonth);
}

/** Eligible people who still owe slots this month (for a reminder bot). */
export async function unbooked(ctx: ServiceContext, programId: string, month: string) {
  const program = await createDutyRepository(ctx.db).findProgram(programId);
  if (!program) throw notFound("duty program", programId);
  monthBounds(month, program.timeZone);
  const owed = await owedPeople(ctx.db, program, month);
  return { programId, month, quotaPerMonth: program.quotaPerMonth, items: owed.map(({ person, booked }) => ({ person, booked, trained: person.trainedAt !== null })) };
}

function previousMonth(month: string, back: number): string {
  const [y, m] = month.split("-").map(Number);
  const index = y! * 12 + (m! - 1) - back;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/** What each reason an owed person got no slot means, in words for the lead. */
const UNPLACED_DETAIL: Record<string, string> = {
  not_trained: "The program requires training and the person has no training date (trainedAt)",
  no_open_slot: "No open slot is left in the month (all past, closed or none generated)",
  no_slot_in_working_hours: "No slot of the month falls inside the person's working hours, in their own time zone",
  on_time_off: "Every slot inside the person's working hours falls in their approved time off",
  busy: "Every slot inside the person's working hours clashes with their shifts, other duty slots or time off",
  no_free_seat: "Every slot the person could take is full",
  quota_met: "The person has booked their quota for the month meanwhile",
};

type Planned = { personId: string; slotId: string; unpopular: boolean };
type PersonNamed = { id: string; name: string; timeZone: string };

/** What auto-assign answers: the assignments (with their bookings when applied) and everyone owed a slot but not given one, with why. */
export interface AutoAssignOutcome {
  apply: boolean;
  month: string;
  assignments: (Planned & { person: PersonNamed; bookingId?: string })[];
  unplaced: { personId: string; person: PersonNamed; reason: string; detail: string }[];
}

/**
 * The plan for a month: who owes a slot, and the planner's answer over the
 * open future slots with their free seats, each person's commitments, time
 * off and ledger. A constant number of statements, run one after another
 * (they may share a transaction's connection).
 */
async function planMonth(db: Db, program: DutyProgram, month: string, now: Date) {
  const repo = createDutyRepository(db);
  const context = new TimeContext();
  const bounds = monthBounds(month, program.timeZone, context);
  const owed = (await owedPeople(db, program, month)).map((o) => o.person);
  // Untrained people are never placed where training is required, but they are listed with the reason.
  const untrained = owed.filter((p) => program.trainingRequired && p.trainedAt === null);
  const owing = owed.filter((p) => !(program.trainingRequired && p.trainedAt === null));
  const slots = (await repo.slotsOfMonth(program.id, month)).filter((s) => !s.closed && s.startAt > now);
  const taken = await repo.bookingsPerSlot(slots.map((s) => s.id));
  const ids = owing.map((p) => p.id);
  const commitments = groupedBy(await commitmentsOfPeople(db, ids, bounds.start, bounds.end), (c) => c.personId);
  const away = groupedBy(await createTimeOffRepository(db).approvedOverlapping(ids, bounds.start, bounds.end), (a) => a.personId);
  const ledger = await repo.ledgerSince(program.id, previousMonth(month, LEDGER_MONTHS), month);
  const people: AutoAssignPerson[] = owing.map((p) => ({
    id: p.id,
    zone: p.timeZone,
    workingHours:
      p.workingDays && p.workingStart && p.workingEnd ? [{ days: p.workingDays as Weekday[], start: p.workingStart, end: p.workingEnd }] : DEFAULT_WORKING_HOURS,
    busy: commitments.get(p.id) ?? [],
    away: (away.get(p.id) ?? []).map((a) => ({ start: a.startAt, end: a.endAt })),
    unpopularCount: ledger.get(p.id) ?? 0,
  }));
  const result = autoAssign(
    {
      slots: slots.map((s) => ({ id: s.id, start: s.startAt, end: s.endAt, freeSeats: Math.max(0, s.seats - (taken.get(s.id) ?? 0)) })),
      people,
      // Spreading over the month counts assignments per calendar day of the program.
      zone: program.timeZone,
    },
    context,
  );
  return { owed, untrained, result };
}

/**
 * Books a plan in the caller's transaction, set-based: the slots, quotas and
 * people's time are each locked once (in the order single bookings take
 * them), the booking rules are checked for all planned bookings together,
 * and the bookings go in a few INSERTs. A booking the checks refuse (a race
 * since planning: the person booked, a seat went, a shift came) is returned
 * with its refusal instead; the database constraints still guard the rest.
 */
export async function bookPlan(tx: Db, ctx: ServiceContext, program: DutyProgram, month: string, planned: readonly Planned[], people: ReadonlyMap<string, Person>) {
  if (planned.length === 0) return { booked: [], refused: [] };
  const repo = createDutyRepository(tx);
  const personIds = planned.map((a) => a.personId);
  const slots = new Map((await repo.lockSlots([...new Set(planned.map((a) => a.slotId))])).map((s) => [s.id, s]));
  await repo.lockPeopleQuotas(program.id, personIds, month);
  await createShiftRepository(tx).lockPeople(personIds);
  const eligible = new Map((await repo.eligibleAmong(program, personIds)).map((p) => [p.id, p]));
  const held = await repo.bookingsPerPerson(program.id, month, personIds);
  const taken = await repo.bookingsPerSlot([...slots.keys()]);
  const clashes = await firstClashes(
    tx,
    planned.flatMap((a) => {
      const slot = slots.get(a.slotId);
      return slot ? [{ personId: a.personId, start: slot.startAt, end: slot.endAt }] : [];
    }),
  );
  // placeBooking's rules in its order (the booking window does not apply: leads run auto-assign).
  const refusalOf = (a: Planned, slot: DutySlot): DomainError | undefined => {
    const person = people.get(a.personId)!;
    const current = eligible.get(a.personId);
    const already = held.get(a.personId) ?? 0;
    const clash = clashes.get(a.personId);
    if (slot.closed) return refusal.closed();
    if (slot.startAt <= ctx.now) return refusal.started();
    if (!current) return refusal.notEligible(person, program);
    if (program.trainingRequired && !current.trainedAt) return refusal.untrained(person);
    if (already >= program.quotaPerMonth) return refusal.quota(person, program, already, month);
    if ((taken.get(slot.id) ?? 0) >= slot.seats) return refusal.full();
    if (clash) return refusal.clash(person, clash);
    return undefined;
  };

  // In the planner's order, so when seats ran out meanwhile the earlier choosers keep theirs.
  const refused: { index: number; personId: string; error: DomainError }[] = [];
  const accepted: { index: number; planned: Planned; slot: DutySlot }[] = [];
  planned.forEach((a, index) => {
    const slot = slots.get(a.slotId);
    const error = slot ? refusalOf(a, slot) : notFound("duty slot", a.slotId);
    if (error) refused.push({ index, personId: a.personId, error });
    else if (slot) {
      taken.set(slot.id, (taken.get(slot.id) ?? 0) + 1);
      accepted.push({ index, planned: a, slot });
    }
  });

  let booked: { planned: Planned; bookingId: string }[];
  try {
    // A savepoint, so a constraint the checks could not foresee costs only a retry one by one.
    const rows = await tx.transaction((savepoint) => createDutyRepository(savepoint).insertBookings(accepted.map((a) => newBooking(ctx, a.slot, a.planned.personId, true))));
    // A person holds one seat of a slot (a unique index), so slot and person name the booking.
    const bookingOf = new Map(rows.map((r) => [`${r.slotId} ${r.personId}`, r.id]));
    booked = accepted.map((a) => ({ planned: a.planned, bookingId: bookingOf.get(`${a.slot.id} ${a.planned.personId}`)! }));
  } catch (error) {
    if (!constraintViolationOf(error)) throw error;
    booked = [];
    for (const a of accepted) {
      try {
        const row = await tx.transaction((savepoint) => createDutyRepository(savepoint).insertBooking(newBooking(ctx, a.slot, a.planned.personId, true)));
        booked.push({ planned: a.planned, bookingId: row.id });
      } catch (rowError) {
        const known = refusal.violation(people.get(a.planned.personId)!, rowError);
        if (!known) throw rowError;
        refused.push({ index: a.index, personId: a.planned.personId, error: known });
      }
    }
  }
  await repo.addUnpopularToLedger(program.id, booked.filter((b) => b.planned.unpopular).map((b) => b.planned.personId), month);
  return { booked, refused: refused.sort((x, y) => x.index - y.index) };
}

/**
 * Gives every eligible person who still owes a slot this month one slot:
 * inside their own working hours (their zone), clear of their shifts, other
 * slots and time off, spread over slots and days, deterministic; people the
 * ledger says got unpopular slots lately choose first. Dry run unless
 * `apply`, which books in one transaction (bookPlan) and records the ledger.
 * A constant number of statements whatever the number of people.
 */
export async function autoAssignMonth(ctx: ServiceContext, programId: string, month: string, apply: boolean): Promise<AutoAssignOutcome> {
  authorize(ctx.actor, "duty.manage", {});
  const run = async (tx: Db): Promise<AutoAssignOutcome> => {
    const repo = createDutyRepository(tx);
    // Applying locks the program: two runs for one program never interleave.
    const program = apply ? await repo.findProgramForUpdate(programId) : await repo.findProgram(programId);
    if (!program) throw notFound("duty program", programId);
    const { owed, untrained, result } = await planMonth(tx, program, month, ctx.now);
    const personById = new Map(owed.map((p) => [p.id, p]));
    const named = (personId: string): PersonNamed => {
      const p = personById.get(personId)!;
      return { id: p.id, name: p.name, timeZone: p.timeZone };
    };
    const unplacedAs = (personId: string, reason: string) => ({ personId, person: named(personId), reason, detail: UNPLACED_DETAIL[reason] ?? reason });
    const unplaced = [...untrained.map((p) => unplacedAs(p.id, "not_trained")), ...result.unplaced.map((u) => unplacedAs(u.personId, u.reason))];
    if (!apply) return { apply, month, assignments: result.assignments.map((a) => ({ ...a, person: named(a.personId) })), unplaced };

    const { booked, refused } = await bookPlan(tx, ctx, program, month, result.assignments, personById);
    const assignments = booked.map(({ planned, bookingId }) => ({ ...planned, person: named(planned.personId), bookingId }));
    for (const { personId, error } of refused) {
      // Said in the booking's own words; the quota as the reason the lead knows.
      unplaced.push({ ...unplacedAs(personId, error.code === "quota_exceeded" ? "quota_met" : error.code), detail: error.message });
    }
    await audit(tx, ctx, {
      entity: "duty_program",
      entityId: programId,
      action: "auto_assign",
      changes: { month, assigned: assignments.length, unplaced: unplaced.length },
    });
    return { apply, month, assignments, unplaced };
  };
  return apply ? ctx.db.transaction((tx) => run(tx)) : run(ctx.db);
}
