import type { Db } from "../db/client.ts";
import { constraintViolationOf } from "../db/errors.ts";
import type { PageRequest } from "../db/pagination.ts";
import { commitmentsOfPeople, createDutyRepository } from "../db/repositories/duty.ts";
import { hoursFromRows, opensNothing, rowsFromHours } from "../db/weekly-hours-rows.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
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
import { loadSupportHours } from "./support-hours.ts";

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


/** The weekly hours slots may fall in: the program's own, or its team's support hours. */
export async function programHours(db: Db, program: DutyProgram): Promise<WeeklyHours | null> {
  if (program.hoursTeamId) {
    const team = await createTeamRepository(db).findById(program.hoursTeamId);
    return team ? loadSupportHours(db, team) : null;
  }
  const rows = await createDutyRepository(db).loadProgramHours(program.id);
  return opensNothing(rows) ? null : hoursFromRows(program.timeZone, rows);
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
  return { ...result, items: await Promise.all(result.items.map(async (p) => programView(p, await programHours(ctx.db, p)))) };
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
  const bookings = await repo.bookingsOfSlots(slots.map((s) => s.id));
  return {
    programId,
    month,
    timeZone: program.timeZone,
    items: slots.map((slot) => {
      const mine = bookings.filter((b) => b.booking.slotId === slot.id);
      return {
        ...slot,
        bookings: mine.map((b) => ({ id: b.booking.id, personId: b.booking.personId, name: b.name, createdAt: b.booking.createdAt })),
        freeSeats: slot.closed ? 0 : Math.max(0, slot.seats - mine.length),
      };
    }),
  };
}

/**
 * Everything a booking must satisfy, checked inside the caller's
 * transaction after the slot row is locked (so seats are counted by one
 * request at a time) and the person's quota lock is held.
 */
async function placeBooking(
  tx: Db,
  ctx: Pick<ServiceContext, "actor" | "now">,
  slot: DutySlot,
  program: DutyProgram,
  person: Person,
  options: { manager: boolean; autoAssigned?: boolean },
) {
  const repo = createDutyRepository(tx);
  if (slot.closed) throw new DomainError("slot_closed", "This slot is closed");
  if (slot.startAt <= ctx.now) throw new DomainError("slot_started", "This slot has already started");
  if (!person.active || !(await repo.isEligible(program, person.id))) {
    throw new DomainError("not_eligible", `${person.name} is not eligible for ${program.name}`, { field: "personId" });
  }
  if (program.trainingRequired && !person.trainedAt) {
    throw new DomainError("training_required", `${person.name} has to finish duty training before booking a slot`, { field: "personId" });
  }
  const rule = windowRule(program);
  if (rule && !options.manager) {
    const window = bookingWindow(rule, slot.month, program.timeZone);
    if (ctx.now < window.opensAt) throw new DomainError("booking_not_open", `Booking for ${slot.month} opens ${window.opensAt.toISOString()}`, { details: window });
    if (ctx.now >= window.closesAt) throw new DomainError("booking_closed", `Booking for ${slot.month} closed ${window.closesAt.toISOString()}; ask a lead`, { details: window });
  }
  await repo.lockPersonQuota(program.id, person.id, slot.month);
  const already = await repo.countPersonBookings(program.id, person.id, slot.month);
  if (already >= program.quotaPerMonth) {
    throw new DomainError("quota_exceeded", `${person.name} already has ${already} of ${program.quotaPerMonth} slot(s) in ${slot.month}; move that booking instead`, {
      details: { quotaPerMonth: program.quotaPerMonth },
    });
  }
  if ((await repo.countSlotBookings(slot.id)) >= slot.seats) throw new DomainError("slot_full", "Every seat of this slot is taken");
  await createShiftRepository(tx).lockPeople([person.id]);
  const clash = await createShiftRepository(tx).commitmentsOverlapping(person.id, slot.startAt, slot.endAt);
  if (clash.length > 0) {
    throw new DomainError("booking_overlaps", `${person.name} already has a ${clash[0]!.sourceKind.replace("_", " ")} at that time`, {
      details: { conflict: { kind: clash[0]!.sourceKind, id: clash[0]!.sourceId } },
    });
  }
  try {
    return await repo.insertBooking({
      slotId: slot.id,
      programId: program.id,
      month: slot.month,
      personId: person.id,
      startAt: slot.startAt,
      endAt: slot.endAt,
      bookedBy: ctx.actor.personId,
      autoAssigned: options.autoAssigned ?? false,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
  } catch (error) {
    const violation = constraintViolationOf(error);
    if (violation === "overlap") throw new DomainError("booking_overlaps", `${person.name} already has something at that time`);
    if (violation === "duplicate") throw new DomainError("already_booked", `${person.name} already booked this slot`);
    throw error;
  }
}

export async function book(ctx: ServiceContext, slotId: string, input: { personId?: string | undefined }) {
  const personId = input.personId ?? ctx.actor.personId;
  authorize(ctx.actor, "duty.book", { personId });
  // Those who run programs are exempt from the booking window and the cut-off.
  const manager = can(ctx.actor, "duty.manage", {});
  return ctx.db.transaction(async (tx) => {
    const repo = createDutyRepository(tx);
    const slot = await repo.lockSlot(slotId);
    if (!slot) throw notFound("duty slot", slotId);
    const program = (await repo.findProgram(slot.programId))!;
    const person = await createPeopleRepository(tx).findById(personId);
    if (!person) throw new DomainError("not_found", `No person with id ${personId}`, { field: "personId" });
    const booking = await placeBooking(tx, ctx, slot, program, person, { manager });
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

/** Eligible people who still owe slots this month (for a reminder bot). */
export async function unbooked(ctx: ServiceContext, programId: string, month: string) {
  const repo = createDutyRepository(ctx.db);
  const program = await repo.findProgram(programId);
  if (!program) throw notFound("duty program", programId);
  monthBounds(month, program.timeZone);
  const [eligible, bookings] = await Promise.all([repo.eligiblePeople(program), repo.bookingsOfMonth(programId, month)]);
  const counts = new Map<string, number>();
  for (const b of bookings) counts.set(b.personId, (counts.get(b.personId) ?? 0) + 1);
  return {
    programId,
    month,
    quotaPerMonth: program.quotaPerMonth,
    items: eligible
      .filter((p) => (counts.get(p.id) ?? 0) < program.quotaPerMonth)
      .map((person) => ({ person, booked: counts.get(person.id) ?? 0, trained: person.trainedAt !== null })),
  };
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

/**
 * Gives every eligible person who still owes a slot this month one slot:
 * inside their own working hours (their zone), clear of their shifts, other
 * slots and time off, spread over slots and days, deterministic; people the
 * ledger says got unpopular slots lately choose first. Dry run unless
 * `apply`, which books in one transaction and records the ledger.
 */
export async function autoAssignMonth(ctx: ServiceContext, programId: string, month: string, apply: boolean) {
  authorize(ctx.actor, "duty.manage", {});
  const run = async (tx: Db) => {
    const repo = createDutyRepository(tx);
    const program = apply ? await repo.findProgramForUpdate(programId) : await repo.findProgram(programId);
    if (!program) throw notFound("duty program", programId);
    const context = new TimeContext();
    const bounds = monthBounds(month, program.timeZone, context);
    const owed = (await unbooked({ ...ctx, db: tx }, programId, month)).items.map((i) => i.person);
    // Untrained people are never placed where training is required, but they are listed with the reason.
    const untrained = owed.filter((p) => program.trainingRequired && p.trainedAt === null);
    const owing = owed.filter((p) => !untrained.includes(p));
    const slots = (await repo.slotsOfMonth(programId, month)).filter((s) => !s.closed && s.startAt > ctx.now);
    const booked = await repo.bookingsOfSlots(slots.map((s) => s.id));
    const ids = owing.map((p) => p.id);
    const [commitments, away, ledger] = await Promise.all([
      commitmentsOfPeople(tx, ids, bounds.start, bounds.end),
      createTimeOffRepository(tx).approvedOverlapping(ids, bounds.start, bounds.end),
      repo.ledgerSince(programId, previousMonth(month, LEDGER_MONTHS), month),
    ]);
    const people: AutoAssignPerson[] = owing.map((p) => ({
      id: p.id,
      zone: p.timeZone,
      workingHours:
        p.workingDays && p.workingStart && p.workingEnd ? [{ days: p.workingDays as Weekday[], start: p.workingStart, end: p.workingEnd }] : DEFAULT_WORKING_HOURS,
      busy: commitments.filter((c) => c.personId === p.id),
      away: away.filter((a) => a.personId === p.id).map((a) => ({ start: a.startAt, end: a.endAt })),
      unpopularCount: ledger.get(p.id) ?? 0,
    }));
    const result = autoAssign(
      {
        slots: slots.map((s) => ({ id: s.id, start: s.startAt, end: s.endAt, freeSeats: Math.max(0, s.seats - booked.filter((b) => b.booking.slotId === s.id).length) })),
        people,
        // Spreading over the month counts assignments per calendar day of the program.
        zone: program.timeZone,
      },
      context,
    );
    const personById = new Map(owed.map((p) => [p.id, p]));
    const named = (personId: string) => {
      const p = personById.get(personId)!;
      return { id: p.id, name: p.name, timeZone: p.timeZone };
    };
    const unplacedAs = (personId: string, reason: string) => ({ personId, person: named(personId), reason, detail: UNPLACED_DETAIL[reason] ?? reason });
    const unplaced = [...untrained.map((p) => unplacedAs(p.id, "not_trained")), ...result.unplaced.map((u) => unplacedAs(u.personId, u.reason))];
    const assignments: { personId: string; person: ReturnType<typeof named>; slotId: string; unpopular: boolean; bookingId?: string }[] = [];
    if (!apply) return { apply, month, assignments: result.assignments.map((a) => ({ ...a, person: named(a.personId) })), unplaced };
    for (const a of result.assignments) {
      const slot = (await repo.lockSlot(a.slotId))!;
      try {
        const booking = await tx.transaction((savepoint) =>
          placeBooking(savepoint, ctx, slot, program, personById.get(a.personId)!, { manager: true, autoAssigned: true }),
        );
        assignments.push({ ...a, person: named(a.personId), bookingId: booking.id });
        if (a.unpopular) await repo.addToLedger(programId, a.personId, month, 1);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // A rule the plan could not foresee (the person booked meanwhile, a seat went): said in the booking's own words.
        const reason = error.code === "quota_exceeded" ? "quota_met" : error.code;
        unplaced.push({ ...unplacedAs(a.personId, reason), detail: error.message });
      }
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

