import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { type Rotation, type RotationShift, rotationShifts, rotationTurns, validateRotation } from "./rotation.ts";
import { domainError, luxonOffsetChanges, offsetLookup } from "./testing.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 86_400_000;
const LA = "America/Los_Angeles";
const ZONES = ["America/Los_Angeles", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"];


const people = (...ids: string[]) => ids.map((personId) => ({ personId }));
const daily = (zone: string, overrides: Partial<Rotation> = {}): Rotation => ({
  participants: people("alice", "bob", "carol"),
  turn: { unit: "days", count: 1 },
  handoffTime: "09:00",
  zone,
  startDate: "2026-01-01",
  ...overrides,
});
const localWindow = (zone: string, from: string, to: string) => ({
  from: DateTime.fromISO(from, { zone }).toJSDate(),
  to: DateTime.fromISO(to, { zone }).toJSDate(),
});
const wall = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone });
const len = (s: RotationShift) => (s.end.getTime() - s.start.getTime()) / HOUR;

describe("daily handoff at 09:00 America/Los_Angeles", () => {
  it("is 09:00 local on both sides of each change; the change days' turns last 23 h and 25 h", () => {
    for (const [from, to, lengths] of [
      ["2026-03-06T12:00", "2026-03-09T08:00", [24, 23, 24]],
      ["2026-10-30T12:00", "2026-11-02T08:00", [24, 25, 24]],
    ] as const) {
      const turns = rotationTurns(daily(LA), localWindow(LA, from, to));
      expect(turns.map(len)).toEqual(lengths);
      for (const t of turns) {
        expect(wall(t.start, LA).toFormat("HH:mm")).toBe("09:00");
        expect(wall(t.end, LA).toFormat("HH:mm")).toBe("09:00");
      }
    }
  });

  it("hands over in participant order, one instant ending one turn and starting the next", () => {
    const turns = rotationTurns(daily(LA), localWindow(LA, "2026-01-01T09:00", "2026-01-05T09:00"));
    expect(turns.map((t) => [t.personId, t.turn])).toEqual([
      ["alice", 0],
      ["bob", 1],
      ["carol", 2],
      ["alice", 3],
    ]);
    for (let i = 1; i < turns.length; i++) expect(turns[i]!.start).toEqual(turns[i - 1]!.end);
  });

  it("nothing before the start date's handoff", () => {
    expect(rotationShifts(daily(LA), localWindow(LA, "2025-12-01", "2026-01-01T09:00"))).toEqual([]);
    const [first] = rotationShifts(daily(LA), localWindow(LA, "2025-12-01", "2026-01-02"));
    expect(wall(first!.start, LA).toISO()).toBe(DateTime.fromISO("2026-01-01T09:00", { zone: LA }).toISO());
  });
});

describe("turn lengths: days and weeks follow the calendar, hours follow real time", () => {
  it("12-hour turns are always 12 real hours; their local time moves with DST", () => {
    const rotation = daily(LA, { turn: { unit: "hours", count: 12 }, startDate: "2026-03-07" });
    const turns = rotationTurns(rotation, localWindow(LA, "2026-03-07T09:00", "2026-03-09T09:00"));
    expect(turns.every((t) => len(t) === 12)).toBe(true);
    const first = DateTime.fromISO("2026-03-07T09:00", { zone: LA });
    expect(turns.map((t) => wall(t.start, LA).toISO())).toEqual(
      turns.map((_, k) => first.plus({ hours: 12 * k }).toISO()),
    );
    expect(turns.map((t) => wall(t.start, LA).toFormat("HH:mm"))).toEqual(["09:00", "21:00", "10:00", "22:00"]);
  });

  it("weekly turns hand off Monday 09:00 local; the week with the change lasts 167 h", () => {
    const rotation = daily("Europe/London", { turn: { unit: "weeks", count: 1 }, startDate: "2026-03-02" });
    const turns = rotationTurns(rotation, localWindow("Europe/London", "2026-03-02T09:00", "2026-04-06T09:00"));
    expect(turns.map(len)).toEqual([168, 168, 168, 167, 168]);
    expect(turns.every((t) => wall(t.start, "Europe/London").toFormat("ccc HH:mm") === "Mon 09:00")).toBe(true);
  });

  it("3-day turns follow the calendar", () => {
    const rotation = daily(LA, { turn: { unit: "days", count: 3 }, startDate: "2026-03-05" });
    const turns = rotationTurns(rotation, localWindow(LA, "2026-03-05T09:00", "2026-03-14T09:00"));
    expect(turns.map((t) => [wall(t.start, LA).toFormat("dd HH:mm"), len(t)])).toEqual([
      ["05 09:00", 71],
      ["08 09:00", 72],
      ["11 09:00", 72],
    ]);
  });
});

describe("handoffs at DST-troubled times (start rule)", () => {
  it("02:30 on spring-forward night hands over at the transition, 03:00 PDT", () => {
    const turns = rotationTurns(daily(LA, { handoffTime: "02:30" }), localWindow(LA, "2026-03-07T12:00", "2026-03-09T00:00"));
    expect(turns.map((t) => t.start.toISOString())).toEqual(["2026-03-07T10:30:00.000Z", "2026-03-08T10:00:00.000Z"]);
    expect(turns.map(len)).toEqual([23.5, 23.5]);
  });

  it("01:30 on fall-back night hands over at the first 01:30 (PDT)", () => {
    const turns = rotationTurns(daily(LA, { handoffTime: "01:30" }), localWindow(LA, "2026-10-31T12:00", "2026-11-02T00:00"));
    expect(turns.map((t) => t.start.toISOString())).toEqual(["2026-10-31T08:30:00.000Z", "2026-11-01T08:30:00.000Z"]);
    expect(turns.map(len)).toEqual([24, 25]);
  });

  it("Lord_Howe's 30-minute gap: 02:15 hands over at 02:30 (+11:00)", () => {
    const zone = "Australia/Lord_Howe";
    const turns = rotationTurns(daily(zone, { handoffTime: "02:15" }), localWindow(zone, "2026-10-03T12:00", "2026-10-05T00:00"));
    expect(turns.map((t) => t.start.toISOString())).toEqual(["2026-10-02T15:45:00.000Z", "2026-10-03T15:30:00.000Z"]);
    expect(len(turns[0]!)).toBe(23.75);
  });
});

describe("restrictions", () => {
  const businessHours = [{ days: ["mon", "tue", "wed", "thu", "fri"] as const, start: "09:00", end: "17:00" }];

  it("outside weekdays 09:00-17:00 nobody from the rotation is on", () => {
    const rotation = daily(LA, { restrictions: businessHours.map((w) => ({ ...w, days: [...w.days] })) });
    const shifts = rotationShifts(rotation, localWindow(LA, "2026-03-06", "2026-03-10")); // Fri..Mon
    expect(shifts.map((s) => [s.personId, wall(s.start, LA).toFormat("ccc HH:mm"), wall(s.end, LA).toFormat("ccc HH:mm")])).toEqual([
      ["bob", "Fri 09:00", "Fri 17:00"], // turn 64 (Mar 6); the Mar 7 and 8 turns are fully masked
      ["bob", "Mon 09:00", "Mon 17:00"], // turn 67
    ]);
  });

  it("the turn continues behind the mask: a weekly turn is the same person every weekday", () => {
    const rotation = daily(LA, {
      turn: { unit: "weeks", count: 1 },
      startDate: "2026-03-02",
      restrictions: businessHours.map((w) => ({ ...w, days: [...w.days] })),
    });
    const shifts = rotationShifts(rotation, localWindow(LA, "2026-03-02", "2026-03-16"));
    expect(shifts.map((s) => s.personId)).toEqual([...Array(5).fill("alice"), ...Array(5).fill("bob")]);
    expect(shifts.map((s) => wall(s.start, LA).toFormat("ccc HH:mm"))).toEqual(Array(10).fill(0).map((_, i) => `${["Mon", "Tue", "Wed", "Thu", "Fri"][i % 5]} 09:00`));
  });

  it("an overnight restriction keeps the person across midnight until the handoff", () => {
    const rotation = daily(LA, { restrictions: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "17:00", end: "09:00" }] });
    const shifts = rotationShifts(rotation, localWindow(LA, "2026-01-05T12:00", "2026-01-06T12:00"));
    expect(shifts.map((s) => [s.personId, wall(s.start, LA).toFormat("ccc HH:mm"), wall(s.end, LA).toFormat("ccc HH:mm")])).toEqual([
      ["bob", "Mon 17:00", "Tue 09:00"],
    ]);
  });
});

describe("participant changes", () => {
  const base = daily(LA);
  const change = (effectiveFrom: string, ...ids: string[]) => ({
    effectiveFrom: DateTime.fromISO(effectiveFrom, { zone: LA }).toJSDate(),
    participants: people(...ids),
  });

  it("apply from the next handoff: the turn in progress and past turns are unchanged", () => {
    const changed = { ...base, participantChanges: [change("2026-01-10T12:00", "dan", "erin", "fay")] };
    const window = localWindow(LA, "2026-01-01", "2026-01-15");
    const before = rotationTurns(base, window);
    const after = rotationTurns(changed, window);
    const cut = after.findIndex((t) => wall(t.start, LA).toISODate() === "2026-01-11");
    expect(after.slice(0, cut)).toEqual(before.slice(0, cut));
    // The new list starts with its first person at the first handoff after the change (turn 10).
    expect(after.slice(cut).map((t) => t.personId)).toEqual(["dan", "erin", "fay", "dan"]);
    expect(after.map((t) => t.turn)).toEqual(before.map((t) => t.turn));
  });

  it("a change exactly at a handoff applies from that handoff", () => {
    const turns = rotationTurns({ ...base, participantChanges: [change("2026-01-03T09:00", "dan")] }, localWindow(LA, "2026-01-01T09:00", "2026-01-05T09:00"));
    expect(turns.map((t) => t.personId)).toEqual(["alice", "bob", "dan", "dan"]);
  });

  it("a local date means from that date's first handoff (00:00 local in the rotation's zone)", () => {
    const rotation = { ...base, participantChanges: [{ effectiveFrom: "2026-01-11", participants: people("dan", "erin", "fay") }] };
    const turns = rotationTurns(rotation, localWindow(LA, "2026-01-09T09:00", "2026-01-13T09:00"));
    expect(turns.map((t) => [wall(t.start, LA).toFormat("dd"), t.personId])).toEqual([
      ["09", "carol"], // turn 8
      ["10", "alice"],
      ["11", "dan"],
      ["12", "erin"],
    ]);
    const error = domainError(() => validateRotation({ ...base, participantChanges: [{ effectiveFrom: "2026-13-01", participants: people("x") }] }));
    expect([error.code, error.field]).toEqual(["invalid_date", "participantChanges.0.effectiveFrom"]);
  });

  it("of two changes reaching the same handoff the later wins; later changes stack", () => {
    const rotation = {
      ...base,
      participantChanges: [change("2026-01-03T12:00", "zed"), change("2026-01-02T12:00", "dan"), change("2026-01-02T15:00", "erin", "fay")],
    };
    const turns = rotationTurns(rotation, localWindow(LA, "2026-01-01T09:00", "2026-01-06T09:00"));
    expect(turns.map((t) => t.personId)).toEqual(["alice", "bob", "erin", "zed", "zed"]);
  });
});

describe("end", () => {
  it("turns stop at the end instant, the last one cut there", () => {
    const end = DateTime.fromISO("2026-01-03T15:00", { zone: LA }).toJSDate();
    const turns = rotationTurns(daily(LA, { end }), localWindow(LA, "2026-01-01", "2026-02-01"));
    expect(turns.map((t) => [t.personId, len(t)])).toEqual([
      ["alice", 24],
      ["bob", 24],
      ["carol", 6],
    ]);
    expect(rotationShifts(daily(LA, { end }), localWindow(LA, "2026-01-04", "2026-02-01"))).toEqual([]);
  });
});

describe("bad input", () => {
  const ok = daily(LA, { end: new Date("2026-03-01T00:00:00Z") });
  it.each([
    ["turn length 0", { turn: { unit: "days", count: 0 } }, "invalid_turn_length", "rotation.turn.count"],
    ["turn length 1.5", { turn: { unit: "hours", count: 1.5 } }, "invalid_turn_length", "rotation.turn.count"],
    ["unknown unit", { turn: { unit: "months", count: 1 } }, "invalid_input", "rotation.turn.unit"],
    ["unknown zone", { zone: "PST" }, "unknown_time_zone", "rotation.zone"],
    ["no participants", { participants: [] }, "no_participants", "rotation.participants"],
    ["empty person id", { participants: [{ personId: "" }] }, "invalid_input", "rotation.participants.0.personId"],
    ["handoff 24:00", { handoffTime: "24:00" }, "invalid_time", "rotation.handoffTime"],
    ["bad start date", { startDate: "2026-02-30" }, "invalid_date", "rotation.startDate"],
    ["end before start", { end: new Date("2026-01-01T00:00:00Z") }, "invalid_interval", "rotation.end"],
    ["end at the first handoff", { end: DateTime.fromISO("2026-01-01T09:00", { zone: LA }).toJSDate() }, "invalid_interval", "rotation.end"],
    ["empty restrictions", { restrictions: [] }, "never_matches", "rotation.restrictions"],
    [
      "restriction never inside start..end",
      { end: new Date("2026-01-03T12:00:00Z"), restrictions: [{ days: ["mon"], start: "09:00", end: "17:00" }] },
      "never_matches",
      "rotation.restrictions",
    ],
    ["restriction with a bad time", { restrictions: [{ days: ["mon"], start: "9am", end: "17:00" }] }, "invalid_time", "rotation.restrictions.0.start"],
    [
      "two changes at one instant",
      {
        participantChanges: [
          { effectiveFrom: new Date("2026-02-01T00:00:00Z"), participants: people("a") },
          { effectiveFrom: new Date("2026-02-01T00:00:00Z"), participants: people("b") },
        ],
      },
      "invalid_input",
      "rotation.participantChanges.1.effectiveFrom",
    ],
    [
      "a change to nobody",
      { participantChanges: [{ effectiveFrom: new Date("2026-02-01T00:00:00Z"), participants: [] }] },
      "no_participants",
      "rotation.participantChanges.0.participants",
    ],
  ])("%s", (_name, patch, code, field) => {
    const error = domainError(() => validateRotation({ ...ok, ...(patch as Partial<Rotation>) }, "rotation"));
    expect([error.code, error.field]).toEqual([code, field]);
  });

  it("a valid rotation passes", () => {
    expect(() => validateRotation(ok)).not.toThrow();
  });
});

// ---------------------------------------------------------------------------
// Brute force: every hour of 2026-2027 in six zones. Expected values use an
// offset table built from luxon (hourly samples, changes located to the
// second) and plain arithmetic on the local reading.

function offsetTable(zone: string, from: number, to: number) {
  const table = luxonOffsetChanges(zone, from, to);
  const { first, changes } = table;
  const offsetAt = offsetLookup(table);
  /** Start rule by definition: earliest instant reading `local`, or the change that skips it. */
  const startInstant = (local: number) => {
    const candidates = [first, ...changes.map((c) => c.after)].map((o) => local - o).filter((t) => t + offsetAt(t) === local);
    if (candidates.length > 0) return Math.min(...candidates);
    return changes.find((c) => c.at + c.before <= local && local < c.at + c.after)!.at;
  };
  return { offsetAt, startInstant, changes };
}

/** Walks ascending instants through sorted, disjoint shifts. */
function cursor(shifts: RotationShift[]) {
  let i = 0;
  return (t: number): string | null => {
    while (i < shifts.length && shifts[i]!.end.getTime() <= t) i++;
    const s = shifts[i];
    return s !== undefined && s.start.getTime() <= t ? s.personId : null;
  };
}

const TRICKY: Record<string, string> = {
  // A handoff time inside each zone's 2026 spring-forward gap or fall-back overlap.
  "America/Los_Angeles": "02:30",
  "Europe/London": "01:30",
  "Australia/Sydney": "02:30",
  "Australia/Lord_Howe": "01:45",
  "Asia/Kolkata": "02:30",
  "Pacific/Chatham": "03:00",
};

describe.each(ZONES)("brute force 2026-2027 in %s", (zone) => {
  const from = Date.UTC(2026, 0, 1);
  const to = Date.UTC(2028, 0, 1);
  const table = offsetTable(zone, from - 3 * DAY, to + 3 * DAY);
  const window = { from: new Date(from), to: new Date(to) };
  const names = ["p0", "p1", "p2", "p3"];
  const startDay = Date.UTC(2025, 11, 30) / DAY;
  const rotation: Rotation = { participants: people(...names), turn: { unit: "days", count: 1 }, handoffTime: "09:00", zone, startDate: "2025-12-30" };

  it("every hour has exactly the person whose 09:00 local turn it is", () => {
    const on = cursor(rotationShifts(rotation, window));
    let checked = 0;
    for (let t = from; t < to; t += HOUR) {
      const local = t + table.offsetAt(t);
      const day = Math.floor(local / DAY);
      const minutes = (local - day * DAY) / MINUTE;
      const k = day - startDay - (minutes < 540 ? 1 : 0);
      if (on(t) !== names[k % 4]) expect(on(t)).toBe(names[k % 4]);
      checked++;
    }
    expect(checked).toBe((to - from) / HOUR);
  });

  it("every daily handoff is 09:00 local, consecutive, one per local day", () => {
    const turns = rotationTurns(rotation, window);
    for (let i = 0; i < turns.length; i++) {
      const t = turns[i]!;
      const local = t.start.getTime() + table.offsetAt(t.start.getTime());
      expect(local % DAY).toBe(9 * HOUR);
      expect(Math.floor(local / DAY)).toBe(startDay + t.turn);
      if (i > 0) expect(t.start).toEqual(turns[i - 1]!.end);
    }
    expect(turns.length).toBe(730 + 1);
  });

  it(`handoffs at ${TRICKY[zone]} follow the start rule on every day, DST nights included`, () => {
    const [hh, mm] = TRICKY[zone]!.split(":").map(Number) as [number, number];
    const turns = rotationTurns({ ...rotation, handoffTime: TRICKY[zone]! }, window);
    let mismatches = 0;
    for (const t of turns) {
      const expected = table.startInstant((startDay + t.turn) * DAY + (hh * 60 + mm) * MINUTE);
      if (t.start.getTime() !== expected) mismatches++;
    }
    expect(mismatches).toBe(0);
    const lengths = new Set(turns.slice(1, -1).map(len));
    expect(lengths.has(24)).toBe(true);
    // DST zones: the change nights make some turns shorter or longer than 24 h.
    expect(lengths.size > 1).toBe(zone !== "Asia/Kolkata");
  });

  it("weekday 09:00-17:00 restriction: on exactly then, and the turn's person", () => {
    const restricted = { ...rotation, restrictions: [{ days: ["mon", "tue", "wed", "thu", "fri"] as ("mon" | "tue" | "wed" | "thu" | "fri")[], start: "09:00", end: "17:00" }] };
    // Local-day aligned so that the count of weekday hours is known: 261 weekdays a year.
    const localFrom = table.startInstant(Date.UTC(2026, 0, 1));
    const localTo = table.startInstant(Date.UTC(2028, 0, 1));
    const on = cursor(rotationShifts(restricted, { from: new Date(localFrom), to: new Date(localTo) }));
    let mismatches = 0;
    let onHours = 0;
    for (let t = localFrom; t < localTo; t += 15 * MINUTE) {
      const local = t + table.offsetAt(t);
      const day = Math.floor(local / DAY);
      const minutes = (local - day * DAY) / MINUTE;
      const weekday = (((day + 3) % 7) + 7) % 7; // 0 = Monday
      const open = weekday < 5 && minutes >= 540 && minutes < 1020;
      const expected = open ? names[(day - startDay) % 4]! : null;
      if (expected !== null) onHours++;
      if (on(t) !== expected) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(onHours).toBe(522 * 8 * 4); // 2026 and 2027 have 261 weekdays each; 8 h in quarter-hours
  });

  it("8-hour turns are exactly 8 real hours apart and rotate in order", () => {
    const turns = rotationTurns({ ...rotation, turn: { unit: "hours", count: 8 } }, window);
    const first = turns[0]!;
    for (const t of turns) {
      expect(t.start.getTime() - first.start.getTime()).toBe((t.turn - first.turn) * 8 * HOUR);
      expect(t.personId).toBe(names[t.turn % 4]);
    }
  });
});
