import { DomainError } from "./errors.ts";
import { DAY_MS, type Span, type TimeWindow, instantMs, intervalSpan, windowSpan } from "./interval.ts";
import { type CompiledRotation, type Rotation, compileRotation } from "./rotation.ts";
import { TimeContext } from "./wallclock.ts";

/*
 * A schedule: rotations stacked as layers, then overrides on top.
 *
 * - `layers` are listed highest priority first. At each instant the first
 *   layer with someone on (its restrictions allowing) wins; where no layer
 *   has anyone, the result is an explicit gap.
 * - Overrides are applied oldest `createdAt` first (ties: by id), each
 *   painting over what is there, so where overrides overlap the newest wins.
 *   A plain override puts its person on for [start, end), gaps included.
 *   With `replacesPersonId` it only replaces that person's time (a vacation
 *   substitute for Alice leaves Bob's turns alone), after older overrides
 *   are applied (so a substitute can be substituted in turn).
 * - The result covers the window exactly: ordered, non-overlapping segments
 *   with a person or an explicit gap; touching segments with the same
 *   person and the same source are merged.
 * All wall-clock DST rules come from rotation.ts (handoffs: start rule).
 */

export interface ScheduleLayer {
  id: string;
  rotation: Rotation;
}

export interface Override {
  id: string;
  personId: string;
  start: Date;
  end: Date;
  createdAt: Date;
  /** Only replace this person (where they are on); omit to replace whoever is on, gaps too. */
  replacesPersonId?: string;
}

export type SegmentSource =
  | { kind: "layer"; layerId: string; rotationId?: string }
  | { kind: "override"; overrideId: string }
  | { kind: "gap" };

export interface Segment {
  personId: string | null;
  start: Date;
  end: Date;
  source: SegmentSource;
}

export interface ScheduleInput {
  /** Highest priority first. */
  layers: readonly ScheduleLayer[];
  overrides?: readonly Override[];
  window: TimeWindow;
}

export interface ScheduleResult {
  from: Date;
  to: Date;
  /** Ordered, non-overlapping, covering [from, to) exactly. */
  segments: Segment[];
}

interface Piece {
  start: number;
  end: number;
  personId: string | null;
  key: string; // identity of the source, for merging
  source: SegmentSource;
}

const GAP: SegmentSource = Object.freeze({ kind: "gap" });

/** Paints `top` (sorted, disjoint) over `base` (sorted, disjoint). Linear. */
function overlay(base: readonly Piece[], top: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let rest = Number.NEGATIVE_INFINITY; // base[i] is hidden before this instant
  for (const t of top) {
    while (i < base.length) {
      const b = base[i]!;
      const start = Math.max(rest, b.start);
      if (start >= t.end) break;
      if (start < t.start) out.push({ ...b, start, end: Math.min(b.end, t.start) });
      if (b.end <= t.end) {
        i++;
        rest = Number.NEGATIVE_INFINITY;
        continue;
      }
      rest = t.end;
      break;
    }
    out.push(t);
  }
  for (; i < base.length; i++) {
    const b = base[i]!;
    const start = Math.max(rest, b.start);
    if (start < b.end) out.push({ ...b, start });
    rest = Number.NEGATIVE_INFINITY;
  }
  return out;
}

/** Fills the window's uncovered parts with gap pieces (pieces sorted, disjoint, inside the window). */
function withGaps(pieces: readonly Piece[], window: Span): Piece[] {
  const out: Piece[] = [];
  let cursor = window.start;
  for (const p of pieces) {
    if (p.start > cursor) out.push({ start: cursor, end: p.start, personId: null, key: "gap", source: GAP });
    out.push(p);
    cursor = p.end;
  }
  if (cursor < window.end) out.push({ start: cursor, end: window.end, personId: null, key: "gap", source: GAP });
  return out;
}

/** First index whose piece ends after t. */
function firstEndingAfter(pieces: readonly Piece[], t: number): number {
  let lo = 0;
  let hi = pieces.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pieces[mid]!.end <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface CompiledOverride {
  id: string;
  start: number;
  end: number;
  createdAt: number;
  personId: string;
  replaces: string | null;
}

/** Applies one override in place on a gap-filled piece list. */
function applyOverride(pieces: Piece[], o: CompiledOverride): void {
  const lo = firstEndingAfter(pieces, o.start);
  let hi = lo;
  while (hi < pieces.length && pieces[hi]!.start < o.end) hi++;
  if (hi === lo) return;
  const key = `override:${o.id}`;
  const source: SegmentSource = Object.freeze({ kind: "override", overrideId: o.id });
  const replacement: Piece[] = [];
  for (let i = lo; i < hi; i++) {
    const p = pieces[i]!;
    if (o.replaces !== null && p.personId !== o.replaces) {
      replacement.push(p);
      continue;
    }
    if (p.start < o.start) replacement.push({ ...p, end: o.start });
    replacement.push({ start: Math.max(p.start, o.start), end: Math.min(p.end, o.end), personId: o.personId, key, source });
    if (p.end > o.end) replacement.push({ ...p, start: o.end });
  }
  pieces.splice(lo, hi - lo, ...replacement);
}

function requireId(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") {
    throw new DomainError("invalid_input", `${field} is required`, { field });
  }
  return value;
}

function compileOverrides(overrides: readonly Override[], window: Span): CompiledOverride[] {
  if (!Array.isArray(overrides)) throw new DomainError("invalid_input", "overrides must be a list", { field: "overrides" });
  const seen = new Set<string>();
  const out: CompiledOverride[] = [];
  overrides.forEach((o: Override, i: number) => {
    const field = `overrides.${i}`;
    const id = requireId(o?.id, `${field}.id`);
    if (seen.has(id)) throw new DomainError("invalid_input", `${field}.id repeats ${id}`, { field: `${field}.id` });
    seen.add(id);
    const span = intervalSpan(o, field);
    const createdAt = instantMs(o.createdAt, `${field}.createdAt`);
    const personId = requireId(o.personId, `${field}.personId`);
    const replaces = o.replacesPersonId === undefined ? null : requireId(o.replacesPersonId, `${field}.replacesPersonId`);
    const start = Math.max(span.start, window.start);
    const end = Math.min(span.end, window.end);
    if (end > start) out.push({ id, start, end, createdAt, personId, replaces });
  });
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Validates the layers of a schedule (ids, rotations) for write paths.
 * Fields: `layers.2.id`, `layers.0.rotation.turn.count`, ...
 */
export function compileLayers(
  layers: readonly ScheduleLayer[],
  context = new TimeContext(),
): { id: string; rotationId: string | undefined; rotation: CompiledRotation }[] {
  if (!Array.isArray(layers)) throw new DomainError("invalid_input", "layers must be a list", { field: "layers" });
  const seen = new Set<string>();
  return layers.map((layer: ScheduleLayer, i: number) => {
    const id = requireId(layer?.id, `layers.${i}.id`);
    if (seen.has(id)) throw new DomainError("invalid_input", `layers.${i}.id repeats ${id}`, { field: `layers.${i}.id` });
    seen.add(id);
    return { id, rotationId: layer.rotation?.id, rotation: compileRotation(layer.rotation, `layers.${i}.rotation`, context) };
  });
}

/**
 * Who is on call over [from, to): layers (highest priority first) composed,
 * then overrides (newest wins), as ordered segments covering the window
 * exactly with explicit gaps. Handoffs follow the rotation DST rules: day
 * and week handoffs are at the wall-clock handoff time (gap -> transition,
 * ambiguous -> earlier offset); hour turns are real time.
 */
export function computeSchedule(input: ScheduleInput, context = new TimeContext()): ScheduleResult {
  const window = windowSpan(input?.window);
  const layers = compileLayers(input.layers, context);
  const overrides = compileOverrides(input.overrides ?? [], window);
  const result = { from: new Date(window.start), to: new Date(window.end), segments: [] as Segment[] };
  if (window.end <= window.start) return result;

  // Lowest priority first, each layer painted over the ones below it.
  let pieces: Piece[] = [];
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    const source: SegmentSource = Object.freeze(
      layer.rotationId === undefined
        ? { kind: "layer", layerId: layer.id }
        : { kind: "layer", layerId: layer.id, rotationId: layer.rotationId },
    );
    const key = `layer:${layer.id}`;
    const shifts = layer.rotation.shifts(window).map(
      (s): Piece => ({ start: s.start, end: s.end, personId: s.personId, key, source }),
    );
    pieces = i === layers.length - 1 ? shifts : overlay(pieces, shifts);
  }
  pieces = withGaps(pieces, window);
  for (const o of overrides) applyOverride(pieces, o);

  const merged: Piece[] = [];
  for (const p of pieces) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.end === p.start && last.personId === p.personId && last.key === p.key) {
      merged[merged.length - 1] = { ...last, end: p.end };
    } else {
      merged.push(p);
    }
  }
  result.segments = merged.map((p) => ({
    personId: p.personId,
    start: new Date(p.start),
    end: new Date(p.end),
    source: p.source,
  }));
  return result;
}

function indexAt(result: ScheduleResult, t: number): number {
  const segments = result.segments;
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid]!.end.getTime() <= t) lo = mid + 1;
    else hi = mid;
  }
  const segment = segments[lo];
  return segment !== undefined && segment.start.getTime() <= t ? lo : -1;
}

/**
 * The segment at instant `at` (a gap segment has personId null), or null
 * when `at` is outside the computed window.
 */
export function whoIsOn(result: ScheduleResult, at: Date): Segment | null {
  const i = indexAt(result, instantMs(at, "at"));
  return i < 0 ? null : result.segments[i]!;
}

/**
 * The next segment after `at` whose person is someone other than the one
 * on at `at` (after a gap: the next person at all). Null when no one else
 * comes on before the end of the computed window: the window's `to` is the
 * lookahead.
 */
export function whoIsNext(result: ScheduleResult, at: Date): Segment | null {
  const i = indexAt(result, instantMs(at, "at"));
  if (i < 0) return null;
  const current = result.segments[i]!.personId;
  for (let k = i + 1; k < result.segments.length; k++) {
    const s = result.segments[k]!;
    if (s.personId !== null && s.personId !== current) return s;
  }
  return null;
}

export interface OnCallLookup {
  /** Segment at `at` (personId null in a gap). Its start is exact unless it equals `window.from` (clipped). */
  current: Segment | null;
  next: Segment | null;
  window: TimeWindow;
}

/**
 * "Who is on at T, since when, until when, and who is next": one
 * computeSchedule over [at - lookbackMs, at + lookaheadMs) (default 35 days
 * each way), read with whoIsOn/whoIsNext.
 */
export function onCallAt(
  input: Omit<ScheduleInput, "window">,
  at: Date,
  options: { lookbackMs?: number; lookaheadMs?: number } = {},
  context = new TimeContext(),
): OnCallLookup {
  const t = instantMs(at, "at");
  const lookback = options.lookbackMs ?? 35 * DAY_MS;
  const lookahead = options.lookaheadMs ?? 35 * DAY_MS;
  if (!(lookback >= 0) || !(lookahead > 0)) {
    throw new DomainError("invalid_window", "lookback must be >= 0 and lookahead > 0", { field: "lookaheadMs" });
  }
  const window = { from: new Date(t - lookback), to: new Date(t + lookahead) };
  const result = computeSchedule({ ...input, window }, context);
  return { current: whoIsOn(result, at), next: whoIsNext(result, at), window };
}
