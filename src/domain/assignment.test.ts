import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Assignment, type AssignmentKind, findConflicts, headcountTimeline, scheduleAssignments, withoutAbsences } from "./assignment.ts";
import { computeSchedule } from "./schedule.ts";
import { domainError } from "./testing.ts";

const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 4, 4); // Monday 2026-05-04 00:00Z
const h = (hours: number) => new Date(BASE + hours * HOUR);
const assignment = (personId: string, from: number, to: number, kind: AssignmentKind = "shift", id = `${personId}-${from}`): Assignment => ({
  personId,
  start: h(from),
  end: h(to),
  source: { kind, id },
});


describe("conflicts", () => {
  it("Alice's chat-duty slot inside her support shift is a conflict over the slot's hour", () => {
    const shift = assignment("alice", 9, 17, "shift", "s1");
    const slot = assignment("alice", 12, 13, "duty_slot", "d1");
    const conflicts = findConflicts([slot, shift]);
    expect(conflicts).toEqual([{ personId: "alice", first: shift, second: slot, start: h(12), end: h(13) }]);
  });

  it("touching assignments and other people's overlaps are not conflicts", () => {
    expect(findConflicts([assignment("alice", 9, 13), assignment("alice", 13, 17, "oncall"), assignment("bob", 10, 12)])).toEqual([]);
  });

  it("three overlapping assignments give three pairs, ordered by person then start", () => {
    const conflicts = findConflicts([assignment("bob", 0, 10), assignment("bob", 2, 4), assignment("bob", 3, 12, "oncall"), assignment("amy", 1, 3), assignment("amy", 2, 5)]);
    expect(conflicts.map((c) => [c.personId, c.start.getTime() - BASE, c.end.getTime() - BASE].join(" "))).toEqual([
      `amy ${2 * HOUR} ${3 * HOUR}`,
      `bob ${2 * HOUR} ${4 * HOUR}`,
      `bob ${3 * HOUR} ${4 * HOUR}`,
      `bob ${3 * HOUR} ${10 * HOUR}`,
    ]);
  });

  it("bad assignments are rejected with their index", () => {
    const error = domainError(() => findConflicts([assignment("a", 0, 1), assignment("a", 5, 5)]));
    expect([error.code, error.field]).toEqual(["invalid_interval", "assignments.1.end"]);
    expect(domainError(() => findConflicts([{ ...assignment("a", 0, 1), source: { kind: "party" as AssignmentKind, id: "x" } }])).field).toBe("assignments.0.source");
  });
});

describe("headcount", () => {
  it("Tuesday 14:00-18:00: 1 agent scheduled where 2 are needed shows exactly there", () => {
    const window = { from: h(24 + 7), to: h(24 + 18) }; // Tuesday 07:00-18:00Z
    const timeline = headcountTimeline(
      [assignment("ann", 24 + 7, 24 + 14), assignment("ben", 24 + 7, 24 + 18), assignment("cid", 24 + 6, 24 + 12, "duty_slot")],
      window,
    );
    expect(timeline.map((s) => [s.start.getTime() - BASE - 24 * HOUR, s.end.getTime() - BASE - 24 * HOUR, s.count, s.personIds.join(",")])).toEqual([
      [7 * HOUR, 12 * HOUR, 3, "ann,ben,cid"],
      [12 * HOUR, 14 * HOUR, 2, "ann,ben"],
      [14 * HOUR, 18 * HOUR, 1, "ben"],
    ]);
  });

  it("covers the window with zero counts where no one is on, and counts a double-booked person once", () => {
    const timeline = headcountTimeline([assignment("ann", 2, 4), assignment("ann", 3, 5, "oncall")], { from: h(0), to: h(8) });
    expect(timeline.map((s) => [s.start.getTime() - BASE, s.count])).toEqual([
      [0, 0],
      [2 * HOUR, 1],
      [5 * HOUR, 0],
    ]);
    expect(timeline[timeline.length - 1]!.end).toEqual(h(8));
    expect(headcountTimeline([], { from: h(1), to: h(1) })).toEqual([]);
  });

  it("counts match a brute-force count at every minute (property)", () => {
    const arb = fc.array(
      fc.record({ person: fc.constantFrom("a", "b", "c", "d"), start: fc.integer({ min: -60, max: 600 }), len: fc.integer({ min: 1, max: 240 }) }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, (items) => {
        const minute = 60_000;
        const list = items.map((x, i) => ({ personId: x.person, start: new Date(BASE + x.start * minute), end: new Date(BASE + (x.start + x.len) * minute), source: { kind: "shift" as const, id: `${i}` } }));
        const timeline = headcountTimeline(list, { from: new Date(BASE), to: new Date(BASE + 480 * minute) });
        let k = 0;
        for (let m = 0; m < 480; m++) {
          const t = BASE + m * minute;
          while (timeline[k]!.end.getTime() <= t) k++;
          const people = new Set(items.filter((x) => x.start <= m && m < x.start + x.len).map((x) => x.person));
          expect(timeline[k]!.count).toBe(people.size);
        }
        for (let i = 1; i < timeline.length; i++) expect(timeline[i]!.personIds).not.toEqual(timeline[i - 1]!.personIds);
      }),
      { numRuns: 200 },
    );
  });
});

describe("absences and on-call turns share the shape", () => {
  it("approved time off leaves the rest of a shift, split where needed", () => {
    const out = withoutAbsences([assignment("ann", 8, 16), assignment("ben", 8, 16)], [{ personId: "ann", start: h(10), end: h(12) }, { personId: "ann", start: h(15), end: h(20) }]);
    expect(out.map((a) => [a.personId, a.start.getTime() - BASE, a.end.getTime() - BASE])).toEqual([
      ["ann", 8 * HOUR, 10 * HOUR],
      ["ann", 12 * HOUR, 15 * HOUR],
      ["ben", 8 * HOUR, 16 * HOUR],
    ]);
  });

  it("schedule segments become on-call assignments that conflict with a shift like any other", () => {
    const result = computeSchedule({
      layers: [{ id: "l", rotation: { participants: [{ personId: "ann" }], turn: { unit: "days", count: 1 }, handoffTime: "00:00", zone: "UTC", startDate: "2026-05-04" } }],
      overrides: [{ id: "o", personId: "ann", start: h(3), end: h(5), createdAt: h(0) }],
      window: { from: h(0), to: h(24) },
    });
    const oncall = scheduleAssignments(result, "primary");
    expect(oncall).toEqual([{ personId: "ann", start: h(0), end: h(24), source: { kind: "oncall", id: "primary" } }]);
    const conflicts = findConflicts([...oncall, assignment("ann", 9, 17)]);
    expect(conflicts.map((c) => [c.first.source.kind, c.second.source.kind, c.end.getTime() - c.start.getTime()])).toEqual([["oncall", "shift", 8 * HOUR]]);
  });
});
