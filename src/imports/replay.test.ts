import { describe, expect, it } from "vitest";
import type { OldAnswer, SourceSchedule } from "./model.ts";
import { replaySchedule } from "./replay.ts";

// A daily 09:00 rotation in New York across the spring-forward night (2027-03-14, 02:00 → 03:00).
const schedule: SourceSchedule = {
  ref: "S1",
  name: "Primary",
  description: null,
  timeZone: "America/New_York",
  place: "/schedules/0",
  layers: [
    {
      ref: "L1",
      name: "Daily",
      place: "/schedules/0/layers/0",
      participants: ["alice", "bob"],
      turn: { unit: "days", count: 1 },
      handoffTime: "09:00",
      startDate: "2027-03-12",
      timeZone: "America/New_York",
    },
  ],
  overrides: [],
};

const answer = (personRefs: string[], start: string, end: string): OldAnswer => ({ scheduleRef: "S1", personRefs, start: new Date(start), end: new Date(end), place: "" });
const window = { start: new Date("2027-03-12T14:00:00Z"), end: new Date("2027-03-16T13:00:00Z") };
// 09:00 EST is 14:00Z before the change, 09:00 EDT is 13:00Z after it.
const truth = [
  answer(["alice"], "2027-03-12T14:00:00Z", "2027-03-13T14:00:00Z"),
  answer(["bob"], "2027-03-13T14:00:00Z", "2027-03-14T13:00:00Z"),
  answer(["alice"], "2027-03-14T13:00:00Z", "2027-03-15T13:00:00Z"),
  answer(["bob"], "2027-03-15T13:00:00Z", "2027-03-16T13:00:00Z"),
];

describe("replaySchedule", () => {
  it("agrees hour for hour with answers that match, across the DST change (the 23-hour turn included)", () => {
    const report = replaySchedule(schedule, truth, window);
    expect(report.verified).toBe(true);
    expect(report.disagreements).toEqual([]);
    expect(report.agreeHours).toBe(95); // 4 days less the hour the clocks skip
    expect(report.disagreeHours).toBe(0);
  });

  it("lists each disagreement: when, who each side has, and where Rota's answer comes from", () => {
    // The old system kept 24-hour turns in elapsed time: its hand-off after the change is at 14:00Z.
    const elapsed = [truth[0]!, truth[1]!, answer(["alice"], "2027-03-14T14:00:00Z", "2027-03-15T14:00:00Z"), answer(["bob"], "2027-03-15T14:00:00Z", "2027-03-16T13:00:00Z")];
    const report = replaySchedule(schedule, [{ ...elapsed[1]!, end: new Date("2027-03-14T14:00:00Z") }, elapsed[0]!, ...elapsed.slice(2)], window, [
      { kind: "approximated", code: "turn_length_dst", place: "/x", message: "", scheduleRef: "S1" },
      { kind: "note", code: "just_a_note", place: "/y", message: "", scheduleRef: "S1" },
    ]);
    expect(report.verified).toBe(false);
    expect(report.disagreements).toEqual([
      {
        start: new Date("2027-03-14T13:00:00Z"),
        end: new Date("2027-03-14T14:00:00Z"),
        expected: ["bob"],
        actual: "alice",
        rota: { kind: "layer", layer: "Daily" },
        likelyBecause: ["turn_length_dst"],
      },
      {
        start: new Date("2027-03-15T13:00:00Z"),
        end: new Date("2027-03-15T14:00:00Z"),
        expected: ["alice"],
        actual: "bob",
        rota: { kind: "layer", layer: "Daily" },
        likelyBecause: ["turn_length_dst"],
      },
    ]);
    expect(report.disagreeHours).toBe(2);
    expect(report.agreeHours).toBe(93);
  });

  it("counts time the answers leave out as nobody on, and two people at once as a disagreement", () => {
    const report = replaySchedule(schedule, [truth[0]!, answer(["alice", "carol"], "2027-03-14T13:00:00Z", "2027-03-15T13:00:00Z")], window);
    expect(report.disagreements.map((d) => [d.start.toISOString(), d.expected, d.actual])).toEqual([
      ["2027-03-13T14:00:00.000Z", [], "bob"],
      ["2027-03-14T13:00:00.000Z", ["alice", "carol"], "alice"],
      ["2027-03-15T13:00:00.000Z", [], "bob"],
    ]);
  });

  it("names the override Rota's answer comes from", () => {
    const withOverride: SourceSchedule = {
      ...schedule,
      overrides: [{ ref: "O9", personRef: "carol", start: new Date("2027-03-13T00:00:00Z"), end: new Date("2027-03-13T06:00:00Z"), place: "/overrides/0" }],
    };
    const report = replaySchedule(withOverride, truth, window);
    expect(report.disagreements).toEqual([
      expect.objectContaining({ expected: ["alice"], actual: "carol", rota: { kind: "override", override: "O9" }, start: new Date("2027-03-13T00:00:00Z"), end: new Date("2027-03-13T06:00:00Z") }),
    ]);
  });

  it("is never verified over an empty window", () => {
    expect(replaySchedule(schedule, truth, { start: window.start, end: window.start }).verified).toBe(false);
  });
});
