import type { Db } from "../db/client.ts";
import type { PageRequest } from "../db/pagination.ts";
import { createScheduleRepository, type LayerRows, type NewLayer } from "../db/repositories/schedules.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import { createTimeOffRepository } from "../db/repositories/time-off.ts";
import type { Schedule, ScheduleOverride } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { intersectIntervals, mergeIntervals, type Interval } from "../domain/interval.ts";
import { validateRotation, type Rotation, type TurnUnit } from "../domain/rotation.ts";
import { computeSchedule, type Override, type ScheduleLayer, type Segment } from "../domain/schedule.ts";
import { TimeContext } from "../domain/wallclock.ts";
import type { Weekday, WeeklyWindow } from "../domain/weekly.ts";
import { audit } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { authorize, checkVersion, notFound } from "./policy.ts";
import { validTimeZone } from "./people.ts";
import { requireWindow } from "./windows.ts";

export interface LayerInput {
  name?: string | undefined;
  /** null: a turn with nobody on from this layer. */
  participants: (string | null)[];
  turn: { unit: TurnUnit; count: number };
  handoffTime: string;
  timeZone?: string | null | undefined;
  startDate: string;
  start?: string | null | undefined;
  end?: string | null | undefined;
  restrictions?: WeeklyWindow[] | undefined;
  participantChanges?: { effectiveFrom: string; participants: string[] }[] | undefined;
}

export interface ScheduleInput {
  name: string;
  description?: string | null | undefined;
  timeZone: string;
  teamId?: string | null | undefined;
  layers?: LayerInput[] | undefined;
}

export function rotationOf(rows: LayerRows, schedule: Pick<Schedule, "timeZone">): Rotation {
  const { layer } = rows;
  return {
    id: layer.id,
    participants: layer.participantIds.map((personId) => ({ personId })),
    turn: { unit: layer.turnUnit, count: layer.turnCount },
    handoffTime: layer.handoffTime,
    zone: layer.timeZone ?? schedule.timeZone,
    startDate: layer.startDate,
    ...(layer.startAt ? { start: layer.startAt } : {}),
    ...(layer.endAt ? { end: layer.endAt } : {}),
    ...(rows.restrictions.length > 0
      ? { restrictions: rows.restrictions.map((r) => ({ days: r.days as Weekday[], start: r.startTime, end: r.endTime })) }
      : {}),
    ...(rows.changes.length > 0
      ? { participantChanges: rows.changes.map((c) => ({ effectiveFrom: c.effectiveFrom, participants: c.participantIds.map((personId) => ({ personId })) })) }
      : {}),
  };
}

export function overrideOf(o: ScheduleOverride): Override {
  return { id: o.id, personId: o.personId, start: o.startAt, end: o.endAt, createdAt: o.createdAt, ...(o.replacesPersonId ? { replacesPersonId: o.replacesPersonId } : {}) };
}

/** Everything computeSchedule needs for a window, in one read. */
export async function loadScheduleState(db: Db, scheduleId: string, from: Date, to: Date) {
  const repo = createScheduleRepository(db);
  const schedule = await repo.findById(scheduleId);
  if (!schedule) throw notFound("schedule", scheduleId);
  const [layerRows, overrides] = await Promise.all([repo.layers(scheduleId), repo.overridesIn(scheduleId, from, to)]);
  const layers: ScheduleLayer[] = layerRows.map((rows) => ({ id: rows.layer.id, rotation: rotationOf(rows, schedule) }));
  return { schedule, layerRows, layers, overrides };
}

/**
 * Many schedules' layers and overrides over [from, to) in a constant number of
 * queries (layers, their restrictions and changes, overrides), whatever the
 * number of schedules: for on-call over all schedules and a person's
 * assignments across the schedules that name them.
 */
export async function loadScheduleStates(db: Db, heads: readonly { id: string; timeZone: string }[], from: Date, to: Date) {
  const repo = createScheduleRepository(db);
  const ids = heads.map((h) => h.id);
  const [layersBy, overrides] = await Promise.all([repo.layersOfMany(ids), repo.overridesOfMany(ids, from, to)]);
  const overridesBy = new Map<string, ScheduleOverride[]>();
  for (const o of overrides) overridesBy.set(o.scheduleId, [...(overridesBy.get(o.scheduleId) ?? []), o]);
  return new Map(
    heads.map((h) => [
      h.id,
      { layers: (layersBy.get(h.id) ?? []).map((rows): ScheduleLayer => ({ id: rows.layer.id, rotation: rotationOf(rows, h) })), overrides: overridesBy.get(h.id) ?? [] },
    ]),
  );
}

/** Everyone who takes turns on the schedule, in any layer, now or after a participant change. */
function participantsOf(layerRows: LayerRows[]): string[] {
  return [...new Set(layerRows.flatMap((rows) => [...rows.layer.participantIds, ...rows.changes.flatMap((c) => c.participantIds)]))].filter(
    (id): id is string => id !== null,
  );
}

async function validatedLayers(db: Db, layers: LayerInput[], zone: string): Promise<NewLayer[]> {
  const named = (l: LayerInput) => [...l.participants, ...(l.participantChanges ?? []).flatMap((c) => c.participants)].filter((p): p is string => p !== null);
  const everyone = [...new Set(layers.flatMap(named))];
  const known = new Set((await createScheduleRepository(db).peopleByIds(everyone)).map((p) => p.id));
  return layers.map((l, i) => {
    const field = `layers.${i}`;
    const missing = named(l).find((p) => !known.has(p));
    if (missing) throw new DomainError("unknown_person", `No person with id ${missing}`, { field: `${field}.participants` });
    const layerZone = l.timeZone ? validTimeZone(l.timeZone, `${field}.timeZone`) : null;
    const rotation: Rotation = {
      participants: l.participants.map((personId) => ({ personId })),
      turn: l.turn,
      handoffTime: l.handoffTime,
      zone: layerZone ?? zone,
      startDate: l.startDate,
      ...(l.start ? { start: new Date(l.start) } : {}),
      ...(l.end ? { end: new Date(l.end) } : {}),
      ...(l.restrictions?.length ? { restrictions: l.restrictions } : {}),
      ...(l.participantChanges?.length
        ? { participantChanges: l.participantChanges.map((c) => ({ effectiveFrom: c.effectiveFrom, participants: c.participants.map((personId) => ({ personId })) })) }
        : {}),
    };
    validateRotation(rotation, field);
    return {
      name: l.name ?? `Layer ${i + 1}`,
      participantIds: l.participants,
      turnUnit: l.turn.unit,
      turnCount: l.turn.count,
      handoffTime: l.handoffTime,
      timeZone: layerZone,
      startDate: l.startDate,
      startAt: l.start ? new Date(l.start) : null,
      endAt: l.end ? new Date(l.end) : null,
      restrictions: (l.restrictions ?? []).map((r) => ({ days: [...r.days], startTime: r.start, endTime: r.end })),
      changes: (l.participantChanges ?? []).map((c) => ({ effectiveFrom: c.effectiveFrom, participantIds: c.participants })),
    };
  });
}

export function layerView(rows: LayerRows) {
  const { layer } = rows;
  return {
    id: layer.id,
    name: layer.name,
    participants: layer.participantIds,
    turn: { unit: layer.turnUnit, count: layer.turnCount },
    handoffTime: layer.handoffTime,
    timeZone: layer.timeZone,
    startDate: layer.startDate,
    start: layer.startAt,
    end: layer.endAt,
    restrictions: rows.restrictions.map((r) => ({ days: r.days, start: r.startTime, end: r.endTime })),
    participantChanges: rows.changes.map((c) => ({ effectiveFrom: c.effectiveFrom, participants: c.participantIds })),
  };
}

async function view(db: Db, schedule: Schedule) {
  return { ...schedule, layers: (await createScheduleRepository(db).layers(schedule.id)).map(layerView) };
}

async function requireTeam(db: Db, teamId: string | null | undefined) {
  if (teamId && !(await createTeamRepository(db).findById(teamId))) throw new DomainError("not_found", `No team with id ${teamId}`, { field: "teamId" });
}

export async function createSchedule(ctx: ServiceContext, input: ScheduleInput) {
  authorize(ctx.actor, "schedule.manage", { teamId: input.teamId ?? null });
  const zone = validTimeZone(input.timeZone);
  return ctx.db.transaction(async (tx) => {
    await requireTeam(tx, input.teamId);
    const repo = createScheduleRepository(tx);
    const layers = await validatedLayers(tx, input.layers ?? [], zone);
    const schedule = await repo.insert({ name: input.name.trim(), description: input.description ?? null, timeZone: zone, teamId: input.teamId ?? null, createdAt: ctx.now, updatedAt: ctx.now });
    await repo.replaceLayers(schedule.id, layers);
    const result = await view(tx, schedule);
    await audit(tx, ctx, { entity: "schedule", entityId: schedule.id, action: "create", changes: { after: result } });
    return result;
  });
}

export async function getSchedule(ctx: ServiceContext, id: string) {
  const schedule = await createScheduleRepository(ctx.db).findById(id);
  if (!schedule) throw notFound("schedule", id);
  return view(ctx.db, schedule);
}

export async function listSchedules(ctx: ServiceContext, filter: { teamId?: string | undefined }, page: PageRequest) {
  const result = await createScheduleRepository(ctx.db).list(filter, page);
  return { ...result, items: await Promise.all(result.items.map((s) => view(ctx.db, s))) };
}

export async function updateSchedule(ctx: ServiceContext, id: string, patch: Partial<ScheduleInput>, ifMatch?: readonly number[]) {
  return ctx.db.transaction(async (tx) => {
    const repo = createScheduleRepository(tx);
    const before = await repo.findByIdForUpdate(id);
    if (!before) throw notFound("schedule", id);
    authorize(ctx.actor, "schedule.manage", { teamId: before.teamId });
    // Moving a schedule needs rights on the team it goes to as well.
    if (patch.teamId !== undefined) authorize(ctx.actor, "schedule.manage", { teamId: patch.teamId });
    checkVersion("schedule", before.version, ifMatch);
    await requireTeam(tx, patch.teamId);
    const zone = patch.timeZone ? validTimeZone(patch.timeZone) : before.timeZone;
    const beforeView = await view(tx, before);
    if (patch.layers) await repo.replaceLayers(id, await validatedLayers(tx, patch.layers, zone));
    const after = await repo.touch(
      id,
      {
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.timeZone !== undefined ? { timeZone: zone } : {}),
        ...(patch.teamId !== undefined ? { teamId: patch.teamId } : {}),
      },
      ctx.now,
    );
    const result = await view(tx, after);
    await audit(tx, ctx, { entity: "schedule", entityId: id, action: "update", changes: { before: beforeView, after: result } });
    return result;
  });
}

export async function deleteSchedule(ctx: ServiceContext, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const repo = createScheduleRepository(tx);
    const before = await repo.findByIdForUpdate(id);
    if (!before) throw notFound("schedule", id);
    authorize(ctx.actor, "schedule.manage", { teamId: before.teamId });
    await repo.delete(id);
    await audit(tx, ctx, { entity: "schedule", entityId: id, action: "delete", changes: { before } });
  });
}

export interface SegmentView extends Segment {
  /** Approved time off of the person on call during the segment: on call but away, so uncovered. */
  conflicts: { kind: "time_off"; timeOffId: string; start: Date; end: Date }[];
}

/**
 * The final timeline of a schedule over [from, to): layers (or one layer
 * alone), overrides, explicit gaps, and the person's approved time off
 * flagged on the segments it falls in.
 */
export async function scheduleSegments(ctx: ServiceContext, id: string, from: Date, to: Date, layerId?: string) {
  requireWindow("segments", from, to);
  const state = await loadScheduleState(ctx.db, id, from, to);
  let layers = state.layers;
  let overrides = state.overrides.map(overrideOf);
  if (layerId) {
    layers = layers.filter((l) => l.id === layerId);
    if (layers.length === 0) throw new DomainError("not_found", `The schedule has no layer ${layerId}`, { field: "layer" });
    overrides = [];
  }
  const result = computeSchedule({ layers, overrides, window: { from, to } }, new TimeContext());
  const personIds = [...new Set(result.segments.map((s) => s.personId).filter((p): p is string => p !== null))];
  const away = await createTimeOffRepository(ctx.db).approvedOverlapping(personIds, from, to);
  const segments: SegmentView[] = result.segments.map((segment) => ({
    ...segment,
    conflicts: away
      .filter((a) => a.personId === segment.personId && a.startAt < segment.end && a.endAt > segment.start)
      .map((a) => ({
        kind: "time_off" as const,
        timeOffId: a.id,
        start: new Date(Math.max(a.startAt.getTime(), segment.start.getTime())),
        end: new Date(Math.min(a.endAt.getTime(), segment.end.getTime())),
      })),
  }));
  return { scheduleId: id, from, to, layer: layerId ?? null, segments };
}

/** Windows nobody covers: explicit gaps, and time off of whoever is on call that no override fixed. */
export async function scheduleGaps(ctx: ServiceContext, id: string, from: Date, to: Date) {
  const { segments } = await scheduleSegments(ctx, id, from, to);
  const gaps: (Interval & { reason: "no_one_scheduled" | "time_off"; personId: string | null })[] = [];
  for (const s of segments) {
    if (s.personId === null) gaps.push({ start: s.start, end: s.end, reason: "no_one_scheduled", personId: null });
    for (const c of s.conflicts) gaps.push({ start: c.start, end: c.end, reason: "time_off", personId: s.personId });
  }
  gaps.sort((a, b) => a.start.getTime() - b.start.getTime());
  const uncovered = mergeIntervals(gaps.map(({ start, end }) => ({ start, end })));
  return { scheduleId: id, from, to, gaps, uncoveredMinutes: uncovered.reduce((m, g) => m + (g.end.getTime() - g.start.getTime()) / 60_000, 0) };
}

/** Who hands to whom and when, for bots that post "you are on call from 09:00". */
export async function scheduleHandoffs(ctx: ServiceContext, id: string, from: Date, to: Date) {
  const { segments } = await scheduleSegments(ctx, id, from, to);
  const handoffs: { at: Date; fromPersonId: string | null; toPersonId: string | null; source: Segment["source"] }[] = [];
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1]!;
    const next = segments[i]!;
    if (prev.personId !== next.personId) handoffs.push({ at: next.start, fromPersonId: prev.personId, toPersonId: next.personId, source: next.source });
  }
  return { scheduleId: id, from, to, handoffs };
}

export async function listOverrides(ctx: ServiceContext, scheduleId: string, from: Date, to: Date) {
  requireWindow("overrides", from, to);
  const repo = createScheduleRepository(ctx.db);
  if (!(await repo.findById(scheduleId))) throw notFound("schedule", scheduleId);
  return { items: await repo.overridesIn(scheduleId, from, to) };
}

/**
 * Puts a person on call over [start, end). A member may put themselves on
 * (cover a gap or take a turn); replacing a named person needs a lead (or,
 * with their consent, a swap). Overlapping overrides: the newest wins.
 */
export async function createOverride(
  ctx: ServiceContext,
  scheduleId: string,
  input: { personId?: string | undefined; replacesPersonId?: string | null | undefined; start: string; end: string; note?: string | null | undefined },
) {
  const personId = input.personId ?? ctx.actor.personId;
  const start = new Date(input.start);
  const end = new Date(input.end);
  if (!(end > start)) throw new DomainError("invalid_interval", "end must be after start", { field: "end" });
  return ctx.db.transaction(async (tx) => {
    const repo = createScheduleRepository(tx);
    const schedule = await repo.findByIdForUpdate(scheduleId);
    if (!schedule) throw notFound("schedule", scheduleId);
    authorize(ctx.actor, "schedule.override.create", {
      teamId: schedule.teamId,
      participantIds: participantsOf(await repo.layers(scheduleId)),
      personId,
      replacesPersonId: input.replacesPersonId ?? null,
    });
    const found = await repo.peopleByIds([personId, ...(input.replacesPersonId ? [input.replacesPersonId] : [])]);
    const person = found.find((p) => p.id === personId);
    if (!person || !person.active) throw new DomainError("person_inactive", "The person is not an active person", { field: "personId" });
    if (input.replacesPersonId && !found.some((p) => p.id === input.replacesPersonId)) {
      throw new DomainError("unknown_person", `No person with id ${input.replacesPersonId}`, { field: "replacesPersonId" });
    }
    const override = await repo.insertOverride({
      scheduleId,
      personId,
      replacesPersonId: input.replacesPersonId ?? null,
      startAt: start,
      endAt: end,
      note: input.note ?? null,
      createdBy: ctx.actor.personId,
      createdAt: ctx.now,
    });
    await repo.touch(scheduleId, {}, ctx.now);
    const overlapping = (await repo.overridesIn(scheduleId, start, end)).filter((o) => o.id !== override.id);
    await audit(tx, ctx, { entity: "schedule_override", entityId: override.id, action: "create", changes: { after: override } });
    return { ...override, supersedes: overlapping.map((o) => ({ id: o.id, start: o.startAt, end: o.endAt, overlap: intersectIntervals([{ start, end }], [{ start: o.startAt, end: o.endAt }])[0] ?? null })) };
  });
}

export async function deleteOverride(ctx: ServiceContext, scheduleId: string, overrideId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const repo = createScheduleRepository(tx);
    const schedule = await repo.findByIdForUpdate(scheduleId);
    const override = await repo.findOverride(overrideId);
    if (!schedule || !override || override.scheduleId !== scheduleId) throw notFound("override", overrideId);
    authorize(ctx.actor, "schedule.override.delete", { teamId: schedule.teamId, personId: override.personId, createdBy: override.createdBy });
    await repo.deleteOverride(overrideId);
    await repo.touch(scheduleId, {}, ctx.now);
    await audit(tx, ctx, { entity: "schedule_override", entityId: overrideId, action: "delete", changes: { before: override } });
  });
}
