import type { Db } from "../db/client.ts";
import { InvalidatedCache, type ChangeFeed } from "../db/changes.ts";
import { createScheduleRepository } from "../db/repositories/schedules.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import type { ScheduleOverride } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { computeSchedule, whoIsNext, whoIsOn, type ScheduleLayer, type ScheduleResult, type Segment } from "../domain/schedule.ts";
import { TimeContext } from "../domain/wallclock.ts";
import { loadScheduleStates, overrideOf } from "./schedules.ts";

const DAY_MS = 86_400_000;
/** The timeline computed around `at`: far enough back for "since", ahead for "next". */
const LOOKBACK_MS = 35 * DAY_MS;
const LOOKAHEAD_MS = 35 * DAY_MS;
/** A cached timeline answers while `at` stays this far inside its window. */
const MARGIN_MS = 7 * DAY_MS;

interface CachedTimeline {
  version: number;
  result: ScheduleResult;
  overrides: Map<string, ScheduleOverride>;
  /** Kept to answer whom an override covers (the timeline without it); see coveredBy. */
  layers: ScheduleLayer[];
  /** The timeline under each override, as coveredBy computed it: once per override while the entry lives. */
  under?: Map<string, ScheduleResult | null>;
}

/**
 * Computed timelines per schedule, keyed by the schedule's version column.
 * Every lookup reads the current versions from the database (one small
 * query), so a change made through any instance is seen by all at once: no
 * TTL, no stale answers. One cache per app instance, never module state.
 */
export class OnCallCache {
  readonly #entries = new Map<string, CachedTimeline>();
  /** Every schedule's head (id, name, version, team, zone), dropped when any schedule changes. */
  readonly heads: InvalidatedCache<"all", ScheduleHead[]>;
  /** The people answers name, dropped when anyone changes. */
  readonly people: InvalidatedCache<string, PersonBrief>;
  constructor(feed?: ChangeFeed, readonly maxSchedules = 1000) {
    this.heads = new InvalidatedCache(feed, ["schedules"], 1);
    this.people = new InvalidatedCache(feed, ["people"]);
  }

  get(scheduleId: string, version: number, at: Date): CachedTimeline | undefined {
    const entry = this.#entries.get(scheduleId);
    if (!entry || entry.version !== version) return undefined;
    const t = at.getTime();
    if (t < entry.result.from.getTime() + MARGIN_MS || t > entry.result.to.getTime() - MARGIN_MS) return undefined;
    return entry;
  }

  set(scheduleId: string, entry: CachedTimeline): void {
    if (this.#entries.size >= this.maxSchedules && !this.#entries.has(scheduleId)) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(scheduleId, entry);
  }

  get size(): number {
    return this.#entries.size;
  }
}

type PersonBrief = Awaited<ReturnType<ReturnType<typeof createScheduleRepository>["peopleByIds"]>>[number];
type ScheduleHead = Awaited<ReturnType<ReturnType<typeof createScheduleRepository>["heads"]>>[number];

/** The people an answer names: from memory, the misses in one query. */
async function peopleBriefs(cache: OnCallCache, repo: ReturnType<typeof createScheduleRepository>, ids: string[]): Promise<Map<string, PersonBrief>> {
  const found = new Map<string, PersonBrief>();
  const missing: string[] = [];
  for (const id of ids) {
    const hit = cache.people.get(id);
    if (hit) found.set(id, hit);
    else missing.push(id);
  }
  if (missing.length > 0) {
    const loaded = new Map((await cache.people.loadMany(() => repo.peopleByIds(missing), (p) => p.id)).map((p) => [p.id, p]));
    for (const [id, p] of loaded) found.set(id, p);
  }
  return found;
}

/**
 * The timelines of many schedules: cached ones as they are, every miss loaded
 * together in a constant number of queries (not four per schedule), so the
 * first look at 200 schedules, or the one after a change, stays quick.
 */
async function timelines(db: Db, cache: OnCallCache, heads: readonly { id: string; version: number; timeZone: string }[], at: Date): Promise<Map<string, CachedTimeline>> {
  const found = new Map<string, CachedTimeline>();
  const misses = heads.filter((head) => {
    const cached = cache.get(head.id, head.version, at);
    if (cached) found.set(head.id, cached);
    return !cached;
  });
  if (misses.length === 0) return found;
  const from = new Date(at.getTime() - LOOKBACK_MS);
  const to = new Date(at.getTime() + LOOKAHEAD_MS);
  const states = await loadScheduleStates(db, misses, from, to);
  const context = new TimeContext();
  for (const head of misses) {
    const state = states.get(head.id)!;
    const result = computeSchedule({ layers: state.layers, overrides: state.overrides.map(overrideOf), window: { from, to } }, context);
    // Keyed on the version read before the state: a change in between only costs a recompute later.
    const entry = { version: head.version, result, overrides: new Map(state.overrides.map((o) => [o.id, o])), layers: state.layers };
    cache.set(head.id, entry);
    found.set(head.id, entry);
  }
  return found;
}

/**
 * What the timeline would be under the override behind `segment`: the layers
 * and the overrides applied before it (older, as computeSchedule orders them),
 * over [from, to). Null for a layer segment.
 */
function underOverride(entry: CachedTimeline, segment: Segment, from: Date, to: Date): ScheduleResult | null {
  if (segment.source.kind !== "override") return null;
  const override = entry.overrides.get(segment.source.overrideId);
  if (!override) return null;
  const appliedBefore = (o: ScheduleOverride) =>
    o.createdAt.getTime() < override.createdAt.getTime() || (o.createdAt.getTime() === override.createdAt.getTime() && o.id < override.id);
  const older = [...entry.overrides.values()].filter(appliedBefore).map(overrideOf);
  return computeSchedule({ layers: entry.layers, overrides: older, window: { from, to } }, new TimeContext());
}

/**
 * Whom the override behind `segment` stands in for at `at`: its
 * `replacesPersonId`, or else whoever was on under it at that instant.
 * Null for a layer segment, or an override over a gap.
 */
function coveredBy(entry: CachedTimeline, segment: Segment, at: Date): string | null {
  if (segment.source.kind !== "override") return null;
  const replaces = entry.overrides.get(segment.source.overrideId)?.replacesPersonId;
  if (replaces) return replaces;
  // Over the cached window, once: a warm /v1/oncall over 200 schedules asks this for every
  // schedule under an override on every request, and compiling the layers each time was
  // a quarter of its CPU.
  entry.under ??= new Map();
  let under = entry.under.get(segment.source.overrideId);
  if (under === undefined) {
    under = underOverride(entry, segment, entry.result.from, entry.result.to);
    entry.under.set(segment.source.overrideId, under);
  }
  return under ? (whoIsOn(under, at)?.personId ?? null) : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OnCallQuery {
  /** A schedule id or name (case-insensitive). */
  schedule?: string | undefined;
  teamId?: string | undefined;
  skill?: string | undefined;
  at: Date;
}

/**
 * For each matching schedule: who is on call at `at`, since and until when,
 * the override that put them there, and who is next. The hot path: one query
 * for schedule versions, the cached timeline, one query for the people.
 */
export async function onCallLookup(db: Db, cache: OnCallCache, query: OnCallQuery) {
  const repo = createScheduleRepository(db);
  const wanted = query.schedule?.trim();
  // The filter goes to SQL: the hot path reads only the schedules it answers for.
  // Every schedule's head from memory while no schedule changed (a NOTIFY drops it); the filter is applied here.
  const all = await cache.heads.through("all", () => repo.heads({}));
  const id = wanted && UUID.test(wanted) ? wanted.toLowerCase() : undefined;
  const name = wanted && !id ? wanted.toLowerCase() : undefined;
  const heads = all.filter((h) => (!query.teamId || h.teamId === query.teamId) && (!id || h.id === id) && (!name || h.name.toLowerCase() === name));
  if (wanted && heads.length === 0) throw new DomainError("not_found", `No schedule ${query.schedule}`, { field: "schedule" });
  if (query.teamId && heads.length === 0 && !(await createTeamRepository(db).findById(query.teamId))) {
    throw new DomainError("not_found", `No team with id ${query.teamId}`, { field: "team" });
  }
  const entries = await timelines(db, cache, heads, query.at);
  const answers = await Promise.all(
    heads.map(async (head) => {
      const entry = entries.get(head.id)!;
      const { result, overrides } = entry;
      const current = whoIsOn(result, query.at);
      const next = whoIsNext(result, query.at);
      const coveringId = current?.personId ? coveredBy(entry, current, query.at) : null;
      return { head, current, next, overrides, window: result, coveringId };
    }),
  );
  const ids = [...new Set(answers.flatMap((a) => [a.current?.personId, a.next?.personId, a.coveringId]).filter((p): p is string => !!p))];
  const people = await peopleBriefs(cache, repo, ids);
  const skill = query.skill?.toLowerCase();
  const items = answers
    .map(({ head, current, next, overrides, window, coveringId }) => {
      const person = current?.personId ? people.get(current.personId) ?? null : null;
      const override = current?.source.kind === "override" ? overrides.get(current.source.overrideId) ?? null : null;
      return {
        schedule: { id: head.id, name: head.name, teamId: head.teamId, timeZone: head.timeZone },
        at: query.at,
        current:
          current && person
            ? {
                person,
                since: current.start,
                /** False when the turn began before the computed window (35 days back): `since` is then a lower bound. */
                sinceExact: current.start.getTime() > window.from.getTime(),
                until: current.end,
                source: current.source.kind === "override" ? ("override" as const) : ("layer" as const),
                override: override ? { id: override.id, replacesPersonId: override.replacesPersonId, start: override.startAt, end: override.endAt, note: override.note } : null,
                /** Whom the override stands in for at `at` (its replacesPersonId, else who the rotation had on). */
                covering: coveringId ? people.get(coveringId) ?? null : null,
              }
            : null,
        gap: current && !person ? { since: current.start, until: current.end } : null,
        next: next?.personId ? { person: people.get(next.personId) ?? null, from: next.start } : null,
      };
    })
    .filter((item) => !skill || (item.current?.person.skills.includes(skill) ?? false));
  return { at: query.at, items };
}

/** One stretch of the timeline: a person's turn (or a gap), and whom an override has them cover. */
export interface TimelineTurn {
  personId: string | null;
  start: Date;
  end: Date;
  viaOverride: boolean;
  coveringId: string | null;
}

/**
 * The timeline of one schedule over [from, to) from the same cache as
 * onCallLookup (so `to` may be at most 28 days past `from`), as turns:
 * consecutive segments of the same person covering the same person are one
 * turn, and an override is split where the person it covers changes (Noy
 * covering Itamar, then Maya). A turn keeps its real start and end, before
 * `from` or after `to`, within the computed window.
 */
export async function onCallTimeline(db: Db, cache: OnCallCache, scheduleId: string, from: Date, to: Date): Promise<{ turns: TimelineTurn[] }> {
  const [head] = await createScheduleRepository(db).heads({ ids: [scheduleId] });
  if (!head) throw new DomainError("not_found", `No schedule with id ${scheduleId}`, { field: "schedule" });
  if (to.getTime() - from.getTime() > LOOKAHEAD_MS - MARGIN_MS) throw new DomainError("window_too_large", "The timeline reaches past the look-ahead", { field: "to" });
  const entry = (await timelines(db, cache, [head], from)).get(head.id)!;
  const turns: TimelineTurn[] = [];
  const add = (turn: TimelineTurn) => {
    const last = turns[turns.length - 1];
    if (last && last.personId === turn.personId && last.viaOverride === turn.viaOverride && last.coveringId === turn.coveringId && last.end.getTime() === turn.start.getTime()) {
      last.end = turn.end;
    } else turns.push({ ...turn });
  };
  for (const segment of entry.result.segments) {
    if (segment.end.getTime() <= from.getTime() || segment.start.getTime() >= to.getTime()) continue;
    const viaOverride = segment.source.kind === "override";
    const replaces = viaOverride && segment.source.kind === "override" ? entry.overrides.get(segment.source.overrideId)?.replacesPersonId : null;
    const under = viaOverride && !replaces ? underOverride(entry, segment, segment.start, segment.end) : null;
    if (!under) {
      add({ personId: segment.personId, start: segment.start, end: segment.end, viaOverride, coveringId: replaces ?? null });
      continue;
    }
    for (const below of under.segments) {
      if (below.end.getTime() <= from.getTime()) continue;
      if (below.start.getTime() >= to.getTime()) break;
      add({ personId: segment.personId, start: below.start, end: below.end, viaOverride, coveringId: below.personId });
    }
  }
  return { turns };
}
