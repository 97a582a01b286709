import { DomainError } from "./errors.ts";

/**
 * Half-open span of UTC instants, [start, end): `start` is inside, `end` is
 * not, so back-to-back intervals touch without overlapping.
 */
export interface Interval {
  readonly start: Date;
  readonly end: Date;
}

/** A query range [from, to). `from === to` is a valid, empty window. */
export interface TimeWindow {
  readonly from: Date;
  readonly to: Date;
}

/** An interval in epoch milliseconds, used inside the domain for speed. */
export interface Span {
  start: number;
  end: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------
// Boundary checks (Date in, validated epoch ms out)

/** Epoch ms of a valid Date; `invalid_instant` otherwise. */
export function instantMs(value: unknown, field: string): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new DomainError("invalid_instant", `${field} must be a valid instant`, { field });
  }
  return ms;
}

/** Validates [start, end) with end > start (`invalid_interval` names `${field}.end`). */
export function intervalSpan(value: Interval, field: string): Span {
  const start = instantMs(value?.start, `${field}.start`);
  const end = instantMs(value?.end, `${field}.end`);
  if (end <= start) {
    throw new DomainError("invalid_interval", `${field}: end must be after start`, { field: `${field}.end` });
  }
  return { start, end };
}

/** Validates a window: `to` before `from` is `invalid_window`; equal is empty. */
export function windowSpan(window: TimeWindow, field = "window"): Span {
  const start = instantMs(window?.from, `${field}.from`);
  const end = instantMs(window?.to, `${field}.to`);
  if (end < start) {
    throw new DomainError("invalid_window", `${field}: to must not be before from`, { field: `${field}.to` });
  }
  return { start, end };
}

export function toInterval(span: Span): Interval {
  return { start: new Date(span.start), end: new Date(span.end) };
}

function spansOf(intervals: readonly Interval[], field: string): Span[] {
  if (!Array.isArray(intervals)) throw new DomainError("invalid_input", `${field} must be a list`, { field });
  return intervals.map((interval, index) => intervalSpan(interval, `${field}.${index}`));
}

// ---------------------------------------------------------------------------
// Span algebra (epoch ms). "Normalized" = sorted, disjoint, non-touching,
// non-empty: the canonical form of a set of instants.

/** Union of spans as a normalized list; touching spans join. Empty spans vanish. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && s.start <= last.end) {
      if (s.end > last.end) last.end = s.end;
    } else {
      out.push({ start: s.start, end: s.end });
    }
  }
  return out;
}

/** a minus b, both normalized; result normalized. Linear. */
export function subtractSpans(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let j = 0;
  for (const s of a) {
    let cursor = s.start;
    while (j < b.length && b[j]!.end <= cursor) j++;
    let k = j;
    while (k < b.length && b[k]!.start < s.end) {
      const cut = b[k]!;
      if (cut.start > cursor) out.push({ start: cursor, end: cut.start });
      if (cut.end > cursor) cursor = cut.end;
      if (cursor >= s.end) break;
      k++;
    }
    if (cursor < s.end) out.push({ start: cursor, end: s.end });
  }
  return out;
}

/** a ∩ b, both normalized; result normalized. Linear. */
export function intersectSpans(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (end > start) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

/** Each span cut to the window, empties dropped, order kept (no merging). */
export function clipSpans(spans: readonly Span[], window: Span): Span[] {
  const out: Span[] = [];
  for (const s of spans) {
    const start = Math.max(s.start, window.start);
    const end = Math.min(s.end, window.end);
    if (end > start) out.push({ start, end });
  }
  return out;
}

/** Parts of the window covered by none of the spans (spans in any order). */
export function gapSpans(spans: readonly Span[], window: Span): Span[] {
  if (window.end <= window.start) return [];
  return subtractSpans([{ start: window.start, end: window.end }], mergeSpans(spans));
}

// ---------------------------------------------------------------------------
// Public Date API: validates input (zero-length or inverted intervals are
// `invalid_interval` with the index in `field`), returns fresh Dates.

/** Union of intervals, sorted; overlapping and touching intervals join. */
export function mergeIntervals(intervals: readonly Interval[], field = "intervals"): Interval[] {
  return mergeSpans(spansOf(intervals, field)).map(toInterval);
}

/** Instants in `from` but not in `remove`, as a merged sorted list. */
export function subtractIntervals(from: readonly Interval[], remove: readonly Interval[]): Interval[] {
  return subtractSpans(mergeSpans(spansOf(from, "from")), mergeSpans(spansOf(remove, "remove"))).map(toInterval);
}

/** Instants in both lists, as a merged sorted list. */
export function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  return intersectSpans(mergeSpans(spansOf(a, "a")), mergeSpans(spansOf(b, "b"))).map(toInterval);
}

/** Each interval cut to [from, to); those outside are dropped, order kept. */
export function clipIntervals(intervals: readonly Interval[], window: TimeWindow): Interval[] {
  return clipSpans(spansOf(intervals, "intervals"), windowSpan(window)).map(toInterval);
}

/**
 * Each interval split at every boundary strictly inside it (e.g. local
 * midnights from `localDayBounds`), order kept. Pieces are never empty.
 */
export function splitIntervals(intervals: readonly Interval[], boundaries: readonly Date[]): Interval[] {
  const cuts = [...new Set(boundaries.map((b, i) => instantMs(b, `boundaries.${i}`)))].sort((a, b) => a - b);
  const out: Interval[] = [];
  for (const s of spansOf(intervals, "intervals")) {
    let cursor = s.start;
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cuts[mid]! <= s.start) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < cuts.length && cuts[k]! < s.end; k++) {
      out.push(toInterval({ start: cursor, end: cuts[k]! }));
      cursor = cuts[k]!;
    }
    out.push(toInterval({ start: cursor, end: s.end }));
  }
  return out;
}

/**
 * Parts of [from, to) covered by no interval, sorted. An empty window has no
 * gaps; no intervals means the whole window is one gap; touching intervals
 * leave no gap between them.
 */
export function findGaps(intervals: readonly Interval[], window: TimeWindow): Interval[] {
  return gapSpans(spansOf(intervals, "intervals"), windowSpan(window)).map(toInterval);
}

/** Total length in ms of the union of the intervals (overlaps count once). */
export function totalDurationMs(intervals: readonly Interval[]): number {
  let total = 0;
  for (const s of mergeSpans(spansOf(intervals, "intervals"))) total += s.end - s.start;
  return total;
}

/** True when [a) and [b) share at least one instant (touching is not overlapping). */
export function intervalsOverlap(a: Interval, b: Interval): boolean {
  const x = intervalSpan(a, "a");
  const y = intervalSpan(b, "b");
  return x.start < y.end && y.start < x.end;
}
