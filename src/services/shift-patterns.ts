import type { Db } from "../db/client.ts";
import { constraintViolationOf } from "../db/errors.ts";
import type { PageRequest } from "../db/pagination.ts";
import { createShiftRepository } from "../db/repositories/shifts.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import type { ShiftPattern, Team } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { FREQUENCIES, compileRecurrence, expandPattern, validateRecurrence, type RecurrenceRule } from "../domain/recurrence.ts";
import { TimeContext } from "../domain/wallclock.ts";
import { audit } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { authorize, notFound } from "./policy.ts";
import { checkShiftAvailability, checkShiftShape, requireShiftRights, type ShiftCandidate } from "./shifts.ts";
import { loadSupportHours } from "./support-hours.ts";

/** How far ahead occurrences exist as shifts; the roll-forward job keeps it so. */
export const PATTERN_HORIZON_DAYS = 56;
const DAY_MS = 86_400_000;

export interface PatternInput {
  teamId: string;
  personId?: string | undefined;
  rrule: string;
  /** First occurrence, local "YYYY-MM-DDTHH:mm" in the team's zone. */
  start: string;
  endTime: string;
  label?: string | null | undefined;
  outsideSupportHours?: boolean | undefined;
}

export interface SkippedOccurrence {
  occurrence: string;
  start: Date;
  end: Date;
  code: string;
  detail: string;
}

export interface Materialization {
  created: number;
  skipped: SkippedOccurrence[];
  materializedUntil: Date;
}

/**
 * Turns a pattern's occurrences in [max(now, last horizon), horizon) into
 * shifts. Each occurrence is checked like a one-off shift and written in its
 * own savepoint: one that cannot be placed (time off, an overlap, a DST
 * night too short for the minimum block) is skipped and reported, the rest
 * are written. Idempotent: existing and skipped occurrences are left alone.
 */
export async function materializePattern(tx: Db, pattern: ShiftPattern, team: Team, now: Date, horizon: Date): Promise<Materialization> {
  const repo = createShiftRepository(tx);
  const from = new Date(Math.max(now.getTime(), pattern.materializedUntil?.getTime() ?? 0));
  const result: Materialization = { created: 0, skipped: [], materializedUntil: horizon };
  if (from >= horizon) return { ...result, materializedUntil: pattern.materializedUntil ?? horizon };
  const context = new TimeContext();
  const supportHours = await loadSupportHours(tx, team);
  const existing = await repo.occurrencesOf(pattern.id);
  const skipped = new Set(pattern.skippedOccurrences);
  const occurrences = expandPattern({ rrule: pattern.rrule, start: pattern.startLocal, zone: team.timeZone, endTime: pattern.endTime }, { from, to: horizon }, context);
  for (const occurrence of occurrences) {
    // Occurrences are owned by the window they start in, so each is considered once.
    if (occurrence.start < from || existing.has(occurrence.local) || skipped.has(occurrence.local)) continue;
    const candidate: ShiftCandidate = {
      team,
      personId: pattern.personId,
      start: occurrence.start,
      end: occurrence.end,
      outsideSupportHours: pattern.outsideSupportHours,
    };
    try {
      await tx.transaction(async (savepoint) => {
        await checkShiftShape(savepoint, candidate, supportHours, context);
        await checkShiftAvailability(savepoint, candidate);
        await createShiftRepository(savepoint).insert({
          teamId: team.id,
          personId: pattern.personId,
          startAt: occurrence.start,
          endAt: occurrence.end,
          label: pattern.label,
          outsideSupportHours: pattern.outsideSupportHours,
          patternId: pattern.id,
          occurrence: occurrence.local,
          createdBy: pattern.createdBy,
          createdAt: now,
          updatedAt: now,
        });
      });
      result.created++;
    } catch (error) {
      // A rule the occurrence breaks, or a constraint it ran into: skip it. Anything else is a real failure.
      if (!(error instanceof DomainError) && !constraintViolationOf(error)) throw error;
      const code = error instanceof DomainError ? error.code : "shift_overlaps";
      const detail = error instanceof DomainError ? error.message : "The person already has something at that time";
      result.skipped.push({ occurrence: occurrence.local, start: occurrence.start, end: occurrence.end, code, detail });
    }
  }
  await repo.setPatternMaterializedUntil(pattern.id, horizon);
  return result;
}

/**
 * A shift pattern gives a person at most one shift a day. An hourly rule (or
 * BYHOUR/BYMINUTE listing several times) would cut one person's day into
 * back-to-back shifts that minimum shift blocks forbid anyway, and 56 days of
 * them is over a thousand shifts checked one by one in a single request.
 */
function requireAtMostDaily(rule: RecurrenceRule): void {
  // The domain's RRULE compiler has parsed and checked the rule already; read its options rather than the text again.
  const { options } = compileRecurrence(rule);
  if (options.freq === FREQUENCIES.HOURLY) {
    throw new DomainError("invalid_rrule", "Shift patterns repeat at most daily (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY), not FREQ=HOURLY", { field: "rrule" });
  }
  for (const [key, values] of [["BYHOUR", options.byhour], ["BYMINUTE", options.byminute]] as const) {
    if ([values ?? []].flat().length > 1) {
      throw new DomainError("invalid_rrule", `${key} may name one value: a shift pattern gives one shift a day, at the time of start`, { field: "rrule" });
    }
  }
}

function horizonFrom(now: Date): Date {
  return new Date(now.getTime() + PATTERN_HORIZON_DAYS * DAY_MS);
}

export async function createPattern(ctx: ServiceContext, input: PatternInput): Promise<{ pattern: ShiftPattern; materialization: Materialization }> {
  const personId = input.personId ?? ctx.actor.personId;
  return ctx.db.transaction(async (tx) => {
    const team = await createTeamRepository(tx).findById(input.teamId);
    if (!team) throw new DomainError("not_found", `No team with id ${input.teamId}`, { field: "teamId" });
    requireShiftRights(ctx.actor, team, personId, input.outsideSupportHours ?? false, "schedule shifts");
    validateRecurrence({ rrule: input.rrule, start: input.start, zone: team.timeZone });
    requireAtMostDaily({ rrule: input.rrule, start: input.start, zone: team.timeZone });
    const pattern = await createShiftRepository(tx).insertPattern({
      teamId: team.id,
      personId,
      rrule: input.rrule,
      startLocal: input.start,
      endTime: input.endTime,
      label: input.label ?? null,
      outsideSupportHours: input.outsideSupportHours ?? false,
      createdBy: ctx.actor.personId,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
    // The pattern's own shape (end time, membership) is validated through its first occurrences.
    const materialization = await materializePattern(tx, pattern, team, ctx.now, horizonFrom(ctx.now));
    await audit(tx, ctx, {
      entity: "shift_pattern",
      entityId: pattern.id,
      action: "create",
      changes: { after: pattern, created: materialization.created, skipped: materialization.skipped.map((s) => s.occurrence) },
    });
    return { pattern: { ...pattern, materializedUntil: materialization.materializedUntil }, materialization };
  });
}

export async function getPattern(ctx: ServiceContext, id: string): Promise<ShiftPattern> {
  const pattern = await createShiftRepository(ctx.db).findPattern(id);
  if (!pattern) throw notFound("shift pattern", id);
  return pattern;
}

export async function listPatterns(ctx: ServiceContext, filter: { teamId?: string | undefined; personId?: string | undefined }, page: PageRequest) {
  return createShiftRepository(ctx.db).listPatterns(filter, page);
}

/** Deletes a pattern and its future occurrences that nobody edited; past and edited shifts stay. */
export async function deletePattern(ctx: ServiceContext, id: string): Promise<{ deletedShifts: number }> {
  return ctx.db.transaction(async (tx) => {
    const repo = createShiftRepository(tx);
    const pattern = await repo.findPatternForUpdate(id);
    if (!pattern) throw notFound("shift pattern", id);
    authorize(ctx.actor, "shiftPattern.delete", { teamId: pattern.teamId, personId: pattern.personId });
    const deletedShifts = await repo.deleteFutureUnedited(id, ctx.now);
    await repo.deletePattern(id);
    await audit(tx, ctx, { entity: "shift_pattern", entityId: id, action: "delete", changes: { before: pattern, deletedShifts } });
    return { deletedShifts };
  });
}

export interface RollForward {
  /** Patterns that were behind the horizon when the run began. */
  patterns: number;
  created: number;
  skipped: number;
  /** Patterns that could not be rolled (each in its own transaction, rolled back alone): the rest went on. */
  failed: { patternId: string; error: string }[];
}

/**
 * The roll-forward job: extends every pattern's shifts to the horizon, each
 * pattern in its own transaction with its row locked, so a long run holds
 * one pattern's locks at a time and a pattern that fails is rolled back and
 * reported alone. Safe on every instance at once: a pattern another run
 * holds is left to it, and one already at the horizon is left alone.
 */
export async function rollPatternsForward(db: Db, now: Date): Promise<RollForward> {
  const horizon = horizonFrom(now);
  const behind = await createShiftRepository(db).patternsBehind(horizon);
  const result: RollForward = { patterns: behind.length, created: 0, skipped: 0, failed: [] };
  for (const { id } of behind) {
    try {
      const rolled = await db.transaction(async (tx) => {
        const pattern = await createShiftRepository(tx).lockPatternUnlessBusy(id);
        // Deleted, rolled by another instance meanwhile, or being rolled by it now.
        if (!pattern || (pattern.materializedUntil !== null && pattern.materializedUntil >= horizon)) return undefined;
        const team = await createTeamRepository(tx).findById(pattern.teamId);
        if (!team) return undefined;
        const materialization = await materializePattern(tx, pattern, team, now, horizon);
        if (materialization.created > 0 || materialization.skipped.length > 0) {
          await audit(tx, { actor: null, requestId: null, now }, {
            entity: "shift_pattern",
            entityId: pattern.id,
            action: "roll_forward",
            changes: { created: materialization.created, skipped: materialization.skipped.map((s) => s.occurrence), until: horizon.toISOString() },
          });
        }
        return materialization;
      });
      result.created += rolled?.created ?? 0;
      result.skipped += rolled?.skipped.length ?? 0;
    } catch (error) {
      result.failed.push({ patternId: id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}
