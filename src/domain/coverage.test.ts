import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import type { Absence } from "./assignment.ts";
import {
  type CoverageInput,
  type Shortfall,
  type StaffedShift,
  type StaffingRequirement,
  coverageReport,
  hoursReport,
} from "./coverage.ts";
import { type Interval, intersectIntervals } from "./interval.ts";
import { type Weekday, type WeeklyHours, expandWeeklyHours } from "./weekly.ts";
import { domainError } from "./testing.ts";

// Expected instants come from luxon (or are written out in UTC by hand),
// never from the code under test. The suite runs with TZ=Pacific/Chatham.

const LA = "America/Los_Angeles";
const PARIS = "Europe/Paris";
const HOUR = 3_600_000;
const MON_FRI: Weekday[] = ["mon", "tue", "wed", "thu", "fri"];

/** The instant of a local date and time (never ambiguous or in a gap here). */
const at = (date: string, time: string, zone = LA) => DateTime.fromISO(`${date}T${time}`, { zone }).toUTC().toJSDate();
const utc = (iso: string) => new Date(iso);
/** Local date `days` after `date`. */
const plusDays = (date: string, days: number) => DateTime.fromISO(date, { zone: "UTC" }).plus({ days }).toISODate()!;
const weekday = (date: string) => DateTime.fromISO(date, { zone: "UTC" }).toFormat("ccc");
/** [00:00 of `from`, 00:00 of `to`) local. */
const localWindow = (from: string, to: string, zone = LA) => ({ from: at(from, "00:00", zone), to: at(to, "00:00", zone) });
const iv = (start: Date, end: Date): Interval => ({ start, end });

function shift(personId: string, date: string, from: string, to: string, label: string | null, skills: string[] = [], zone = LA): StaffedShift {
  return { id: `${personId}@${date}T${from}`, personId, start: at(date, from, zone), end: at(date, to, zone), label, skills };
}


/** Shortfalls without the derived fields, easy to read in a failing diff. */
const brief = (list: Shortfall[]) =>
  list.map((s) => ({ id: s.requirementId, start: s.start, end: s.end, scheduled: s.scheduled, shortfall: s.shortfall, personIds: s.personIds }));

// ---------------------------------------------------------------------------
// The ConvertKit support team: Mon-Fri 07:00-18:00 America/Los_Angeles,
// 2 chat agents 12:00-16:00, at least one french speaker 07:00-12:00, 4-hour
// shifts, 3 chats per agent.

const supportLA: WeeklyHours = { zone: LA, windows: [{ days: MON_FRI, start: "07:00", end: "18:00" }] };
const chatRequirement: StaffingRequirement = {
  id: "chat",
  hours: { zone: LA, windows: [{ days: MON_FRI, start: "12:00", end: "16:00" }] },
  headcount: 2,
  label: "chat",
};
const frenchRequirement: StaffingRequirement = {
  id: "french",
  hours: { zone: LA, windows: [{ days: MON_FRI, start: "07:00", end: "12:00" }] },
  headcount: 1,
  skill: "french",
};

/**
 * One week of 4-hour shifts from `monday`: Frida (french, email) 07-11 (on
 * Wednesday 08-12), Bob (french, chat) 10-14, Alice (chat) 12-16, Carol
 * (chat) 14-18 except on Tuesday.
 */
function convertKitWeek(monday: string): StaffedShift[] {
  const out: StaffedShift[] = [];
  for (let i = 0; i < 5; i++) {
    const date = plusDays(monday, i);
    out.push(i === 2 ? shift("frida", date, "08:00", "12:00", "email", ["french"]) : shift("frida", date, "07:00", "11:00", "email", ["french"]));
    out.push(shift("bob", date, "10:00", "14:00", "chat", ["french"]));
    out.push(shift("alice", date, "12:00", "16:00", "chat"));
    if (i !== 1) out.push(shift("carol", date, "14:00", "18:00", "chat"));
  }
  return out;
}

const convertKit = (window: { from: Date; to: Date }, shifts: StaffedShift[], extra: Partial<CoverageInput> = {}): CoverageInput => ({
  window,
  supportHours: supportLA,
  requirements: [chatRequirement, frenchRequirement],
  shifts,
  absences: [],
  maxConcurrentChats: 3,
  ...extra,
});

/** The two gaps of a ConvertKit week: Tuesday afternoon chat, Wednesday early french. */
const weekShortfalls = (monday: string) => ({
  chat: { id: "chat", start: at(plusDays(monday, 1), "14:00"), end: at(plusDays(monday, 1), "16:00"), scheduled: 1, shortfall: 1, personIds: ["alice"] },
  french: { id: "french", start: at(plusDays(monday, 2), "07:00"), end: at(plusDays(monday, 2), "08:00"), scheduled: 0, shortfall: 1, personIds: [] },
});

describe("ConvertKit: Mon-Fri 07:00-18:00 Los Angeles, 2 chat 12-16, 1 french 07-12", () => {
  it("a normal week: Tuesday 14:00-16:00 has 1 of 2 chat agents, Wednesday 07:00-08:00 no french speaker", () => {
    expect(weekday("2026-06-15")).toBe("Mon");
    const report = coverageReport(convertKit(localWindow("2026-06-15", "2026-06-22"), convertKitWeek("2026-06-15")));
    // PDT is UTC-7: Tuesday 14:00 local is 21:00Z.
    expect(report.shortfalls).toEqual([
      {
        requirementId: "chat",
        start: utc("2026-06-16T21:00:00Z"),
        end: utc("2026-06-16T23:00:00Z"),
        required: 2,
        scheduled: 1,
        shortfall: 1,
        capacityChats: 3,
        personIds: ["alice"],
      },
      {
        requirementId: "french",
        start: utc("2026-06-17T14:00:00Z"),
        end: utc("2026-06-17T15:00:00Z"),
        required: 1,
        scheduled: 0,
        shortfall: 1,
        capacityChats: 0,
        personIds: [],
      },
    ]);
    expect(report.unstaffed).toEqual([
      iv(at("2026-06-16", "16:00"), at("2026-06-16", "18:00")),
      iv(at("2026-06-17", "07:00"), at("2026-06-17", "08:00")),
    ]);
  });

  it("Tuesday's chat capacity follows who is on, over support hours only", () => {
    const report = coverageReport(convertKit(localWindow("2026-06-15", "2026-06-22"), convertKitWeek("2026-06-15")));
    const tuesday = report.capacity.filter((c) => c.start >= at("2026-06-16", "00:00") && c.end <= at("2026-06-17", "00:00"));
    const t = (time: string) => at("2026-06-16", time);
    expect(tuesday).toEqual([
      { start: t("07:00"), end: t("10:00"), agents: 1, chats: 3 }, // frida (email shifts count for capacity)
      { start: t("10:00"), end: t("11:00"), agents: 2, chats: 6 },
      { start: t("11:00"), end: t("12:00"), agents: 1, chats: 3 },
      { start: t("12:00"), end: t("14:00"), agents: 2, chats: 6 },
      { start: t("14:00"), end: t("16:00"), agents: 1, chats: 3 },
      { start: t("16:00"), end: t("18:00"), agents: 0, chats: 0 },
    ]);
    // Capacity covers exactly the support hours: 5 days of 11 h.
    const covered = report.capacity.reduce((sum, c) => sum + c.end.getTime() - c.start.getTime(), 0);
    expect(covered).toBe(5 * 11 * HOUR);
  });

  it.each([
    // Spring forward on Sunday 2026-03-08: 12:00 local is 20:00Z before, 19:00Z after.
    ["spring forward (2026-03-08)", "2026-03-02", "2026-03-09", ["2026-03-03T22:00:00Z", "2026-03-10T21:00:00Z"]],
    // Fall back on Sunday 2026-11-01: 14:00 local is 21:00Z before, 22:00Z after.
    ["fall back (2026-11-01)", "2026-10-26", "2026-11-02", ["2026-10-27T21:00:00Z", "2026-11-03T22:00:00Z"]],
  ])("across %s the gaps stay at the same local times and move by an hour in UTC", (_name, week1, week2, tuesdayStarts) => {
    expect([weekday(week1), weekday(week2)]).toEqual(["Mon", "Mon"]);
    const window = localWindow(week1, plusDays(week2, 7));
    const report = coverageReport(convertKit(window, [...convertKitWeek(week1), ...convertKitWeek(week2)]));
    const [a, b] = [weekShortfalls(week1), weekShortfalls(week2)];
    expect(brief(report.shortfalls)).toEqual([a.chat, b.chat, a.french, b.french]);
    expect(report.shortfalls.map((s) => s.start.toISOString()).slice(0, 2)).toEqual(tuesdayStarts.map((s) => utc(s).toISOString()));
    const [first, second] = report.shortfalls;
    expect(first!.end.getTime() - first!.start.getTime()).toBe(2 * HOUR);
    expect(second!.end.getTime() - second!.start.getTime()).toBe(2 * HOUR);
  });

  it("24/7 support hours: the nights and the weekend are unstaffed", () => {
    const allWeek: WeeklyHours = { zone: LA, allWeek: true };
    const window = localWindow("2026-06-15", "2026-06-22");
    const report = coverageReport(convertKit(window, convertKitWeek("2026-06-15"), { supportHours: allWeek }));
    const day = (i: number) => plusDays("2026-06-15", i);
    expect(report.unstaffed).toEqual([
      iv(at(day(0), "00:00"), at(day(0), "07:00")),
      iv(at(day(0), "18:00"), at(day(1), "07:00")),
      iv(at(day(1), "16:00"), at(day(2), "08:00")),
      iv(at(day(2), "18:00"), at(day(3), "07:00")),
      iv(at(day(3), "18:00"), at(day(4), "07:00")),
      iv(at(day(4), "18:00"), at(day(7), "00:00")),
    ]);
    // 168 h minus 52 h staffed (11 + 9 + 10 + 11 + 11).
    expect(report.unstaffed.reduce((sum, i) => sum + i.end.getTime() - i.start.getTime(), 0)).toBe(116 * HOUR);
    // The weekday requirements did not grow with the hours.
    expect(brief(report.shortfalls)).toEqual(Object.values(weekShortfalls("2026-06-15")));
    // A round-the-clock requirement of one is short exactly where no one is on.
    const anyone: StaffingRequirement = { id: "anyone", hours: allWeek, headcount: 1 };
    const night = coverageReport(convertKit(window, convertKitWeek("2026-06-15"), { supportHours: allWeek, requirements: [anyone] }));
    expect(night.shortfalls.map((s) => iv(s.start, s.end))).toEqual(report.unstaffed);
    expect(night.shortfalls.every((s) => s.scheduled === 0 && s.shortfall === 1)).toBe(true);
  });
});

describe("time off", () => {
  const monday = "2026-06-15";
  const t = (time: string) => at(monday, time);
  const pair = [shift("alice", monday, "12:00", "16:00", "chat"), shift("bob", monday, "12:00", "16:00", "chat")];
  const input = (absences: Absence[]): CoverageInput => ({
    window: localWindow(monday, plusDays(monday, 1)),
    supportHours: supportLA,
    requirements: [chatRequirement],
    shifts: pair,
    absences,
    maxConcurrentChats: 3,
  });

  it("with both agents on there is no shortfall", () => {
    expect(coverageReport(input([])).shortfalls).toEqual([]);
  });

  it("Alice away 13:00-14:30 in the middle of her shift: a shortfall of 1 exactly over her absence", () => {
    const report = coverageReport(input([{ personId: "alice", start: t("13:00"), end: t("14:30") }]));
    expect(report.shortfalls).toEqual([
      { requirementId: "chat", start: t("13:00"), end: t("14:30"), required: 2, scheduled: 1, shortfall: 1, capacityChats: 3, personIds: ["bob"] },
    ]);
  });

  it("overlapping absences cut the gap at every absence boundary", () => {
    const report = coverageReport(
      input([
        { personId: "alice", start: t("13:00"), end: t("14:30") },
        { personId: "bob", start: t("14:00"), end: t("20:00") },
      ]),
    );
    expect(brief(report.shortfalls)).toEqual([
      { id: "chat", start: t("13:00"), end: t("14:00"), scheduled: 1, shortfall: 1, personIds: ["bob"] },
      { id: "chat", start: t("14:00"), end: t("14:30"), scheduled: 0, shortfall: 2, personIds: [] },
      { id: "chat", start: t("14:30"), end: t("16:00"), scheduled: 1, shortfall: 1, personIds: ["alice"] },
    ]);
    expect(report.unstaffed).toEqual([iv(t("07:00"), t("12:00")), iv(t("14:00"), t("14:30")), iv(t("16:00"), t("18:00"))]);
    expect(report.capacity.find((c) => c.start.getTime() === t("14:00").getTime())).toEqual({ start: t("14:00"), end: t("14:30"), agents: 0, chats: 0 });
  });

  it("someone else's time off changes nothing", () => {
    expect(coverageReport(input([{ personId: "carol", start: t("00:00"), end: t("23:00") }])).shortfalls).toEqual([]);
  });
});

describe("support hours and requirements", () => {
  it("a closed-day exception (2026-12-25) removes that day's demand; without support hours the day is still demanded", () => {
    expect(weekday("2026-12-25")).toBe("Fri");
    const closedChristmas: WeeklyHours = { ...supportLA, exceptions: [{ date: "2026-12-25", closed: true }] };
    const window = localWindow("2026-12-24", "2026-12-26");
    const input: CoverageInput = { window, supportHours: closedChristmas, requirements: [chatRequirement], shifts: [], absences: [], maxConcurrentChats: 3 };
    const thursday = { id: "chat", start: at("2026-12-24", "12:00"), end: at("2026-12-24", "16:00"), scheduled: 0, shortfall: 2, personIds: [] };
    const report = coverageReport(input);
    expect(brief(report.shortfalls)).toEqual([thursday]);
    expect(report.unstaffed).toEqual([iv(at("2026-12-24", "07:00"), at("2026-12-24", "18:00"))]);

    const unconfigured = coverageReport({ ...input, supportHours: null });
    expect(brief(unconfigured.shortfalls)).toEqual([
      thursday,
      { id: "chat", start: at("2026-12-25", "12:00"), end: at("2026-12-25", "16:00"), scheduled: 0, shortfall: 2, personIds: [] },
    ]);
    expect(unconfigured.unstaffed).toEqual([]);
  });

  it("a requirement in Europe/Paris is expanded in Paris time, across both zones' DST changes", () => {
    // US clocks change on 2026-03-08, European ones on 2026-03-29.
    const parisFrench: StaffingRequirement = {
      id: "french-eu",
      hours: { zone: PARIS, windows: [{ days: MON_FRI, start: "08:00", end: "12:00" }] },
      headcount: 1,
      skill: "french",
    };
    const window = { from: utc("2026-03-02T00:00:00Z"), to: utc("2026-04-04T00:00:00Z") };
    const report = coverageReport({ window, supportHours: null, requirements: [parisFrench], shifts: [], absences: [], maxConcurrentChats: 3 });
    const expected: Interval[] = [];
    for (let day = DateTime.fromISO("2026-03-02", { zone: PARIS }); day < DateTime.fromISO("2026-04-04", { zone: PARIS }); day = day.plus({ days: 1 })) {
      if (day.weekday <= 5) expected.push(iv(day.set({ hour: 8 }).toJSDate(), day.set({ hour: 12 }).toJSDate()));
    }
    expect(report.shortfalls.map((s) => iv(s.start, s.end))).toEqual(expected);
    // 08:00 CET is 07:00Z; 08:00 CEST is 06:00Z.
    expect(report.shortfalls[0]!.start).toEqual(utc("2026-03-02T07:00:00Z"));
    expect(report.shortfalls.at(-1)!.start).toEqual(utc("2026-04-03T06:00:00Z"));
  });

  it("a Paris requirement under Los Angeles support hours only demands where both are open", () => {
    const parisAfternoon: StaffingRequirement = {
      id: "eu-afternoon",
      hours: { zone: PARIS, windows: [{ days: MON_FRI, start: "15:00", end: "19:00" }] },
      headcount: 1,
    };
    const parisMorning: StaffingRequirement = { ...parisAfternoon, id: "eu-morning", hours: { zone: PARIS, windows: [{ days: MON_FRI, start: "08:00", end: "12:00" }] } };
    // 2026-03-02: both zones on winter time. 2026-03-16: LA on summer time, Paris not yet.
    for (const date of ["2026-03-02", "2026-03-16"]) {
      const report = coverageReport({
        window: localWindow(date, plusDays(date, 1), PARIS),
        supportHours: supportLA,
        requirements: [parisMorning, parisAfternoon],
        shifts: [],
        absences: [],
        maxConcurrentChats: 3,
      });
      const start = Math.max(at(date, "15:00", PARIS).getTime(), at(date, "07:00", LA).getTime());
      const end = Math.min(at(date, "19:00", PARIS).getTime(), at(date, "18:00", LA).getTime());
      // Paris mornings are LA nights: no demand at all.
      expect(brief(report.shortfalls)).toEqual([{ id: "eu-afternoon", start: new Date(start), end: new Date(end), scheduled: 0, shortfall: 1, personIds: [] }]);
    }
    expect(at("2026-03-02", "07:00", LA)).toEqual(utc("2026-03-02T15:00:00Z")); // 16:00 Paris: an hour lost
    expect(at("2026-03-16", "07:00", LA)).toEqual(utc("2026-03-16T14:00:00Z")); // 15:00 Paris: the full window
  });

  it.each([
    ["label chat ignores an email shift", { label: "chat" }, [["ann", "email", []]], 0],
    ["label chat counts a chat shift", { label: "chat" }, [["ann", "chat", []]], 1],
    ["no label counts any shift, labelled or not", {}, [["ann", "email", []], ["ben", null, []]], 2],
    ["skill french ignores a person without it", { skill: "french" }, [["ann", "chat", ["legal"]]], 0],
    ["skill french counts a person with it", { skill: "french" }, [["ann", "chat", ["legal", "french"]]], 1],
    ["label and skill must both match", { label: "chat", skill: "french" }, [["ann", "email", ["french"]], ["ben", "chat", []], ["cy", "chat", ["french"]]], 1],
  ] as const)("%s", (_name, filter, people, expected) => {
    const date = "2026-06-15";
    const requirement: StaffingRequirement = { id: "r", hours: chatRequirement.hours, headcount: 3, ...filter };
    const shifts = people.map(([person, label, skills]) => shift(person, date, "12:00", "16:00", label, [...skills]));
    const report = coverageReport({ window: localWindow(date, plusDays(date, 1)), supportHours: supportLA, requirements: [requirement], shifts, absences: [], maxConcurrentChats: 3 });
    expect(report.shortfalls.map((s) => [s.start, s.end, s.scheduled, s.shortfall])).toEqual([[at(date, "12:00"), at(date, "16:00"), expected, 3 - expected]]);
  });
});

describe("headcount is distinct people", () => {
  const date = "2026-06-15";
  const t = (time: string) => at(date, time);
  const report = (headcount: number, shifts: StaffedShift[]) =>
    coverageReport({
      window: localWindow(date, plusDays(date, 1)),
      supportHours: supportLA,
      requirements: [{ ...chatRequirement, headcount }],
      shifts,
      absences: [],
      maxConcurrentChats: 3,
    });

  it("Alice's touching shifts 12-14 and 14-16 count once, as one segment", () => {
    const shifts = [shift("alice", date, "12:00", "14:00", "chat"), shift("alice", date, "14:00", "16:00", "chat"), shift("bob", date, "12:00", "16:00", "chat")];
    expect(report(2, shifts).shortfalls).toEqual([]);
    expect(brief(report(3, shifts).shortfalls)).toEqual([{ id: "chat", start: t("12:00"), end: t("16:00"), scheduled: 2, shortfall: 1, personIds: ["alice", "bob"] }]);
  });

  it("overlapping shifts of one person count once", () => {
    const shifts = [shift("alice", date, "12:00", "15:00", "chat"), shift("alice", date, "13:00", "16:00", "chat")];
    expect(brief(report(2, shifts).shortfalls)).toEqual([{ id: "chat", start: t("12:00"), end: t("16:00"), scheduled: 1, shortfall: 1, personIds: ["alice"] }]);
  });

  it("equal shortfalls with different people stay separate segments", () => {
    const shifts = [shift("alice", date, "12:00", "14:00", "chat"), shift("bob", date, "14:00", "16:00", "chat")];
    expect(brief(report(2, shifts).shortfalls)).toEqual([
      { id: "chat", start: t("12:00"), end: t("14:00"), scheduled: 1, shortfall: 1, personIds: ["alice"] },
      { id: "chat", start: t("14:00"), end: t("16:00"), scheduled: 1, shortfall: 1, personIds: ["bob"] },
    ]);
  });
});

describe("capacity", () => {
  const date = "2026-06-15";
  const t = (time: string) => at(date, time);
  const shifts = [shift("alice", date, "08:00", "12:00", "chat"), shift("bob", date, "10:00", "14:00", "email"), shift("cy", date, "10:00", "14:00", null)];

  it.each([1, 3, 5])("is agents × %i concurrent chats, any label, merged where equal", (maxConcurrentChats) => {
    const report = coverageReport({ window: localWindow(date, plusDays(date, 1)), supportHours: supportLA, requirements: [], shifts, absences: [], maxConcurrentChats });
    expect(report.capacity.map((c) => [c.start, c.end, c.agents, c.chats])).toEqual([
      [t("07:00"), t("08:00"), 0, 0],
      [t("08:00"), t("10:00"), 1, maxConcurrentChats],
      [t("10:00"), t("12:00"), 3, 3 * maxConcurrentChats],
      [t("12:00"), t("14:00"), 2, 2 * maxConcurrentChats],
      [t("14:00"), t("18:00"), 0, 0],
    ]);
  });

  it("without support hours covers the whole window and nothing is 'unstaffed'", () => {
    const window = localWindow(date, plusDays(date, 1));
    const report = coverageReport({ window, supportHours: null, requirements: [], shifts, absences: [], maxConcurrentChats: 3 });
    expect(report.capacity[0]!.start).toEqual(window.from);
    expect(report.capacity.at(-1)!.end).toEqual(window.to);
    expect(report.capacity.map((c) => c.agents)).toEqual([0, 1, 3, 2, 0]);
    expect(report.unstaffed).toEqual([]);
  });
});

describe("hours report", () => {
  const sunday = "2026-06-14";
  const row = (personId: string, total: number, weekday: number, weekend: number, outside: number, shiftCount: number) => ({
    personId,
    totalMinutes: total,
    weekdayMinutes: weekday,
    weekendMinutes: weekend,
    outsideSupportMinutes: outside,
    shiftCount,
  });
  const window = localWindow(sunday, plusDays(sunday, 7)); // Sun 2026-06-14 .. Sat 2026-06-20, end of day
  const friday = plusDays(sunday, 5);
  const saturday = plusDays(sunday, 6);

  it("splits at the local midnight in the team zone: Friday 22:00-Saturday 02:00 is 2 h weekday + 2 h weekend", () => {
    const shifts = [
      { ...shift("ann", friday, "22:00", "00:00", null), end: at(saturday, "02:00") },
      { ...shift("ben", sunday, "22:00", "00:00", null), end: at(plusDays(sunday, 1), "02:00") }, // Sunday night into Monday
      shift("cy", friday, "16:00", "20:00", "chat"),
    ];
    expect([weekday(friday), weekday(saturday), weekday(sunday)]).toEqual(["Fri", "Sat", "Sun"]);
    expect(hoursReport({ window, zone: LA, supportHours: supportLA, shifts })).toEqual([
      row("ann", 240, 120, 120, 240, 1),
      row("ben", 240, 120, 120, 240, 1),
      row("cy", 240, 240, 0, 120, 1), // 18:00-20:00 is after hours
    ]);
  });

  it("the day is the team zone's, not the host's or the person's: in Paris that Friday night is Saturday morning", () => {
    const shifts = [{ ...shift("ann", friday, "22:00", "00:00", null), end: at(saturday, "02:00") }];
    expect(hoursReport({ window, zone: PARIS, supportHours: null, shifts })).toEqual([row("ann", 240, 0, 240, 0, 1)]);
  });

  it.each([
    ["fall-back night 2026-11-01 lasts 7 h", "2026-11-01", 420],
    ["spring-forward night 2026-03-08 lasts 5 h", "2026-03-08", 300],
  ])("a 00:00-06:00 shift on the %s", (_name, date, minutes) => {
    expect(weekday(date)).toBe("Sun");
    // Independent check of the instants: midnight and 06:00 are not ambiguous.
    const start = at(date, "00:00");
    const end = at(date, "06:00");
    expect((end.getTime() - start.getTime()) / 60_000).toBe(minutes);
    const shifts = [{ id: "n", personId: "nia", start, end, label: null, skills: [] }];
    const report = hoursReport({ window: localWindow(plusDays(date, -1), plusDays(date, 2)), zone: LA, supportHours: supportLA, shifts });
    expect(report).toEqual([row("nia", minutes, 0, minutes, minutes, 1)]);
  });

  it("a Saturday 20:00-Sunday 06:00 shift across the fall-back night: Saturday 4 h + Sunday 7 h, all weekend", () => {
    const shifts = [{ id: "n", personId: "nia", start: at("2026-10-31", "20:00"), end: at("2026-11-01", "06:00"), label: null, skills: [] }];
    expect(hoursReport({ window: localWindow("2026-10-26", "2026-11-02"), zone: LA, supportHours: null, shifts })).toEqual([row("nia", 660, 0, 660, 0, 1)]);
  });

  it("clips to the window, counts a person's overlapping shifts once, and sorts by total then person", () => {
    const monday = plusDays(sunday, 1);
    const shifts = [
      { ...shift("zed", sunday, "22:00", "00:00", null), start: at(plusDays(sunday, -1), "22:00"), end: at(sunday, "04:00") }, // only 4 h inside
      shift("amy", monday, "09:00", "13:00", "chat"),
      shift("bea", monday, "09:00", "13:00", "chat"),
      shift("bea", monday, "11:00", "14:00", "chat"), // overlaps her first shift: 09-14 = 5 h
      shift("amy", plusDays(sunday, 8), "09:00", "13:00", "chat"), // outside the window: not counted
    ];
    expect(hoursReport({ window, zone: LA, supportHours: supportLA, shifts })).toEqual([
      row("bea", 300, 300, 0, 0, 2),
      row("amy", 240, 240, 0, 0, 1),
      row("zed", 240, 0, 240, 240, 1),
    ]);
  });

  it("people with no shift in the window are not listed", () => {
    expect(hoursReport({ window, zone: LA, supportHours: null, shifts: [] })).toEqual([]);
  });
});

describe("invalid_input", () => {
  const date = "2026-06-15";
  const base: CoverageInput = {
    window: localWindow(date, plusDays(date, 1)),
    supportHours: supportLA,
    requirements: [chatRequirement],
    shifts: [shift("alice", date, "12:00", "16:00", "chat")],
    absences: [],
    maxConcurrentChats: 3,
  };
  const later = at(date, "12:00");

  it.each([
    ["an empty window", { window: { from: later, to: later } }, "invalid_input", "window.to"],
    ["a window ending before it starts", { window: { from: later, to: at(date, "11:00") } }, "invalid_input", "window.to"],
    ["headcount 0", { requirements: [{ ...chatRequirement, headcount: 0 }] }, "invalid_input", "requirements.0.headcount"],
    ["headcount 1.5", { requirements: [{ ...chatRequirement, headcount: 1.5 }] }, "invalid_input", "requirements.0.headcount"],
    ["maxConcurrentChats 0", { maxConcurrentChats: 0 }, "invalid_input", "maxConcurrentChats"],
    ["two requirements with one id", { requirements: [chatRequirement, { ...frenchRequirement, id: "chat" }] }, "invalid_input", "requirements.1.id"],
    ["a requirement zone that is not IANA", { requirements: [{ ...chatRequirement, hours: { ...chatRequirement.hours, zone: "PST" } }] }, "unknown_time_zone", "requirements.0.hours.zone"],
    ["a shift ending before it starts", { shifts: [{ ...shift("alice", date, "12:00", "16:00", "chat"), end: at(date, "11:00") }] }, "invalid_interval", "shifts.0.end"],
    ["support hours with a bad time", { supportHours: { zone: LA, windows: [{ days: MON_FRI, start: "7am", end: "18:00" }] } }, "invalid_time", "supportHours.windows.0.start"],
  ] as const)("coverage rejects %s", (_name, change, code, field) => {
    const error = domainError(() => coverageReport({ ...base, ...change } as CoverageInput));
    expect([error.code, error.field]).toEqual([code, field]);
  });

  it.each([
    ["an empty window", { window: { from: later, to: later } }, "invalid_input", "window.to"],
    ["an unknown zone", { zone: "Mars/Base" }, "unknown_time_zone", "zone"],
  ] as const)("hours report rejects %s", (_name, change, code, field) => {
    const error = domainError(() => hoursReport({ window: base.window, zone: LA, supportHours: null, shifts: [], ...change }));
    expect([error.code, error.field]).toEqual([code, field]);
  });
});

// ---------------------------------------------------------------------------
// Property: every instant of the demand is either in a shortfall segment
// (whose scheduled count and people are those actually on) or has enough
// people; no instant outside the demand is in a shortfall.

describe("property: shortfalls are exactly where too few people are on", () => {
  const PEOPLE: Record<string, string[]> = { p1: ["french"], p2: [], p3: ["french", "legal"], p4: [] };
  // Fri 2026-10-30 .. Mon 2026-11-02 in LA, across the fall-back night. Shifts
  // on a half-hour grid so that handovers (touching shifts) are frequent.
  const window = { from: at("2026-10-30", "00:00"), to: at("2026-11-03", "00:00") };
  const span = window.to.getTime() - window.from.getTime();
  const STEP = 30 * 60_000;
  const instant = fc.integer({ min: 0, max: span / STEP }).map((q) => q * STEP + window.from.getTime());
  const piece = fc.record({ start: instant, length: fc.integer({ min: 1, max: 16 }) });

  const arbitraryInput = fc.record({
    shifts: fc.array(
      fc.record({
        person: fc.constantFrom(...Object.keys(PEOPLE)),
        at: piece,
        label: fc.constantFrom("chat", "email", null),
        // Often a handover: start exactly when an earlier shift ends.
        follows: fc.option(fc.nat(), { freq: 2 }),
      }),
      { maxLength: 16 },
    ),
    absences: fc.array(fc.record({ person: fc.constantFrom(...Object.keys(PEOPLE)), at: piece }), { maxLength: 4 }),
    requirement: fc.record({
      zone: fc.constantFrom(LA, PARIS),
      days: fc.subarray<Weekday>(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], { minLength: 1 }),
      startHour: fc.integer({ min: 0, max: 23 }),
      hours: fc.integer({ min: 1, max: 12 }),
      headcount: fc.integer({ min: 1, max: 3 }),
      label: fc.constantFrom("chat", null),
      skill: fc.constantFrom("french", null),
    }),
    support: fc.constantFrom<WeeklyHours | null>(null, supportLA, { zone: LA, allWeek: true }),
    samples: fc.array(instant, { minLength: 20, maxLength: 40 }),
  });

  it("holds for random shifts, time off and one requirement", () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        const shifts: StaffedShift[] = [];
        input.shifts.forEach((s, i) => {
          const start = s.follows === null || i === 0 ? s.at.start : shifts[s.follows % i]!.end.getTime();
          shifts.push({ id: `s${i}`, personId: s.person, start: new Date(start), end: new Date(start + s.at.length * STEP), label: s.label, skills: PEOPLE[s.person]! });
        });
        const absences: Absence[] = input.absences.map((a) => ({ personId: a.person, start: new Date(a.at.start), end: new Date(a.at.start + a.at.length * STEP) }));
        const r = input.requirement;
        const pad = (n: number) => String(n).padStart(2, "0");
        const requirement: StaffingRequirement = {
          id: "r",
          hours: { zone: r.zone, windows: [{ days: r.days, start: `${pad(r.startHour)}:00`, end: `${pad((r.startHour + r.hours) % 24)}:00` }] },
          headcount: r.headcount,
          label: r.label,
          skill: r.skill,
        };
        const report = coverageReport({ window, supportHours: input.support, requirements: [requirement], shifts, absences, maxConcurrentChats: 3 });

        let demand = expandWeeklyHours(requirement.hours, window);
        if (input.support !== null) demand = intersectIntervals(demand, expandWeeklyHours(input.support, window));
        const inside = <T extends Interval>(list: readonly T[], t: number) => list.filter((i) => i.start.getTime() <= t && t < i.end.getTime());
        const onAt = (t: number) =>
          [
            ...new Set(
              shifts
                .filter((s) => (r.label === null || s.label === r.label) && (r.skill === null || s.skills.includes(r.skill)))
                .filter((s) => inside([s], t).length > 0 && inside(absences.filter((a) => a.personId === s.personId), t).length === 0)
                .map((s) => s.personId),
            ),
          ].sort();

        const boundaries = [...shifts, ...absences, ...demand, ...report.shortfalls].flatMap((i) => [i.start.getTime(), i.end.getTime()]);
        const instants = [...input.samples, ...boundaries, ...boundaries.map((b) => b - 1)].filter(
          (t) => t >= window.from.getTime() && t < window.to.getTime(),
        );
        for (const t of instants) {
          const hit = inside(report.shortfalls, t);
          expect(hit.length).toBeLessThanOrEqual(1);
          if (inside(demand, t).length === 0) {
            expect(hit).toEqual([]);
            continue;
          }
          const on = onAt(t);
          if (on.length >= r.headcount) {
            expect(hit).toEqual([]);
          } else {
            expect(hit.length).toBe(1);
            const s = hit[0]!;
            expect([s.scheduled, s.personIds, s.shortfall, s.capacityChats]).toEqual([on.length, on, r.headcount - on.length, on.length * 3]);
          }
        }
        // Segments are ordered, disjoint and maximal (touching ones differ in people).
        for (let k = 1; k < report.shortfalls.length; k++) {
          const [a, b] = [report.shortfalls[k - 1]!, report.shortfalls[k]!];
          expect(a.end.getTime()).toBeLessThanOrEqual(b.start.getTime());
          if (a.end.getTime() === b.start.getTime()) expect(a.personIds).not.toEqual(b.personIds);
        }
      }),
      { numRuns: 200 },
    );
  });
});
