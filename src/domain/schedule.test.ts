import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { type Rotation, rotationShifts } from "./rotation.ts";
import {
  type Override,
  type ScheduleLayer,
  type ScheduleResult,
  type Segment,
  computeSchedule,
  onCallAt,
  whoIsNext,
  whoIsOn,
} from "./schedule.ts";
import type { Weekday } from "./weekly.ts";
import { domainError, luxonOffsetChanges, offsetLookup } from "./testing.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 86_400_000;
const LA = "America/Los_Angeles";
const WEEKDAYS: Weekday[] = ["mon", "tue", "wed", "thu", "fri"];
const ZONES = ["America/Los_Angeles", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"];


const people = (...ids: string[]) => ids.map((personId) => ({ personId }));
const at = (iso: string, zone = LA) => DateTime.fromISO(iso, { zone }).toJSDate();
const localWindow = (from: string, to: string, zone = LA) => ({ from: at(from, zone), to: at(to, zone) });
const fmt = (d: Date, zone = LA) => DateTime.fromJSDate(d, { zone }).toFormat("ccc HH:mm");
const describeSegments = (segments: Segment[], zone = LA) =>
  segments.map((s) => {
    const source = s.source.kind === "layer" ? s.source.layerId : s.source.kind === "override" ? s.source.overrideId : "gap";
    return `${s.personId ?? "-"} ${fmt(s.start, zone)}-${fmt(s.end, zone)} ${source}`;
  });

const business: ScheduleLayer = {
  id: "business",
  rotation: {
    id: "rot-business",
    participants: people("alice", "bob"),
    turn: { unit: "days", count: 1 },
    handoffTime: "09:00",
    zone: LA,
    startDate: "2026-03-02",
    restrictions: [{ days: WEEKDAYS, start: "09:00", end: "17:00" }],
  },
};
const backstop: ScheduleLayer = {
  id: "backstop",
  rotation: { participants: people("xavier", "yolanda"), turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", zone: LA, startDate: "2026-03-02" },
};

/** Coverage invariant: ordered, contiguous, non-empty, covering [from, to), merged. */
function expectExactCover(result: ScheduleResult) {
  const { segments } = result;
  expect(segments[0]!.start).toEqual(result.from);
  expect(segments[segments.length - 1]!.end).toEqual(result.to);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    expect(s.end.getTime()).toBeGreaterThan(s.start.getTime());
    expect(s.personId === null).toBe(s.source.kind === "gap");
    if (i > 0) {
      const prev = segments[i - 1]!;
      expect(s.start).toEqual(prev.end);
      expect(prev.personId === s.personId && JSON.stringify(prev.source) === JSON.stringify(s.source)).toBe(false);
    }
  }
}

describe("layers", () => {
  it("the higher layer wins where it has someone; the lower one fills the rest", () => {
    const result = computeSchedule({ layers: [business, backstop], window: localWindow("2026-03-06", "2026-03-10") });
    expectExactCover(result);
    expect(describeSegments(result.segments)).toEqual([
      "xavier Fri 00:00-Fri 09:00 backstop",
      "alice Fri 09:00-Fri 17:00 business",
      "xavier Fri 17:00-Mon 09:00 backstop", // weekly handoff to yolanda is Monday 09:00 too
      "bob Mon 09:00-Mon 17:00 business",
      "yolanda Mon 17:00-Tue 00:00 backstop",
    ]);
  });

  it("where no layer has anyone the gap is explicit", () => {
    const result = computeSchedule({ layers: [business], window: localWindow("2026-03-06", "2026-03-07") });
    expectExactCover(result);
    expect(describeSegments(result.segments)).toEqual(["- Fri 00:00-Fri 09:00 gap", "alice Fri 09:00-Fri 17:00 business", "- Fri 17:00-Sat 00:00 gap"]);
    expect(result.segments[1]!.source).toEqual({ kind: "layer", layerId: "business", rotationId: "rot-business" });
  });

  it("consecutive turns of the same person from the same layer are one segment", () => {
    const solo: ScheduleLayer = { id: "solo", rotation: { ...backstop.rotation, participants: people("zoe") } };
    const result = computeSchedule({ layers: [solo], window: localWindow("2026-03-01", "2026-04-01") });
    expect(describeSegments(result.segments)).toEqual(["- Sun 00:00-Mon 09:00 gap", "zoe Mon 09:00-Wed 00:00 solo"]);
  });

  it("no layers: one gap; an empty window: no segments", () => {
    const window = localWindow("2026-03-06", "2026-03-07");
    expect(computeSchedule({ layers: [], window }).segments).toEqual([{ personId: null, start: window.from, end: window.to, source: { kind: "gap" } }]);
    expect(computeSchedule({ layers: [business], window: { from: window.from, to: window.from } }).segments).toEqual([]);
  });

  it("a 00:00-06:00 night layer is on 7 real hours on fall-back night and 5 on spring-forward night", () => {
    const nights: ScheduleLayer = {
      id: "nights",
      rotation: { ...backstop.rotation, startDate: "2026-01-05", restrictions: [{ days: ["sun"], start: "00:00", end: "06:00" }] },
    };
    for (const [date, hours] of [
      ["2026-11-01", 7],
      ["2026-03-08", 5],
      ["2026-03-15", 6],
    ] as const) {
      const result = computeSchedule({ layers: [nights], window: localWindow(date, `${date}T12:00`) });
      const on = result.segments.filter((s) => s.personId !== null);
      expect(on.map((s) => (s.end.getTime() - s.start.getTime()) / HOUR)).toEqual([hours]);
    }
  });
});

describe("overrides", () => {
  const window = localWindow("2026-03-06", "2026-03-07");
  const override = (id: string, personId: string, from: string, to: string, created: string, extra: Partial<Override> = {}): Override => ({
    id,
    personId,
    start: at(from),
    end: at(to),
    createdAt: new Date(created),
    ...extra,
  });

  it("an override replaces whoever is on, gaps included", () => {
    const result = computeSchedule({ layers: [business], overrides: [override("o1", "sam", "2026-03-06T16:00", "2026-03-06T20:00", "2026-03-01T00:00:00Z")], window });
    expectExactCover(result);
    expect(describeSegments(result.segments)).toEqual(["- Fri 00:00-Fri 09:00 gap", "alice Fri 09:00-Fri 16:00 business", "sam Fri 16:00-Fri 20:00 o1", "- Fri 20:00-Sat 00:00 gap"]);
  });

  it("with replacesPersonId it only replaces that person (a vacation substitute)", () => {
    const result = computeSchedule({
      layers: [business, backstop],
      overrides: [override("vac", "sam", "2026-03-06T00:00", "2026-03-07T00:00", "2026-03-01T00:00:00Z", { replacesPersonId: "alice" })],
      window,
    });
    expect(describeSegments(result.segments)).toEqual(["xavier Fri 00:00-Fri 09:00 backstop", "sam Fri 09:00-Fri 17:00 vac", "xavier Fri 17:00-Sat 00:00 backstop"]);
  });

  it("overlapping overrides: the newest wins, whatever the input order; equal createdAt falls back to id", () => {
    const older = override("b-old", "olga", "2026-03-06T10:00", "2026-03-06T14:00", "2026-03-01T00:00:00Z");
    const newer = override("a-new", "nina", "2026-03-06T12:00", "2026-03-06T13:00", "2026-03-02T00:00:00Z");
    for (const overrides of [
      [older, newer],
      [newer, older],
    ]) {
      const result = computeSchedule({ layers: [business], overrides, window });
      expect(describeSegments(result.segments).slice(1, 5)).toEqual([
        "alice Fri 09:00-Fri 10:00 business",
        "olga Fri 10:00-Fri 12:00 b-old",
        "nina Fri 12:00-Fri 13:00 a-new",
        "olga Fri 13:00-Fri 14:00 b-old",
      ]);
    }
    const tie = computeSchedule({ layers: [business], overrides: [{ ...older, createdAt: newer.createdAt }, newer], window });
    // Same createdAt: applied by id, "a-new" then "b-old", so b-old ends on top.
    expect(describeSegments(tie.segments).slice(1, 3)).toEqual(["alice Fri 09:00-Fri 10:00 business", "olga Fri 10:00-Fri 14:00 b-old"]);
  });

  it("a substitute can be substituted in turn (newer replacesPersonId sees the older override)", () => {
    const result = computeSchedule({
      layers: [business],
      overrides: [
        override("vac", "sam", "2026-03-06T00:00", "2026-03-07T00:00", "2026-03-01T00:00:00Z", { replacesPersonId: "alice" }),
        override("swap", "tom", "2026-03-06T12:00", "2026-03-06T13:00", "2026-03-02T00:00:00Z", { replacesPersonId: "sam" }),
      ],
      window,
    });
    expect(describeSegments(result.segments).slice(1, 4)).toEqual(["sam Fri 09:00-Fri 12:00 vac", "tom Fri 12:00-Fri 13:00 swap", "sam Fri 13:00-Fri 17:00 vac"]);
  });

  it("overrides outside the window are ignored; ones sticking out are clipped", () => {
    const result = computeSchedule({
      layers: [],
      overrides: [override("out", "x", "2026-03-08T00:00", "2026-03-08T05:00", "2026-03-01T00:00:00Z"), override("edge", "y", "2026-03-05T20:00", "2026-03-06T02:00", "2026-03-01T00:00:00Z")],
      window,
    });
    expect(describeSegments(result.segments)).toEqual(["y Fri 00:00-Fri 02:00 edge", "- Fri 02:00-Sat 00:00 gap"]);
  });
});

describe("who is on, who is next", () => {
  const input = { layers: [business, backstop], overrides: [] };
  const result = computeSchedule({ ...input, window: localWindow("2026-03-06", "2026-03-13") });

  it("one function answers now, since/until and next", () => {
    const now = whoIsOn(result, at("2026-03-06T12:00"))!;
    expect([now.personId, fmt(now.start), fmt(now.end)]).toEqual(["alice", "Fri 09:00", "Fri 17:00"]);
    const next = whoIsNext(result, at("2026-03-06T12:00"))!;
    expect([next.personId, fmt(next.start)]).toEqual(["xavier", "Fri 17:00"]);
    const weekend = whoIsNext(result, at("2026-03-07T12:00"))!;
    expect([weekend.personId, fmt(weekend.start)]).toEqual(["bob", "Mon 09:00"]);
  });

  it("outside the window there is no answer; with no one else in the lookahead, next is null", () => {
    expect(whoIsOn(result, at("2026-03-20T12:00"))).toBeNull();
    const solo = computeSchedule({ layers: [{ id: "s", rotation: { ...backstop.rotation, participants: people("zoe") } }], window: localWindow("2026-03-06", "2026-03-13") });
    expect(whoIsNext(solo, at("2026-03-06T12:00"))).toBeNull();
  });

  it("in a gap, next is whoever comes on first", () => {
    const gaps = computeSchedule({ layers: [business], window: localWindow("2026-03-06", "2026-03-13") });
    expect(whoIsOn(gaps, at("2026-03-06T20:00"))!.source).toEqual({ kind: "gap" });
    expect(whoIsNext(gaps, at("2026-03-06T20:00"))!.personId).toBe("bob");
  });

  it("onCallAt looks back and ahead (35 days by default) around T", () => {
    const lookup = onCallAt(input, at("2026-03-10T12:00"));
    expect(lookup.current!.personId).toBe("alice");
    expect(fmt(lookup.current!.start)).toBe("Tue 09:00");
    expect(lookup.next!.personId).toBe("yolanda");
    expect(lookup.window.to.getTime() - lookup.window.from.getTime()).toBe(70 * DAY);
  });
});

describe("bad input", () => {
  const window = localWindow("2026-03-06", "2026-03-07");
  it.each([
    ["duplicate layer id", { layers: [business, { ...backstop, id: "business" }], window }, "invalid_input", "layers.1.id"],
    ["invalid rotation in a layer", { layers: [business, { ...backstop, rotation: { ...backstop.rotation, turn: { unit: "days", count: 0 } } }], window }, "invalid_turn_length", "layers.1.rotation.turn.count"],
    ["unknown zone in a layer", { layers: [{ ...business, rotation: { ...business.rotation, zone: "Mars/Base" } }], window }, "unknown_time_zone", "layers.0.rotation.zone"],
    ["override ending before it starts", { layers: [], overrides: [{ id: "o", personId: "p", start: at("2026-03-06T10:00"), end: at("2026-03-06T10:00"), createdAt: new Date(0) }], window }, "invalid_interval", "overrides.0.end"],
    ["override without person", { layers: [], overrides: [{ id: "o", personId: "", start: at("2026-03-06T10:00"), end: at("2026-03-06T11:00"), createdAt: new Date(0) }], window }, "invalid_input", "overrides.0.personId"],
    ["window backwards", { layers: [], window: { from: window.to, to: window.from } }, "invalid_window", "window.to"],
  ])("%s", (_name, input, code, field) => {
    const error = domainError(() => computeSchedule(input as Parameters<typeof computeSchedule>[0]));
    expect([error.code, error.field]).toEqual([code, field]);
  });
});

// ---------------------------------------------------------------------------
// Composition against a pointwise model (property): at any instant the
// result is the first layer with someone on, then every override that
// covers the instant, oldest first (a replacing one only if its person is on).

function modelAt(layers: ScheduleLayer[], overrides: Override[], window: { from: Date; to: Date }) {
  const shifts = layers.map((l) => rotationShifts(l.rotation, window));
  const ordered = [...overrides].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return (t: number): { personId: string | null; source: string } => {
    let personId: string | null = null;
    let source = "gap";
    for (let i = 0; i < layers.length; i++) {
      const s = shifts[i]!.find((x) => x.start.getTime() <= t && t < x.end.getTime());
      if (s) {
        personId = s.personId;
        source = `layer:${layers[i]!.id}`;
        break;
      }
    }
    for (const o of ordered) {
      if (o.start.getTime() <= t && t < o.end.getTime() && (o.replacesPersonId === undefined || o.replacesPersonId === personId)) {
        personId = o.personId;
        source = `override:${o.id}`;
      }
    }
    return { personId, source };
  };
}
const sourceKey = (s: Segment) => (s.source.kind === "layer" ? `layer:${s.source.layerId}` : s.source.kind === "override" ? `override:${s.source.overrideId}` : "gap");

describe("layers and overrides (property)", () => {
  // Start near a DST change now and then.
  const anchors = [Date.UTC(2026, 2, 6), Date.UTC(2026, 9, 30), Date.UTC(2026, 3, 3), Date.UTC(2026, 8, 25), Date.UTC(2026, 5, 10)];
  const person = fc.constantFrom("ann", "ben", "cat", "dan", "eve");
  const time = fc.integer({ min: 0, max: 47 }).map((h) => `${String(Math.floor(h / 2)).padStart(2, "0")}:${h % 2 ? "30" : "00"}`);
  const arbRotation: fc.Arbitrary<Rotation> = fc.record({
    participants: fc.array(person, { minLength: 1, maxLength: 4 }).map((ids) => people(...ids)),
    turn: fc.record({ unit: fc.constantFrom("hours" as const, "days" as const, "weeks" as const), count: fc.integer({ min: 1, max: 3 }) }),
    handoffTime: time,
    zone: fc.constantFrom(...ZONES),
    startDate: fc.constantFrom("2026-02-27", "2026-03-05", "2026-04-01", "2026-09-20", "2026-10-28"),
    restrictions: fc.option(
      fc.array(fc.record({ days: fc.uniqueArray(fc.constantFrom<Weekday>("mon", "tue", "wed", "thu", "fri", "sat", "sun"), { minLength: 1 }), start: time, end: time }), { minLength: 1, maxLength: 2 }),
      { nil: undefined },
    ),
  });
  const arbCase = fc
    .record({
      anchor: fc.constantFrom(...anchors),
      offsetHours: fc.integer({ min: 0, max: 96 }),
      lengthHours: fc.integer({ min: 1, max: 24 * 9 }),
      rotations: fc.array(arbRotation, { minLength: 0, maxLength: 3 }),
      overrides: fc.array(
        fc.record({
          startHours: fc.integer({ min: -12, max: 24 * 10 }),
          lengthMinutes: fc.integer({ min: 1, max: 60 * 72 }),
          personId: person,
          createdAt: fc.integer({ min: 0, max: 5 }),
          replaces: fc.option(person, { nil: undefined }),
        }),
        { maxLength: 6 },
      ),
    })
    .map((c) => {
      const from = c.anchor + c.offsetHours * HOUR;
      const window = { from: new Date(from), to: new Date(from + c.lengthHours * HOUR) };
      const layers = c.rotations.map((rotation, i) => ({ id: `L${i}`, rotation }));
      const overrides: Override[] = c.overrides.map((o, i) => ({
        id: `O${i}`,
        personId: o.personId,
        start: new Date(c.anchor + o.startHours * HOUR),
        end: new Date(c.anchor + o.startHours * HOUR + o.lengthMinutes * MINUTE),
        createdAt: new Date(o.createdAt * 1000),
        ...(o.replaces === undefined ? {} : { replacesPersonId: o.replaces }),
      }));
      return { window, layers, overrides };
    });

  it("covers the window exactly once and matches the pointwise model at every boundary and in between", () => {
    fc.assert(
      fc.property(arbCase, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 20, maxLength: 20 }), ({ window, layers, overrides }, samples) => {
        const result = computeSchedule({ layers, overrides, window });
        expectExactCover(result);
        const model = modelAt(layers, overrides, window);
        const from = window.from.getTime();
        const to = window.to.getTime();
        const probes = new Set<number>(samples.map((x) => Math.min(to - 1, from + Math.floor(x * (to - from)))));
        for (const s of result.segments) {
          probes.add(s.start.getTime());
          probes.add(s.end.getTime() - 1);
        }
        for (const t of probes) {
          const got = whoIsOn(result, new Date(t))!;
          expect({ personId: got.personId, source: sourceKey(got) }).toEqual(model(t));
        }
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------
// Brute force: 2026-2027, every hour, six zones. Two layers (weekday business
// hours over a daily rotation) and overrides across DST nights. Expected
// values come from luxon offsets and arithmetic on local readings.

function luxonOffsets(zone: string, from: number, to: number) {
  return offsetLookup(luxonOffsetChanges(zone, from, to));
}

describe.each(ZONES)("brute force 2026-2027 in %s", (zone) => {
  const startOf = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
  const from = startOf("2026-01-01");
  const to = startOf("2028-01-01");
  const offsetAt = luxonOffsets(zone, from - 3 * DAY, to + 3 * DAY);
  const startDay = Date.UTC(2025, 11, 29) / DAY;
  const crew = ["c0", "c1", "c2"];
  const desk = ["d0", "d1", "d2", "d3", "d4"];
  const layers: ScheduleLayer[] = [
    {
      id: "desk",
      rotation: { participants: people(...desk), turn: { unit: "days", count: 1 }, handoffTime: "09:00", zone, startDate: "2025-12-29", restrictions: [{ days: WEEKDAYS, start: "09:00", end: "17:00" }] },
    },
    { id: "crew", rotation: { participants: people(...crew), turn: { unit: "days", count: 1 }, handoffTime: "09:00", zone, startDate: "2025-12-29" } },
  ];
  // DST nights (and a plain night) covered by "night-cover" 00:00-06:00 local; a week's vacation for c1.
  const nights = ["2026-03-08", "2026-03-29", "2026-04-05", "2026-09-27", "2026-10-04", "2026-10-25", "2026-11-01", "2027-06-15"];
  const overrides: Override[] = [
    ...nights.map((d, i) => ({ id: `night${i}`, personId: "night-cover", start: new Date(startOf(d)), end: new Date(startOf(`${d}T06:00`)), createdAt: new Date(2000 + i) })),
    { id: "vacation", personId: "sub", replacesPersonId: "c1", start: new Date(startOf("2026-07-01")), end: new Date(startOf("2026-07-08")), createdAt: new Date(0) },
  ];
  const result = computeSchedule({ layers, overrides, window: { from: new Date(from), to: new Date(to) } });

  function expectedAt(t: number): string | null {
    for (const o of overrides) {
      if (o.start.getTime() <= t && t < o.end.getTime() && o.replacesPersonId === undefined) return o.personId;
    }
    const local = t + offsetAt(t);
    const day = Math.floor(local / DAY);
    const minutes = (local - day * DAY) / MINUTE;
    const weekday = (((day + 3) % 7) + 7) % 7;
    const turn = day - startDay - (minutes < 540 ? 1 : 0);
    const base = weekday < 5 && minutes >= 540 && minutes < 1020 ? desk[(day - startDay) % 5]! : crew[turn % 3]!;
    const vacation = overrides[overrides.length - 1]!;
    if (base === "c1" && vacation.start.getTime() <= t && t < vacation.end.getTime()) return "sub";
    return base;
  }

  it("segments cover the window exactly once", () => {
    expectExactCover(result);
  });

  it("every hour (and every 15 min) has exactly the expected person", () => {
    let mismatches = 0;
    let checks = 0;
    let i = 0;
    for (let t = from; t < to; t += 15 * MINUTE) {
      while (result.segments[i]!.end.getTime() <= t) i++;
      const s = result.segments[i]!;
      if (!(s.start.getTime() <= t) || s.personId !== expectedAt(t)) mismatches++;
      checks++;
    }
    expect(mismatches).toBe(0);
    expect(checks).toBe((to - from) / (15 * MINUTE));
  });

  it("the on-call time of each local day equals that day's real length (23, 24 or 25 h)", () => {
    let day = DateTime.fromISO("2026-01-01", { zone });
    const lengths = new Map<number, number>();
    let i = 0;
    while (day.toMillis() < to) {
      const next = day.plus({ days: 1 });
      const start = day.toMillis();
      const end = next.toMillis();
      const realHours = next.diff(day, "hours").hours;
      while (result.segments[i]!.end.getTime() <= start) i++;
      let onCall = 0;
      for (let k = i; k < result.segments.length && result.segments[k]!.start.getTime() < end; k++) {
        const s = result.segments[k]!;
        if (s.personId !== null) onCall += Math.min(end, s.end.getTime()) - Math.max(start, s.start.getTime());
      }
      expect(onCall).toBe(realHours * HOUR);
      lengths.set(realHours, (lengths.get(realHours) ?? 0) + 1);
      day = next;
    }
    const expected = new Map<number, number>(
      zone === "Asia/Kolkata" ? [[24, 730]] : zone === "Australia/Lord_Howe" ? [[23.5, 2], [24, 726], [24.5, 2]] : [[23, 2], [24, 726], [25, 2]],
    );
    expect(lengths).toEqual(expected);
  });

  it("daily handoffs land on 09:00 local (weekends: crew hands over in the open)", () => {
    const boundaries = new Set(result.segments.map((s) => s.start.getTime()));
    let weekendDays = 0;
    for (let day = DateTime.fromISO("2026-01-01", { zone }); day.toMillis() < to; day = day.plus({ days: 1 })) {
      if (day.weekday < 6) continue;
      const handoff = day.set({ hour: 9 }).toMillis();
      expect(handoff + offsetAt(handoff) - Math.floor((handoff + offsetAt(handoff)) / DAY) * DAY).toBe(9 * HOUR);
      expect(boundaries.has(handoff)).toBe(true);
      const before = whoIsOn(result, new Date(handoff - 1))!.personId;
      const after = whoIsOn(result, new Date(handoff))!.personId;
      expect(after).not.toBe(before);
      weekendDays++;
    }
    expect(weekendDays).toBe(2 * 52 * 2); // 2026 and 2027 each have 52 Saturdays and 52 Sundays
  });
});
