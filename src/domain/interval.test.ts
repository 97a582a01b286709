import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Interval,
  clipIntervals,
  findGaps,
  intersectIntervals,
  intervalsOverlap,
  mergeIntervals,
  splitIntervals,
  subtractIntervals,
  totalDurationMs,
} from "./interval.ts";
import { domainError } from "./testing.ts";

// Minutes after 2026-01-01T00:00Z, to keep the tables readable.
const BASE = Date.UTC(2026, 0, 1);
const at = (minute: number) => new Date(BASE + minute * 60_000);
const iv = (start: number, end: number): Interval => ({ start: at(start), end: at(end) });
const minutes = (list: Interval[]) =>
  list.map((i) => [(i.start.getTime() - BASE) / 60_000, (i.end.getTime() - BASE) / 60_000]);
const win = (from: number, to: number) => ({ from: at(from), to: at(to) });


describe("merge", () => {
  it.each([
    ["nothing", [], []],
    ["one", [[0, 10]], [[0, 10]]],
    ["overlapping, unsorted", [[5, 15], [0, 10]], [[0, 15]]],
    ["touching join", [[0, 10], [10, 20]], [[0, 20]]],
    ["contained", [[0, 30], [10, 20]], [[0, 30]]],
    ["apart stay apart", [[0, 10], [11, 20]], [[0, 10], [11, 20]]],
    ["duplicates", [[3, 4], [3, 4]], [[3, 4]]],
  ])("%s", (_name, input, expected) => {
    expect(minutes(mergeIntervals(input.map(([s, e]) => iv(s!, e!))))).toEqual(expected);
  });
});

describe("subtract, intersect, clip, split", () => {
  it("subtracting a lunch break splits the working day", () => {
    expect(minutes(subtractIntervals([iv(540, 1020)], [iv(720, 780)]))).toEqual([
      [540, 720],
      [780, 1020],
    ]);
  });

  it("subtracting what covers everything leaves nothing; disjoint removal changes nothing", () => {
    expect(subtractIntervals([iv(10, 20)], [iv(0, 30)])).toEqual([]);
    expect(minutes(subtractIntervals([iv(10, 20)], [iv(20, 30), iv(0, 10)]))).toEqual([[10, 20]]);
  });

  it("intersection keeps only shared instants; touching shares none", () => {
    expect(minutes(intersectIntervals([iv(0, 10), iv(20, 30)], [iv(5, 25)]))).toEqual([
      [5, 10],
      [20, 25],
    ]);
    expect(intersectIntervals([iv(0, 10)], [iv(10, 20)])).toEqual([]);
  });

  it("clip cuts each interval to the window and drops the outside ones, order kept", () => {
    expect(minutes(clipIntervals([iv(50, 70), iv(0, 10), iv(5, 60), iv(60, 70)], win(8, 55)))).toEqual([
      [50, 55],
      [8, 10],
      [8, 55],
    ]);
    expect(clipIntervals([iv(0, 10)], win(10, 20))).toEqual([]);
  });

  it("split cuts at boundaries strictly inside, never producing empty pieces", () => {
    const out = splitIntervals([iv(0, 100), iv(200, 210)], [at(50), at(0), at(100), at(205), at(50)]);
    expect(minutes(out)).toEqual([
      [0, 50],
      [50, 100],
      [200, 205],
      [205, 210],
    ]);
  });

  it("total duration counts overlaps once; overlap test ignores touching", () => {
    expect(totalDurationMs([iv(0, 10), iv(5, 15), iv(20, 21)])).toBe(16 * 60_000);
    expect(intervalsOverlap(iv(0, 10), iv(9, 20))).toBe(true);
    expect(intervalsOverlap(iv(0, 10), iv(10, 20))).toBe(false);
  });
});

describe("gaps in a window", () => {
  it.each([
    ["no intervals: the whole window", [], [0, 60], [[0, 60]]],
    ["empty window: no gaps", [[0, 10]], [30, 30], []],
    ["empty window and no intervals", [], [30, 30], []],
    ["touching intervals leave no gap", [[0, 30], [30, 60]], [0, 60], []],
    ["open edges", [[10, 20]], [0, 60], [[0, 10], [20, 60]]],
    ["intervals sticking out of the window", [[-10, 5], [50, 90]], [0, 60], [[5, 50]]],
    ["intervals outside the window", [[100, 200]], [0, 60], [[0, 60]]],
    ["overlapping, unsorted", [[40, 50], [10, 30], [25, 45]], [0, 60], [[0, 10], [50, 60]]],
  ])("%s", (_name, input, [from, to], expected) => {
    expect(minutes(findGaps(input.map(([s, e]) => iv(s!, e!)), win(from!, to!)))).toEqual(expected);
  });

  it("a one-millisecond gap is found", () => {
    const gaps = findGaps(
      [
        { start: at(0), end: new Date(at(10).getTime() - 1) },
        { start: at(10), end: at(20) },
      ],
      win(0, 20),
    );
    expect(gaps).toEqual([{ start: new Date(at(10).getTime() - 1), end: at(10) }]);
  });
});

describe("bad input", () => {
  it("a zero-length interval is rejected with its index", () => {
    const error = domainError(() => mergeIntervals([iv(0, 10), iv(5, 5)]));
    expect(error.code).toBe("invalid_interval");
    expect(error.field).toBe("intervals.1.end");
  });

  it("end before start is rejected", () => {
    expect(domainError(() => findGaps([iv(10, 0)], win(0, 20))).code).toBe("invalid_interval");
  });

  it("a window ending before it starts is invalid_window", () => {
    const error = domainError(() => findGaps([], win(20, 10)));
    expect(error.code).toBe("invalid_window");
    expect(error.field).toBe("window.to");
  });

  it("an invalid Date is invalid_instant", () => {
    const error = domainError(() => mergeIntervals([{ start: new Date(Number.NaN), end: at(1) }]));
    expect(error.code).toBe("invalid_instant");
    expect(error.field).toBe("intervals.0.start");
  });
});

// Model: a set of integer minutes in [0, 64) as a boolean array; an interval
// [s, e) covers minutes s..e-1. Every operation is checked pointwise.
describe("interval algebra (property)", () => {
  const SIZE = 64;
  const arbInterval = fc
    .tuple(fc.integer({ min: 0, max: SIZE - 1 }), fc.integer({ min: 1, max: 20 }))
    .map(([s, len]) => [s, Math.min(SIZE, s + len)] as const);
  const arbList = fc.array(arbInterval, { maxLength: 8 });
  const toIntervals = (list: readonly (readonly [number, number])[]) => list.map(([s, e]) => iv(s, e));
  const model = (list: readonly (readonly [number, number])[]) => {
    const set = new Array<boolean>(SIZE).fill(false);
    for (const [s, e] of list) for (let m = s; m < e; m++) set[m] = true;
    return set;
  };
  const modelOf = (list: Interval[]) => model(minutes(list) as [number, number][]);
  const normalized = (list: Interval[]) =>
    list.every((i, k) => i.end > i.start && (k === 0 || list[k - 1]!.end < i.start));

  it("merge covers the same instants, sorted, disjoint and non-touching", () => {
    fc.assert(
      fc.property(arbList, (list) => {
        const merged = mergeIntervals(toIntervals(list));
        expect(normalized(merged)).toBe(true);
        expect(modelOf(merged)).toEqual(model(list));
      }),
    );
  });

  it("subtract and intersect agree with set difference and intersection", () => {
    fc.assert(
      fc.property(arbList, arbList, (a, b) => {
        const ma = model(a);
        const mb = model(b);
        const diff = subtractIntervals(toIntervals(a), toIntervals(b));
        const both = intersectIntervals(toIntervals(a), toIntervals(b));
        expect(normalized(diff) && normalized(both)).toBe(true);
        expect(modelOf(diff)).toEqual(ma.map((x, i) => x && !mb[i]));
        expect(modelOf(both)).toEqual(ma.map((x, i) => x && mb[i]));
      }),
    );
  });

  it("gaps and the clipped intervals partition the window: each minute exactly once", () => {
    fc.assert(
      fc.property(arbList, fc.integer({ min: 0, max: SIZE }), fc.integer({ min: 0, max: SIZE }), (list, x, y) => {
        const [from, to] = x <= y ? [x, y] : [y, x];
        const gaps = findGaps(toIntervals(list), win(from, to));
        const covered = mergeIntervals(clipIntervals(toIntervals(list), win(from, to)));
        const g = modelOf(gaps);
        const c = modelOf(covered);
        for (let m = 0; m < SIZE; m++) {
          const inWindow = m >= from && m < to;
          expect(Number(g[m]) + Number(c[m])).toBe(inWindow ? 1 : 0);
        }
      }),
    );
  });

  it("split keeps the instants of each interval and cuts at every inner boundary", () => {
    fc.assert(
      fc.property(arbList, fc.array(fc.integer({ min: 0, max: SIZE }), { maxLength: 6 }), (list, cuts) => {
        const pieces = splitIntervals(toIntervals(list), cuts.map(at));
        expect(totalDurationMs(pieces.length ? pieces : [])).toBe(totalDurationMs(toIntervals(list)));
        const lengths = pieces.reduce((sum, p) => sum + p.end.getTime() - p.start.getTime(), 0);
        const expected = list.reduce((sum, [s, e]) => sum + (e - s) * 60_000, 0);
        expect(lengths).toBe(expected);
        for (const p of pieces) {
          for (const c of cuts) expect(at(c) > p.start && at(c) < p.end).toBe(false);
        }
      }),
    );
  });
});
