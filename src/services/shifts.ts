import type { Db } from "../db/client.ts";
import { constraintViolationOf } from "../db/errors.ts";
import type { PageRequest } from "../db/pagination.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import { createShiftRepository, type ShiftFilter } from "../db/repositories/shifts.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import { createTimeOffRepository } from "../db/repositories/time-off.ts";
import type { Shift, Team } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { subtractIntervals } from "../domain/interval.ts";
import { TimeContext, instantToLocal } from "../domain/wallclock.ts";
import { expandWeeklyHours, type WeeklyHours } from "../domain/weekly.ts";
import { audit, diff } from "./audit.ts";
import type { Actor, ServiceContext } from "./context.ts";
import { authorize, can, checkVersion, notFound } from "./policy.ts";
import { loadSupportHours } from "./support-hours.ts";

export interface ShiftInput {
  teamId: string;
  personId?: string | undefined;
  start: string | Date;
  end: string | Date;
  label?: string | null | undefined;
  note?: string | null | undefined;
  outsideSupportHours?: boolean | undefined;
}

export type ShiftPatch = Partial<Omit<ShiftInput, "teamId">>;

/** What a shift must satisfy, checked the same way for one-off shifts and pattern occurrences. */
export interface ShiftCandidate {
  team: Team;
  personId: string;
  start: Date;
  end: Date;
  outsideSupportHours: boolean;
  /** The shift being edited, so it does not conflict with itself. */
  shiftId?: string | undefined;
}

function minutesOfDay(at: Date, zone: string, context: TimeContext): number {
  const [h, m] = instantToLocal(at, zone, context).time.split(":").map(Number);
  return h! * 60 + m!;
}

/**
 * Rules that need no lock: the person is an active member, the shift is
 * long enough, on the team's grid, and inside support hours unless flagged.
 * Throws the first failure as a DomainError naming the field.
 */
export async function checkShiftShape(
  db: Db,
  candidate: ShiftCandidate,
  supportHours: WeeklyHours | null,
  context: TimeContext,
): Promise<void> {
  const { team, start, end } = candidate;
  if (!(end > start)) throw new DomainError("invalid_interval", "end must be after start", { field: "end" });
  const person = await createPeopleRepository(db).findById(candidate.personId);
  const memberOf = person ? await createPeopleRepository(db).teamIdsOf(person.id) : [];
  if (!person || !person.active || !memberOf.includes(team.id)) {
    throw new DomainError("person_not_member", "The person is not an active member of this team", { field: "personId" });
  }
  const minutes = (end.getTime() - start.getTime()) / 60_000;
  if (minutes < team.minShiftMinutes) {
    throw new DomainError("shift_too_short", `Shifts on this team last at least ${team.minShiftMinutes} minutes; this one lasts ${minutes}`, {
      field: "end",
      details: { minShiftMinutes: team.minShiftMinutes },
    });
  }
  const grid = team.shiftGranularityMinutes;
  for (const [field, at] of [["start", start], ["end", end]] as const) {
    if (at.getTime() % 60_000 !== 0 || minutesOfDay(at, team.timeZone, context) % grid !== 0) {
      const local = instantToLocal(at, team.timeZone, context);
      throw new DomainError("shift_misaligned", `${field} (${local.time} ${team.timeZone}) must fall on the team's ${grid}-minute grid`, {
        field,
        details: { shiftGranularityMinutes: grid },
      });
    }
  }
  if (supportHours && !candidate.outsideSupportHours) {
    const open = expandWeeklyHours(supportHours, { from: start, to: end }, context);
    const outside = subtractIntervals([{ start, end }], open);
    if (outside.length > 0) {
      throw new DomainError("outside_support_hours", "The shift falls partly outside the team's support hours; a lead may set outsideSupportHours", {
        field: "start",
        details: { outside },
      });
    }
  }
}

/** Time off and overlapping commitments, checked at write time (the exclusion constraint settles races). */
export async function checkShiftAvailability(db: Db, candidate: ShiftCandidate): Promise<void> {
  await createShiftRepository(db).lockPeople([candidate.personId]);
  const away = await createTimeOffRepository(db).approvedOverlapping([candidate.personId], candidate.start, candidate.end);
  if (away.length > 0) {
    throw new DomainError("person_on_time_off", "The person has approved time off during this shift", {
      field: "personId",
      details: { timeOff: away.map((t) => ({ id: t.id, start: t.startAt, end: t.endAt })) },
    });
  }
  const clash = await createShiftRepository(db).commitmentsOverlapping(candidate.personId, candidate.start, candidate.end, candidate.shiftId);
  if (clash.length > 0) throw overlapError(clash[0]!);
}

function overlapError(clash: { sourceKind: string; sourceId: string }): DomainError {
  return new DomainError("shift_overlaps", `The person already has a ${clash.sourceKind.replace("_", " ")} at that time (${clash.sourceId})`, {
    field: "start",
    details: { conflict: { kind: clash.sourceKind, id: clash.sourceId } },
  });
}

/**
 * Runs a write that inserts or moves a shift; when the exclusion constraint
 * rejects it (a concurrent request got there first), answers with the shift
 * that won, like the pre-check would have.
 */
export async function withOverlapCheck<T>(db: Db, candidate: ShiftCandidate, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (constraintViolationOf(error) !== "overlap") throw error;
    throw new DomainError("shift_overlaps", "The person already has something at that time (a concurrent change got there first)", {
      field: "start",
      details: { personId: candidate.personId },
    });
  }
}

/** Leads manage their team's shifts; members their own, when the team allows self-scheduling. */
export function requireShiftRights(actor: Actor, team: Team, personId: string, outsideSupportHours: boolean, what: string) {
  authorize(actor, "shift.schedule", { teamId: team.id, personId, outsideSupportHours });
  // Self-scheduling is the team's choice, not a right: refused as a rule of the team.
  if (!team.selfScheduling && !can(actor, "shift.scheduleAnyone", { teamId: team.id })) {
    throw new DomainError("self_scheduling_disabled", `This team does not let members ${what} themselves; ask a lead`);
  }
}

async function requireTeam(db: Db, teamId: string, field = "teamId"): Promise<Team> {
  const team = await createTeamRepository(db).findById(teamId);
  if (!team) throw new DomainError("not_found", `No team with id ${teamId}`, { field });
  return team;
}

export async function createShift(ctx: ServiceContext, input: ShiftInput): Promise<Shift> {
  const personId = input.personId ?? ctx.actor.personId;
  const candidateBase = { personId, start: new Date(input.start), end: new Date(input.end), outsideSupportHours: input.outsideSupportHours ?? false };
  return ctx.db.transaction(async (tx) => {
    const team = await requireTeam(tx, input.teamId);
    requireShiftRights(ctx.actor, team, personId, candidateBase.outsideSupportHours, "schedule shifts");
    const candidate: ShiftCandidate = { ...candidateBase, team };
    const context = new TimeContext();
    await checkShiftShape(tx, candidate, await loadSupportHours(tx, team), context);
    await checkShiftAvailability(tx, candidate);
    const shift = await withOverlapCheck(tx, candidate, () =>
      createShiftRepository(tx).insert({
        teamId: team.id,
        personId,
        startAt: candidate.start,
        endAt: candidate.end,
        label: input.label ?? null,
        note: input.note ?? null,
        outsideSupportHours: candidate.outsideSupportHours,
        createdBy: ctx.actor.personId,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      }),
    );
    await audit(tx, ctx, { entity: "shift", entityId: shift.id, action: "create", changes: { after: shift } });
    return shift;
  });
}

export async function getShift(ctx: ServiceContext, id: string): Promise<Shift> {
  const shift = await createShiftRepository(ctx.db).findById(id);
  if (!shift) throw notFound("shift", id);
  return shift;
}

export async function listShifts(ctx: ServiceContext, filter: ShiftFilter, page: PageRequest) {
  return createShiftRepository(ctx.db).list(filter, page);
}

/** Changes a shift; an occurrence of a pattern becomes detached (the pattern no longer moves or deletes it). */
export async function updateShift(ctx: ServiceContext, id: string, patch: ShiftPatch, ifMatch?: readonly number[]): Promise<Shift> {
  return ctx.db.transaction(async (tx) => {
    const repo = createShiftRepository(tx);
    const before = await repo.findByIdForUpdate(id);
    if (!before) throw notFound("shift", id);
    const team = await requireTeam(tx, before.teamId);
    const personId = patch.personId ?? before.personId;
    const outsideSupportHours = patch.outsideSupportHours ?? before.outsideSupportHours;
    // Both the current and the new owner must be within the actor's rights.
    requireShiftRights(ctx.actor, team, before.personId, outsideSupportHours && !before.outsideSupportHours, "edit shifts");
    requireShiftRights(ctx.actor, team, personId, false, "edit shifts");
    checkVersion("shift", before.version, ifMatch);
    await repo.lockPeople([before.personId, personId]);
    const candidate: ShiftCandidate = {
      team,
      personId,
      start: patch.start !== undefined ? new Date(patch.start) : before.startAt,
      end: patch.end !== undefined ? new Date(patch.end) : before.endAt,
      outsideSupportHours,
      shiftId: id,
    };
    await checkShiftShape(tx, candidate, await loadSupportHours(tx, team), new TimeContext());
    await checkShiftAvailability(tx, candidate);
    const values = {
      personId,
      startAt: candidate.start,
      endAt: candidate.end,
      outsideSupportHours,
      ...(patch.label !== undefined ? { label: patch.label } : {}),
      ...(patch.note !== undefined ? { note: patch.note } : {}),
      ...(before.patternId ? { detached: true } : {}),
    };
    const after = await withOverlapCheck(tx, candidate, () => repo.update(id, before.version, values, ctx.now));
    if (!after) throw new DomainError("precondition_failed", "The shift changed while updating; read it again");
    const changes = diff(before, after);
    if (Object.keys(changes).length > 0) await audit(tx, ctx, { entity: "shift", entityId: id, action: "update", changes });
    return after;
  });
}

/** Deletes a shift; a pattern occurrence is remembered as skipped so the pattern does not bring it back. */
export async function deleteShift(ctx: ServiceContext, id: string, ifMatch?: readonly number[]): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const repo = createShiftRepository(tx);
    const before = await repo.findByIdForUpdate(id);
    if (!before) throw notFound("shift", id);
    const team = await requireTeam(tx, before.teamId);
    requireShiftRights(ctx.actor, team, before.personId, false, "delete shifts");
    checkVersion("shift", before.version, ifMatch);
    if (before.patternId && before.occurrence && !before.detached) await repo.skipOccurrence(before.patternId, before.occurrence);
    await repo.delete(id);
    await audit(tx, ctx, { entity: "shift", entityId: id, action: "delete", changes: { before } });
  });
}
