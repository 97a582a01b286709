import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  type AutoAssignPerson,
  type AutoAssignResult,
  type AutoAssignSlot,
  type GeneratedSlot,
  autoAssign,
  bookingWindow,
  generateSlots,
  isUnpopular,
  monthBounds,
} from "./duty.ts";
import type { Interval } from "./interval.ts";
import { WEEKDAYS, type Weekday, type WeeklyHours, type WeeklyWindow } from "./weekly.ts";
import { domainError } from "./testing.ts";

// Expected instants come from luxon (or are written out in UTC by hand),
// never from the code under test. The suite runs with TZ=Pacific/Chatham.

const LA = "America/Los_Angeles";
const PARIS = "Europe/Paris";
const KOLKATA = "Asia/Kolkata";
const LORD_HOWE = "Australia/Lord_Howe";
const HOUR = 3_600_000;
const MINUTE = 60_000;
const MON_FRI: Weekday[] = ["mon", "tue", "wed", "thu", "fri"];
const EVERY_DAY: Weekday[] = [...WEEKDAYS];

/** The instant of a local date and time (never ambiguous or in a gap here). */
const at = (date: string, time: string, zone = LA) => DateTime.fromISO(`${date}T${time}`, { zone }).toUTC().toJSDate();
const utc = (iso: string) => new Date(iso);
const lux = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone });
const hoursOf = (i: Interval) => (i.end.getTime() - i.start.getTime()) / HOUR;
/** Luxon's month: first local midnight and the next month's. */
const luxonMonth = (month: string, zone: string) => {
  const start = DateTime.fromISO(`${month}-01`, { zone }).startOf("day");
  return { start, end: start.plus({ months: 1 }) };
};
/** Local dates of a month that are Monday-Friday, per luxon. */
function weekdaysOf(month: string): string[] {
  const out: string[] = [];
  const { start, end } = luxonMonth(month, "UTC");
  for (let d = start; d < end; d = d.plus({ days: 1 })) if (d.weekday <= 5) out.push(d.toISODate()!);
  return out;
}
const nonOverlapping = (slots: readonly Interval[]) =>
  slots.every((s, i) => i === 0 || slots[i - 1]!.end.getTime() <= s.start.getTime());
const brief = (slots: readonly GeneratedSlot[]) => slots.map((s) => `${s.local} ${s.start.toISOString()} ${s.end.toISOString()}`);

const failure = (fn: () => unknown) => {
  const e = domainError(fn);
  return { code: e.code, field: e.field };
};

// ---------------------------------------------------------------------------

describe("monthBounds", () => {
  it.each([
    ["2026-01", LA, 31],
    ["2026-04", LA, 30],
    ["2026-02", LA, 28],
    ["2028-02", LA, 29],
    ["2026-12", PARIS, 31],
    ["2026-06", KOLKATA, 30],
    ["2026-03", LA, 31], // spring forward: 743 h
    ["2026-11", LA, 30], // fall back: 721 h
    ["2026-10", PARIS, 31], // fall back: 745 h
    ["2026-10", LORD_HOWE, 31], // half-hour spring forward: 743.5 h
    ["2026-04", LORD_HOWE, 30], // half-hour fall back: 720.5 h
    ["2026-03", PARIS, 31], // 743 h
  ])("%s in %s spans %i local days, with luxon's real length", (month, zone, days) => {
    const expected = luxonMonth(month, zone);
    const bounds = monthBounds(month, zone);
    expect(bounds).toEqual({ start: expected.start.toJSDate(), end: expected.end.toJSDate() });
    expect(expected.end.diff(expected.start, "days").days).toBe(days);
    expect(hoursOf(bounds)).toBe(expected.end.diff(expected.start, "hours").hours);
  });

  it("a month with a DST change is an hour shorter or longer: 743 h in March and 721 h in November (LA), 745 h in October (Paris)", () => {
    expect(hoursOf(monthBounds("2026-03", LA))).toBe(743);
    expect(hoursOf(monthBounds("2026-11", LA))).toBe(721);
    expect(hoursOf(monthBounds("2026-12", LA))).toBe(744);
    expect(hoursOf(monthBounds("2026-10", PARIS))).toBe(745);
    expect(hoursOf(monthBounds("2026-03", PARIS))).toBe(743);
  });

  it("December 2026 in Los Angeles is [2026-12-01T08:00Z, 2027-01-01T08:00Z)", () => {
    expect(monthBounds("2026-12", LA)).toEqual({ start: utc("2026-12-01T08:00:00Z"), end: utc("2027-01-01T08:00:00Z") });
  });

  it.each(["2026-13", "2026-00", "2026-1", "26-12", "2026-12-01", " 2026-12", "", "1899-12"])("rejects month %j", (month) => {
    expect(failure(() => monthBounds(month, LA))).toEqual({ code: "invalid_month", field: "month" });
  });

  it("rejects a non-string month and an unknown zone", () => {
    expect(failure(() => monthBounds(202612 as unknown as string, LA))).toEqual({ code: "invalid_month", field: "month" });
    expect(failure(() => monthBounds("2026-12", "PST"))).toEqual({ code: "unknown_time_zone", field: "zone" });
  });
});

// ---------------------------------------------------------------------------

describe("generateSlots", () => {
  const businessLA: WeeklyHours = { zone: LA, windows: [{ days: MON_FRI, start: "09:00", end: "17:00" }] };

  /** Every slot is one real hour on a local whole hour 09..16 of a weekday, labelled with its local start. */
  function expectBusinessHours(slots: GeneratedSlot[], month: string, zone: string) {
    const days = weekdaysOf(month);
    expect(slots).toHaveLength(days.length * 8);
    expect(nonOverlapping(slots)).toBe(true);
    const expected = days.flatMap((d) => [9, 10, 11, 12, 13, 14, 15, 16].map((h) => `${d}T${String(h).padStart(2, "0")}:00`));
    expect(slots.map((s) => s.local)).toEqual(expected);
    for (const s of slots) {
      const local = lux(s.start, zone);
      expect(local.toFormat("yyyy-MM-dd'T'HH:mm")).toBe(s.local);
      expect(local.minute).toBe(0);
      expect(hoursOf(s)).toBe(1);
    }
  }

  it("Mon-Fri 09:00-17:00 Los Angeles with 1-hour slots: 8 slots per weekday, on local whole hours", () => {
    const slots = generateSlots({ hours: businessLA, slotMinutes: 60 }, "2026-12");
    expect(slots).toHaveLength(23 * 8);
    expectBusinessHours(slots, "2026-12", LA);
    expect(slots[0]).toEqual({ start: at("2026-12-01", "09:00"), end: at("2026-12-01", "10:00"), local: "2026-12-01T09:00" });
  });

  it.each(["2026-03", "2026-11"])("keeps 09:00 local across the DST change in %s", (month) => {
    expectBusinessHours(generateSlots({ hours: businessLA, slotMinutes: 60 }, month), month, LA);
  });

  it("before and after spring forward, the 09:00 slot is 17:00Z then 16:00Z", () => {
    const slots = generateSlots({ hours: businessLA, slotMinutes: 60 }, "2026-03");
    const nine = (date: string) => slots.find((s) => s.local === `${date}T09:00`)!.start;
    expect(nine("2026-03-06")).toEqual(utc("2026-03-06T17:00:00Z"));
    expect(nine("2026-03-09")).toEqual(utc("2026-03-09T16:00:00Z"));
  });

  it("cuts from the window's local start and drops a short trailing piece", () => {
    const hours: WeeklyHours = { zone: LA, windows: [{ days: ["wed"], start: "09:00", end: "12:30" }] };
    const slots = generateSlots({ hours, slotMinutes: 60 }, "2026-12");
    expect(slots.filter((s) => s.local.startsWith("2026-12-02")).map((s) => s.local)).toEqual([
      "2026-12-02T09:00",
      "2026-12-02T10:00",
      "2026-12-02T11:00",
    ]);
    const fortyFive = generateSlots({ hours: businessLA, slotMinutes: 45 }, "2026-12").filter((s) => s.local.startsWith("2026-12-01"));
    expect(fortyFive.map((s) => s.local.slice(11))).toEqual(["09:00", "09:45", "10:30", "11:15", "12:00", "12:45", "13:30", "14:15", "15:00", "15:45"]);
    expect(fortyFive.at(-1)!.end).toEqual(at("2026-12-01", "16:30"));
  });

  it("a day's touching or overlapping windows are cut as one stretch", () => {
    const hours: WeeklyHours = {
      zone: LA,
      windows: [
        { days: ["tue"], start: "09:00", end: "10:30" },
        { days: ["tue"], start: "10:30", end: "12:00" },
        { days: ["tue"], start: "11:00", end: "13:00" },
      ],
    };
    const slots = generateSlots({ hours, slotMinutes: 60 }, "2026-12").filter((s) => s.local.startsWith("2026-12-01"));
    expect(slots.map((s) => s.local.slice(11))).toEqual(["09:00", "10:00", "11:00", "12:00"]);
  });

  describe("a night window 00:00-04:00 with 1-hour slots", () => {
    const night: WeeklyHours = { zone: LA, windows: [{ days: EVERY_DAY, start: "00:00", end: "04:00" }] };

    it("on fall-back night 2026-11-01 the 01:00 slot lasts 2 real hours and the slots stay contiguous", () => {
      const slots = generateSlots({ hours: night, slotMinutes: 60 }, "2026-11");
      expect(slots).toHaveLength(30 * 4);
      expect(brief(slots.filter((s) => s.local.startsWith("2026-11-01")))).toEqual([
        "2026-11-01T00:00 2026-11-01T07:00:00.000Z 2026-11-01T08:00:00.000Z",
        "2026-11-01T01:00 2026-11-01T08:00:00.000Z 2026-11-01T10:00:00.000Z",
        "2026-11-01T02:00 2026-11-01T10:00:00.000Z 2026-11-01T11:00:00.000Z",
        "2026-11-01T03:00 2026-11-01T11:00:00.000Z 2026-11-01T12:00:00.000Z",
      ]);
      // Independently: 08:00Z is the first 01:00 (PDT), 10:00Z is 02:00 (PST).
      expect(lux(utc("2026-11-01T08:00:00Z"), LA).toFormat("HH:mm ZZ")).toBe("01:00 -07:00");
      expect(lux(utc("2026-11-01T09:00:00Z"), LA).toFormat("HH:mm ZZ")).toBe("01:00 -08:00");
      expect(lux(utc("2026-11-01T10:00:00Z"), LA).toFormat("HH:mm ZZ")).toBe("02:00 -08:00");
      expect(nonOverlapping(slots)).toBe(true);
    });

    it("on spring-forward night 2026-03-08 the 02:00 slot disappears", () => {
      const slots = generateSlots({ hours: night, slotMinutes: 60 }, "2026-03");
      expect(slots).toHaveLength(31 * 4 - 1);
      expect(brief(slots.filter((s) => s.local.startsWith("2026-03-08")))).toEqual([
        "2026-03-08T00:00 2026-03-08T08:00:00.000Z 2026-03-08T09:00:00.000Z",
        "2026-03-08T01:00 2026-03-08T09:00:00.000Z 2026-03-08T10:00:00.000Z",
        "2026-03-08T03:00 2026-03-08T10:00:00.000Z 2026-03-08T11:00:00.000Z",
      ]);
      expect(DateTime.fromISO("2026-03-08T03:00", { zone: LA }).toUTC().toISO()).toBe("2026-03-08T10:00:00.000Z");
    });
  });

  it("a window ending in the fall-back hour keeps its real end (end rule)", () => {
    const hours: WeeklyHours = { zone: LA, windows: [{ days: ["sun"], start: "00:00", end: "01:00" }] };
    const slots = generateSlots({ hours, slotMinutes: 60 }, "2026-11").filter((s) => s.local.startsWith("2026-11-01"));
    // 00:00 PDT to the second 01:00 (PST): two real hours, like the window itself.
    expect(brief(slots)).toEqual(["2026-11-01T00:00 2026-11-01T07:00:00.000Z 2026-11-01T09:00:00.000Z"]);
  });

  it("a closed day (2026-12-25) has no slots; special hours replace a day's windows", () => {
    const hours: WeeklyHours = {
      ...businessLA,
      exceptions: [
        { date: "2026-12-25", closed: true },
        { date: "2026-12-24", start: "10:00", end: "12:00" },
      ],
    };
    const slots = generateSlots({ hours, slotMinutes: 60 }, "2026-12");
    expect(slots.filter((s) => s.local.startsWith("2026-12-25"))).toEqual([]);
    expect(slots.filter((s) => s.local.startsWith("2026-12-24")).map((s) => s.local)).toEqual(["2026-12-24T10:00", "2026-12-24T11:00"]);
    expect(slots).toHaveLength((23 - 2) * 8 + 2);
  });

  it("a closed day also removes the part of the previous night's window reaching into it", () => {
    const hours: WeeklyHours = {
      zone: LA,
      windows: [{ days: ["fri"], start: "22:00", end: "02:00" }],
      exceptions: [{ date: "2026-12-26", closed: true }],
    };
    const slots = generateSlots({ hours, slotMinutes: 60 }, "2026-12");
    expect(slots.filter((s) => s.local >= "2026-12-25" && s.local < "2026-12-27").map((s) => s.local)).toEqual([
      "2026-12-25T22:00",
      "2026-12-25T23:00",
    ]);
    expect(slots.filter((s) => s.local >= "2026-12-18" && s.local < "2026-12-20").map((s) => s.local)).toEqual([
      "2026-12-18T22:00",
      "2026-12-18T23:00",
      "2026-12-19T00:00",
      "2026-12-19T01:00",
    ]);
  });

  it("where a night window overlaps the next day's window, the earlier piece wins", () => {
    const hours: WeeklyHours = {
      zone: LA,
      windows: [
        { days: ["mon"], start: "22:00", end: "08:00" },
        { days: ["tue"], start: "07:00", end: "09:00" },
      ],
    };
    const slots = generateSlots({ hours, slotMinutes: 60 }, "2026-12").filter((s) => s.local < "2026-12-02");
    expect(slots.map((s) => s.local)).toEqual(["00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00", "08:00"].map((t) => `2026-12-01T${t}`));
    expect(nonOverlapping(slots)).toBe(true);
  });

  it("only slots starting inside the month: the night of Sunday 31 May is split between May and June", () => {
    expect(DateTime.fromISO("2026-05-31").weekdayShort).toBe("Sun");
    const hours: WeeklyHours = { zone: LA, windows: [{ days: ["sun"], start: "22:00", end: "02:00" }] };
    const may = generateSlots({ hours, slotMinutes: 60 }, "2026-05");
    const june = generateSlots({ hours, slotMinutes: 60 }, "2026-06");
    expect(may.slice(-2).map((s) => s.local)).toEqual(["2026-05-31T22:00", "2026-05-31T23:00"]);
    expect(june.slice(0, 2).map((s) => s.local)).toEqual(["2026-06-01T00:00", "2026-06-01T01:00"]);
    expect(june[0]!.start).toEqual(at("2026-06-01", "00:00"));
    expect(june[0]!.start).toEqual(may.at(-1)!.end);
    expect(june.at(-1)!.local).toBe("2026-06-29T01:00");
  });

  it("Australia/Lord_Howe 24/7 in October: 744 slots tiling the 743.5-hour month; the 02:00 slot of 4 Oct lasts 30 min", () => {
    const slots = generateSlots({ hours: { zone: LORD_HOWE, allWeek: true }, slotMinutes: 60 }, "2026-10");
    const month = luxonMonth("2026-10", LORD_HOWE);
    expect(slots).toHaveLength(31 * 24);
    expect(slots[0]!.start).toEqual(month.start.toJSDate());
    expect(slots.at(-1)!.end).toEqual(month.end.toJSDate());
    expect(slots.every((s, i) => i === 0 || slots[i - 1]!.end.getTime() === s.start.getTime())).toBe(true);
    const two = slots.find((s) => s.local === "2026-10-04T02:00")!;
    expect(two.start).toEqual(DateTime.fromISO("2026-10-04T02:30", { zone: LORD_HOWE }).toJSDate());
    expect(hoursOf(two)).toBe(0.5);
  });

  it("Australia/Lord_Howe fall back in April: the 01:00 slot lasts 1.5 h and the month is tiled", () => {
    const slots = generateSlots({ hours: { zone: LORD_HOWE, allWeek: true }, slotMinutes: 60 }, "2026-04");
    const month = luxonMonth("2026-04", LORD_HOWE);
    expect(slots).toHaveLength(30 * 24);
    expect(slots.reduce((sum, s) => sum + hoursOf(s), 0)).toBe(month.end.diff(month.start, "hours").hours);
    expect(hoursOf(slots.find((s) => s.local === "2026-04-05T01:00")!)).toBe(1.5);
  });

  it("Asia/Kolkata (+05:30): local whole hours are half past in UTC", () => {
    const slots = generateSlots({ hours: { ...businessLA, zone: KOLKATA }, slotMinutes: 60 }, "2026-12");
    expectBusinessHours(slots, "2026-12", KOLKATA);
    expect(slots[0]!.start).toEqual(utc("2026-12-01T03:30:00Z"));
    expect(slots.every((s) => s.start.getUTCMinutes() === 30)).toBe(true);
  });

  it("validates slotMinutes, the month and the hours", () => {
    for (const slotMinutes of [14, 481, 60.5, Number.NaN]) {
      expect(failure(() => generateSlots({ hours: businessLA, slotMinutes }, "2026-12"))).toEqual({ code: "invalid_input", field: "slotMinutes" });
    }
    expect(generateSlots({ hours: businessLA, slotMinutes: 480 }, "2026-12")).toHaveLength(23);
    expect(failure(() => generateSlots({ hours: businessLA, slotMinutes: 60 }, "2026-12-01"))).toEqual({ code: "invalid_month", field: "month" });
    expect(failure(() => generateSlots({ hours: { ...businessLA, zone: "Mars/Base" }, slotMinutes: 60 }, "2026-12"))).toEqual({
      code: "unknown_time_zone",
      field: "hours.zone",
    });
  });

  it("property: single-day windows cut evenly tile exactly the open hours (LA, Lord_Howe, DST months), slots disjoint", () => {
    const zones = [LA, LORD_HOWE, PARIS];
    const months = ["2026-03", "2026-04", "2026-10", "2026-11"];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...months),
        fc.subarray(EVERY_DAY, { minLength: 1 }),
        fc.integer({ min: 0, max: 47 }),
        fc.constantFrom(30, 60, 90, 120),
        fc.integer({ min: 1, max: 6 }),
        (zone, month, days, startHalfHours, slotMinutes, count) => {
          const startMin = startHalfHours * 30;
          const endMin = Math.min(1440, startMin + count * slotMinutes);
          fc.pre(endMin > startMin && (endMin - startMin) % slotMinutes === 0);
          const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
          const hours: WeeklyHours = { zone, windows: [{ days, start: hhmm(startMin), end: hhmm(endMin) }] };
          const slots = generateSlots({ hours, slotMinutes }, month);
          expect(nonOverlapping(slots)).toBe(true);
          // Independent model: each window per luxon; a start in a gap moves to the transition,
          // an ambiguous start takes the earlier offset and an ambiguous end the later one.
          const { start: first, end: last } = luxonMonth(month, zone);
          const open: [number, number][] = [];
          for (let d = first; d < last; d = d.plus({ days: 1 })) {
            if (!days.includes(WEEKDAYS[d.weekday - 1]!)) continue;
            const s = resolveLuxon(d, startMin, zone, "start");
            const e = resolveLuxon(d, endMin, zone, "end");
            if (e > s) open.push([s, e]);
          }
          const union: [number, number][] = [];
          for (const slot of slots) {
            const prev = union[union.length - 1];
            if (prev !== undefined && prev[1] === slot.start.getTime()) prev[1] = slot.end.getTime();
            else union.push([slot.start.getTime(), slot.end.getTime()]);
          }
          expect(union).toEqual(open);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** Instant of `minutes` after local midnight of `day` in `zone`, per SPEC §2 DST rules, computed with luxon. */
function resolveLuxon(day: DateTime, minutes: number, zone: string, edge: "start" | "end"): number {
  const local = DateTime.fromObject({ year: day.year, month: day.month, day: day.day }, { zone: "UTC" }).plus({ minutes });
  const wall = local.toMillis(); // wall clock written as UTC
  const candidates: number[] = [];
  for (const probe of [wall - 36 * HOUR, wall + 36 * HOUR]) {
    const offset = DateTime.fromMillis(probe, { zone }).offset * MINUTE;
    const t = wall - offset;
    if (DateTime.fromMillis(t, { zone }).offset * MINUTE === offset && !candidates.includes(t)) candidates.push(t);
  }
  if (candidates.length > 0) return edge === "start" ? Math.min(...candidates) : Math.max(...candidates);
  // In a gap: the transition, the first instant whose wall clock is past `wall`.
  let lo = wall - 14 * HOUR;
  let hi = wall + 14 * HOUR;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid + DateTime.fromMillis(mid, { zone }).offset * MINUTE < wall) lo = mid;
    else hi = mid;
  }
  return hi;
}

// ---------------------------------------------------------------------------

describe("bookingWindow", () => {
  const rule = { opens: { monthsBefore: 1, day: 15 }, closes: { monthsBefore: 1, day: 25 } };

  it("December 2026: opens 2026-11-15 00:00 and closes 2026-11-26 00:00 Los Angeles time", () => {
    expect(bookingWindow(rule, "2026-12", LA)).toEqual({ opensAt: at("2026-11-15", "00:00"), closesAt: at("2026-11-26", "00:00") });
  });

  it("crosses the year and works in the duty month itself or a year ahead", () => {
    expect(bookingWindow(rule, "2027-01", PARIS)).toEqual({ opensAt: at("2026-12-15", "00:00", PARIS), closesAt: at("2026-12-26", "00:00", PARIS) });
    const wide = { opens: { monthsBefore: 12, day: 1 }, closes: { monthsBefore: 0, day: 28 } };
    expect(bookingWindow(wide, "2026-03", LA)).toEqual({ opensAt: at("2025-03-01", "00:00"), closesAt: at("2026-03-29", "00:00") });
    const oneDay = { opens: { monthsBefore: 0, day: 1 }, closes: { monthsBefore: 0, day: 1 } };
    const w = bookingWindow(oneDay, "2026-11", LA);
    expect(w).toEqual({ opensAt: at("2026-11-01", "00:00"), closesAt: at("2026-11-02", "00:00") });
    expect((w.closesAt.getTime() - w.opensAt.getTime()) / HOUR).toBe(25); // fall-back day
  });

  it("validates days, months before, the order, the month and the zone", () => {
    const bad = (opens: { monthsBefore: number; day: number }, closes = rule.closes) => failure(() => bookingWindow({ opens, closes }, "2026-12", LA));
    expect(bad({ monthsBefore: 1, day: 29 })).toEqual({ code: "invalid_input", field: "opens.day" });
    expect(bad({ monthsBefore: 1, day: 0 })).toEqual({ code: "invalid_input", field: "opens.day" });
    expect(bad({ monthsBefore: 1, day: 1.5 })).toEqual({ code: "invalid_input", field: "opens.day" });
    expect(bad({ monthsBefore: 13, day: 1 })).toEqual({ code: "invalid_input", field: "opens.monthsBefore" });
    expect(bad({ monthsBefore: -1, day: 1 })).toEqual({ code: "invalid_input", field: "opens.monthsBefore" });
    expect(bad(rule.opens, { monthsBefore: 1, day: 30 })).toEqual({ code: "invalid_input", field: "closes.day" });
    expect(bad({ monthsBefore: 1, day: 26 })).toEqual({ code: "invalid_input", field: "closes" });
    expect(bad({ monthsBefore: 0, day: 1 })).toEqual({ code: "invalid_input", field: "closes" });
    expect(failure(() => bookingWindow(rule, "2026/12", LA))).toEqual({ code: "invalid_month", field: "month" });
    expect(failure(() => bookingWindow(rule, "2026-12", "EST"))).toEqual({ code: "unknown_time_zone", field: "zone" });
  });
});

// ---------------------------------------------------------------------------

describe("isUnpopular", () => {
  const slot = (start: Date, minutes = 60): Interval => ({ start, end: new Date(start.getTime() + minutes * MINUTE) });

  it("a 17:00 UTC slot on a Wednesday is early for Los Angeles (09:00), late for Paris (18:00), fine for New York (12:00)", () => {
    const s = slot(utc("2026-12-02T17:00:00Z"));
    expect(lux(s.start, LA).hour).toBe(9);
    expect(lux(s.start, PARIS).hour).toBe(18);
    expect(isUnpopular(s, LA)).toBe(true);
    expect(isUnpopular(s, PARIS)).toBe(true);
    expect(isUnpopular(s, "America/New_York")).toBe(false);
  });

  it.each([
    ["Wed 09:59", "2026-12-02", "09:59", 60, true],
    ["Wed 10:00", "2026-12-02", "10:00", 60, false],
    ["Wed 16:00-17:00", "2026-12-02", "16:00", 60, false],
    ["Wed 16:30-17:30", "2026-12-02", "16:30", 60, true],
    ["Wed 23:00-00:00", "2026-12-02", "23:00", 60, true],
    ["Wed 02:00", "2026-12-02", "02:00", 60, true],
    ["Thu 13:00", "2026-12-03", "13:00", 60, false],
    ["Fri 12:00-13:00", "2026-12-04", "12:00", 60, false],
    ["Fri 12:30-13:30", "2026-12-04", "12:30", 60, false],
    ["Fri 13:00", "2026-12-04", "13:00", 60, true],
    ["Fri 15:00", "2026-12-04", "15:00", 60, true],
  ])("%s in Paris → %s", (_label, date, time, minutes, expected) => {
    expect(isUnpopular(slot(at(date, time, PARIS), minutes), PARIS)).toBe(expected);
  });

  it("uses the person's calendar: Friday 13:00 in Paris is Friday 04:00 in Los Angeles (early), Thursday in UTC+14", () => {
    const s = slot(at("2026-12-04", "13:00", PARIS));
    expect(isUnpopular(s, PARIS)).toBe(true);
    // Kiritimati (UTC+14): Saturday 02:00, early.
    expect(isUnpopular(s, "Pacific/Kiritimati")).toBe(true);
    // Fri 11:00 UTC+... : Asia/Kolkata 17:30 → late.
    expect(isUnpopular(s, KOLKATA)).toBe(true);
    // A Friday 12:00 Paris slot is Friday 11:00 UTC: fine in UTC (before 13:00).
    expect(isUnpopular(slot(at("2026-12-04", "12:00", PARIS)), "UTC")).toBe(false);
  });

  it("validates the slot and the zone", () => {
    expect(failure(() => isUnpopular(slot(utc("2026-12-02T17:00:00Z"), 0), PARIS))).toEqual({ code: "invalid_interval", field: "slot.end" });
    expect(failure(() => isUnpopular(slot(utc("2026-12-02T17:00:00Z")), "CET"))).toEqual({ code: "unknown_time_zone", field: "personZone" });
  });
});

// ---------------------------------------------------------------------------

describe("autoAssign", () => {
  const nineToFive: WeeklyWindow[] = [{ days: MON_FRI, start: "09:00", end: "17:00" }];
  const person = (id: string, over: Partial<AutoAssignPerson> = {}): AutoAssignPerson => ({
    id,
    zone: LA,
    workingHours: nineToFive,
    busy: [],
    unpopularCount: 0,
    ...over,
  });
  /** A slot at a local date and time (LA unless said), one hour, `seats` free. */
  const slot = (id: string, date: string, time: string, freeSeats = 1, zone = LA, minutes = 60): AutoAssignSlot => {
    const start = at(date, time, zone);
    return { id, start, end: new Date(start.getTime() + minutes * MINUTE), freeSeats };
  };
  const bySlot = (result: AutoAssignResult) => {
    const out: Record<string, string[]> = {};
    for (const a of result.assignments) (out[a.slotId] ??= []).push(a.personId);
    return out;
  };

  it("gives each person one slot inside their working hours, popular first, earliest on ties", () => {
    const slots = [slot("wed-09", "2026-12-02", "09:00"), slot("wed-11", "2026-12-02", "11:00"), slot("wed-10", "2026-12-02", "10:00")];
    expect(autoAssign({ slots, people: [person("ada")] })).toEqual({
      assignments: [{ personId: "ada", slotId: "wed-10", unpopular: false }],
      unplaced: [],
    });
  });

  it("working hours are in each person's own zone: Paris and Los Angeles each get a slot in their own 09-17", () => {
    // Every UTC hour of Wednesday 2 December 2026, one seat each.
    const slots = Array.from({ length: 24 }, (_, h) => slot(`h${String(h).padStart(2, "0")}`, "2026-12-02", `${String(h).padStart(2, "0")}:00`, 1, "UTC"));
    const result = autoAssign({ slots, people: [person("paris", { zone: PARIS }), person("la", { zone: LA })] });
    expect(result.unplaced).toEqual([]);
    const given = new Map(result.assignments.map((a) => [a.personId, slots.find((s) => s.id === a.slotId)!]));
    // The earliest popular hour for each in their own zone: 10:00 in Paris; in Los
    // Angeles the UTC day starts at Tuesday 16:00, which ends at 17:00 and is popular.
    expect(lux(given.get("paris")!.start, PARIS).toFormat("ccc HH:mm")).toBe("Wed 10:00");
    expect(lux(given.get("la")!.start, LA).toFormat("ccc HH:mm")).toBe("Tue 16:00");
    expect(result.assignments.every((a) => !a.unpopular)).toBe(true);

    // Only the hours outside Paris's 09-17 are offered: Paris cannot be placed, Los Angeles can.
    const outsideParis = slots.filter((s) => {
      const h = lux(s.start, PARIS).hour;
      return h < 9 || h >= 17;
    });
    const second = autoAssign({ slots: outsideParis, people: [person("paris", { zone: PARIS }), person("la", { zone: LA })] });
    expect(second.unplaced).toEqual([{ personId: "paris", reason: "no_slot_in_working_hours" }]);
    expect(second.assignments.map((a) => a.personId)).toEqual(["la"]);
  });

  it("a slot must lie entirely inside working hours (16:30-17:30 does not fit 09-17)", () => {
    const slots = [slot("late", "2026-12-02", "16:30")];
    expect(autoAssign({ slots, people: [person("ada")] }).unplaced).toEqual([{ personId: "ada", reason: "no_slot_in_working_hours" }]);
    // Touching windows join: 09-12 + 12-17 holds an 11:30-12:30 slot.
    const split = [{ days: MON_FRI, start: "09:00", end: "12:00" }, { days: MON_FRI, start: "12:00", end: "17:00" }];
    const result = autoAssign({ slots: [slot("noon", "2026-12-02", "11:30")], people: [person("ada", { workingHours: split })] });
    expect(result.assignments).toEqual([{ personId: "ada", slotId: "noon", unpopular: false }]);
  });

  it("busy intervals (shifts, other duty, time off) are respected; touching is fine", () => {
    const slots = [slot("wed-10", "2026-12-02", "10:00"), slot("wed-11", "2026-12-02", "11:00"), slot("thu-10", "2026-12-03", "10:00")];
    const busy = [
      { start: at("2026-12-02", "10:30"), end: at("2026-12-02", "11:00") }, // a short meeting inside wed-10
      { start: at("2026-12-03", "00:00"), end: at("2026-12-04", "00:00") }, // Thursday off
    ];
    expect(autoAssign({ slots, people: [person("ada", { busy })] }).assignments).toEqual([{ personId: "ada", slotId: "wed-11", unpopular: false }]);
    const allDay = [{ start: at("2026-12-02", "00:00"), end: at("2026-12-04", "00:00") }];
    expect(autoAssign({ slots, people: [person("ada", { busy: allDay })] }).unplaced).toEqual([{ personId: "ada", reason: "busy" }]);
  });

  it("says why someone got nothing: time off, other assignments, or both", () => {
    const slots = [slot("wed-10", "2026-12-02", "10:00"), slot("thu-10", "2026-12-03", "10:00"), slot("sat-10", "2026-12-05", "10:00")];
    const wednesday = { start: at("2026-12-02", "00:00"), end: at("2026-12-03", "00:00") };
    const thursday = { start: at("2026-12-03", "00:00"), end: at("2026-12-04", "00:00") };
    const reason = (p: Partial<AutoAssignPerson>) => autoAssign({ slots, people: [person("ada", p)] }).unplaced.map((u) => u.reason);
    // Saturday is outside Mon–Fri working hours, so only Wednesday and Thursday count.
    expect(reason({ away: [wednesday, thursday] })).toEqual(["on_time_off"]);
    expect(reason({ busy: [wednesday, thursday] })).toEqual(["busy"]);
    expect(reason({ away: [wednesday], busy: [thursday] })).toEqual(["busy"]);
    expect(reason({ away: [wednesday] })).toEqual([]);
    expect(autoAssign({ slots: [slots[2]!], people: [person("ada")] }).unplaced).toEqual([{ personId: "ada", reason: "no_slot_in_working_hours" }]);
  });

  it("seats are never exceeded; the rest are unplaced with no_free_seat", () => {
    const slots = [slot("wed-10", "2026-12-02", "10:00", 3), slot("wed-11", "2026-12-02", "11:00", 0)];
    const people = ["a", "b", "c", "d", "e"].map((id) => person(id));
    const result = autoAssign({ slots, people });
    expect(bySlot(result)).toEqual({ "wed-10": ["a", "b", "c"] });
    expect(result.unplaced).toEqual([
      { personId: "d", reason: "no_free_seat" },
      { personId: "e", reason: "no_free_seat" },
    ]);
    // Only full slots in working hours: no_free_seat, not no_slot_in_working_hours.
    expect(autoAssign({ slots: [slots[1]!], people: [person("a")] }).unplaced).toEqual([{ personId: "a", reason: "no_free_seat" }]);
    expect(autoAssign({ slots: [], people: [person("a")] }).unplaced).toEqual([{ personId: "a", reason: "no_open_slot" }]);
  });

  it("spreads people over slots: the slot with the most free seats first", () => {
    const slots = [slot("wed-10", "2026-12-02", "10:00", 3), slot("wed-11", "2026-12-02", "11:00", 3)];
    const result = autoAssign({ slots, people: ["a", "b", "c", "d"].map((id) => person(id)) });
    expect(bySlot(result)).toEqual({ "wed-10": ["a", "c"], "wed-11": ["b", "d"] });
  });

  it("spreads people over days: 4 people, 8 one-seat slots on 4 days → one per day", () => {
    const days = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"];
    const slots = days.flatMap((d) => [slot(`${d}@10`, d, "10:00"), slot(`${d}@11`, d, "11:00")]);
    const result = autoAssign({ slots, people: ["a", "b", "c", "d"].map((id) => person(id)), zone: LA });
    const dates = result.assignments.map((a) => a.slotId.slice(0, 10)).sort();
    expect(dates).toEqual(days);
  });

  it("calendar days for spreading are counted in the program zone (default UTC)", () => {
    // Tue 16:00 in Los Angeles is already Wednesday 00:00 UTC.
    const slots = [slot("tue-10", "2026-12-01", "10:00"), slot("tue-16", "2026-12-01", "16:00"), slot("wed-10", "2026-12-02", "10:00")];
    const people = [person("a"), person("b")];
    expect(autoAssign({ slots, people, zone: LA }).assignments.map((a) => a.slotId)).toEqual(["tue-10", "wed-10"]);
    expect(autoAssign({ slots, people }).assignments.map((a) => a.slotId)).toEqual(["tue-10", "tue-16"]);
  });

  it("8 people, 8 one-seat slots on 4 days → every slot used once", () => {
    const days = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"];
    const slots = days.flatMap((d) => [slot(`${d}@10`, d, "10:00"), slot(`${d}@14`, d, "14:00")]);
    const result = autoAssign({ slots, people: ["a", "b", "c", "d", "e", "f", "g", "h"].map((id) => person(id)), zone: LA });
    expect(result.unplaced).toEqual([]);
    expect(result.assignments.map((a) => a.slotId).sort()).toEqual(slots.map((s) => s.id).sort());
  });

  it("the ledger: whoever had an unpopular slot before gets the last popular seat; the other gets the unpopular one", () => {
    const slots = [slot("wed-10", "2026-12-02", "10:00"), slot("wed-09", "2026-12-02", "09:00")];
    const people = [person("amy"), person("zed", { unpopularCount: 1 })];
    expect(autoAssign({ slots, people })).toEqual({
      assignments: [
        { personId: "zed", slotId: "wed-10", unpopular: false },
        { personId: "amy", slotId: "wed-09", unpopular: true },
      ],
      unplaced: [],
    });
    // Without the ledger, id order decides.
    expect(autoAssign({ slots, people: [person("amy"), person("zed")] }).assignments[0]).toEqual({ personId: "amy", slotId: "wed-10", unpopular: false });
  });

  it("hard-to-place people choose before flexible ones", () => {
    // Ada can do 10:00 or 11:00; Zoe only 10:00-11:00. By id Ada would take 10:00 and leave Zoe out.
    const slots = [slot("wed-10", "2026-12-02", "10:00"), slot("wed-11", "2026-12-02", "11:00")];
    const zoe = person("zoe", { workingHours: [{ days: ["wed"], start: "10:00", end: "11:00" }] });
    expect(autoAssign({ slots, people: [person("ada"), zoe] }).assignments).toEqual([
      { personId: "zoe", slotId: "wed-10", unpopular: false },
      { personId: "ada", slotId: "wed-11", unpopular: false },
    ]);
  });

  it("is deterministic: shuffling slots and people gives the same result", () => {
    const days = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-07"];
    const slots = days.flatMap((d) => ["08:00", "10:00", "12:00", "14:00", "16:00"].map((t, i) => slot(`${d}@${t}`, d, t, i % 3)));
    const people = [
      ...["a", "b", "c", "d", "e", "f"].map((id, i) => person(id, { unpopularCount: i % 2 })),
      ...["g", "h", "i"].map((id) => person(id, { zone: PARIS })),
      person("j", { busy: [{ start: at("2026-12-01", "00:00"), end: at("2026-12-03", "00:00") }] }),
    ];
    const expected = autoAssign({ slots, people });
    expect(expected.assignments.length).toBeGreaterThan(3);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(slots, { minLength: slots.length, maxLength: slots.length }),
        fc.shuffledSubarray(people, { minLength: people.length, maxLength: people.length }),
        (s, p) => {
          expect(autoAssign({ slots: s, people: p })).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  // Scale, not speed: the chooser is a priority queue and people with the same hours share their
  // candidates, so this is linear in people for a month (bench/auto-assign.ts times it).
  it("a company month: 5,000 people in six zones, 400 slots; everyone placed or told why, no seat given twice, busy days kept", () => {
    const zones = [LA, PARIS, KOLKATA, "America/New_York", "Europe/London", "UTC"];
    const slots: AutoAssignSlot[] = [];
    for (let day = 1; slots.length < 400; day++) {
      const date = `2026-06-${String(day).padStart(2, "0")}`;
      if (lux(at(date, "12:00", "UTC"), "UTC").weekday > 5) continue;
      for (let h = 0; h < 20 && slots.length < 400; h++) slots.push(slot(`${date}@${h}`, date, `${String(h).padStart(2, "0")}:00`, 13, "UTC"));
    }
    const busyDay = (i: number) => `2026-06-${String(1 + (i % 28)).padStart(2, "0")}`;
    const people = Array.from({ length: 5_000 }, (_, i) =>
      person(`p${String(i).padStart(5, "0")}`, {
        zone: zones[i % zones.length]!,
        unpopularCount: i % 7 === 0 ? 1 : 0,
        busy: i % 5 === 0 ? [{ start: at(busyDay(i), "00:00", "UTC"), end: at(busyDay(i), "24:00", "UTC") }] : [],
        ...(i % 10 === 0 ? { workingHours: [{ days: ["mon", "wed", "fri"] as Weekday[], start: "10:00", end: "15:00" }] } : {}),
      }),
    );
    const result = autoAssign({ slots, people, zone: "UTC" });

    expect(result.assignments.length + result.unplaced.length).toBe(people.length);
    expect(new Set([...result.assignments, ...result.unplaced].map((x) => x.personId)).size).toBe(people.length);
    expect(result.assignments.length).toBeGreaterThan(3_000);
    const used = new Map<string, number>();
    for (const a of result.assignments) used.set(a.slotId, (used.get(a.slotId) ?? 0) + 1);
    expect(Math.max(...used.values())).toBeLessThanOrEqual(13);
    for (const a of result.assignments) {
      const i = Number(a.personId.slice(1));
      if (i % 5 === 0) expect(a.slotId.startsWith(busyDay(i))).toBe(false);
    }
    const reasons = new Set(result.unplaced.map((u) => u.reason));
    for (const r of reasons) expect(["no_slot_in_working_hours", "no_free_seat", "busy"]).toContain(r);
  });

  it("validates slots and people", () => {
    const good = slot("wed-10", "2026-12-02", "10:00");
    const run = (slots: AutoAssignSlot[], people: AutoAssignPerson[] = [person("a")], zone?: string) =>
      failure(() => autoAssign({ slots, people, ...(zone === undefined ? {} : { zone }) }));
    expect(run([good, { ...good }])).toEqual({ code: "invalid_input", field: "slots.1.id" });
    expect(run([{ ...good, id: "" }])).toEqual({ code: "invalid_input", field: "slots.0.id" });
    expect(run([{ ...good, freeSeats: -1 }])).toEqual({ code: "invalid_input", field: "slots.0.freeSeats" });
    expect(run([{ ...good, freeSeats: 1.5 }])).toEqual({ code: "invalid_input", field: "slots.0.freeSeats" });
    expect(run([{ ...good, end: good.start }])).toEqual({ code: "invalid_interval", field: "slots.0.end" });
    expect(run([good], [person("a"), person("a")])).toEqual({ code: "invalid_input", field: "people.1.id" });
    expect(run([good], [person("a", { zone: "PST" })])).toEqual({ code: "unknown_time_zone", field: "people.0.zone" });
    expect(run([good], [person("a", { unpopularCount: -1 })])).toEqual({ code: "invalid_input", field: "people.0.unpopularCount" });
    expect(run([good], [person("a", { workingHours: [{ days: ["mon"], start: "9:00", end: "17:00" }] })])).toEqual({
      code: "invalid_time",
      field: "people.0.workingHours.0.start",
    });
    expect(run([good], [person("a", { busy: [{ start: good.end, end: good.start }] })])).toEqual({ code: "invalid_interval", field: "people.0.busy.0.end" });
    expect(run([good], [person("a")], "Nowhere/City")).toEqual({ code: "unknown_time_zone", field: "zone" });
  });

  it("property: seats never exceeded, every assignment feasible, each person once, unplaced only when no feasible slot has a seat", () => {
    // The week of Monday 8 June 2026: no DST change in these zones.
    const BASE = DateTime.fromISO("2026-06-08T00:00", { zone: "UTC" }).toMillis();
    const zones = [LA, PARIS, KOLKATA, LORD_HOWE, "UTC", "Asia/Tokyo"];
    const arbSlot = fc.record({
      at: fc.integer({ min: 0, max: 7 * 48 - 4 }),
      minutes: fc.constantFrom(30, 60, 90),
      seats: fc.integer({ min: 0, max: 3 }),
    });
    const arbPerson = fc.record({
      zone: fc.constantFrom(...zones),
      days: fc.subarray(EVERY_DAY, { minLength: 1 }),
      from: fc.integer({ min: 0, max: 22 }),
      length: fc.integer({ min: 1, max: 12 }),
      noHours: fc.boolean(),
      busy: fc.array(fc.record({ at: fc.integer({ min: 0, max: 7 * 24 - 1 }), hours: fc.integer({ min: 1, max: 30 }) }), { maxLength: 3 }),
      unpopularCount: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(fc.array(arbSlot, { maxLength: 25 }), fc.array(arbPerson, { minLength: 1, maxLength: 12 }), (rawSlots, rawPeople) => {
        const slots: AutoAssignSlot[] = rawSlots.map((s, i) => ({
          id: `s${i}`,
          start: new Date(BASE + s.at * 30 * MINUTE),
          end: new Date(BASE + (s.at * 30 + s.minutes) * MINUTE),
          freeSeats: s.seats,
        }));
        const people: AutoAssignPerson[] = rawPeople.map((p, i) => {
          const to = Math.min(23, p.from + p.length);
          return {
            id: `p${i}`,
            zone: p.zone,
            workingHours: p.noHours ? [] : [{ days: p.days, start: `${String(p.from).padStart(2, "0")}:00`, end: `${String(to).padStart(2, "0")}:00` }],
            busy: p.busy.map((b) => ({ start: new Date(BASE + b.at * HOUR), end: new Date(BASE + (b.at + b.hours) * HOUR) })),
            unpopularCount: p.unpopularCount,
          };
        });
        const result = autoAssign({ slots, people });

        // Independent feasibility (luxon): inside the one window on the start's local day, no busy overlap.
        const fits = (p: AutoAssignPerson, s: AutoAssignSlot, evenIfBusy = false) => {
          const w = p.workingHours[0];
          if (w === undefined) return false;
          const a = lux(s.start, p.zone);
          const b = lux(s.end, p.zone);
          const minutes = (d: DateTime) => d.hour * 60 + d.minute;
          const [wh, wm] = w.start.split(":").map(Number) as [number, number];
          const [eh, em] = w.end.split(":").map(Number) as [number, number];
          return (
            w.days.includes(WEEKDAYS[a.weekday - 1]!) &&
            a.toISODate() === b.toISODate() &&
            minutes(a) >= wh * 60 + wm &&
            minutes(b) <= eh * 60 + em &&
            (evenIfBusy || p.busy.every((x) => x.end.getTime() <= s.start.getTime() || x.start.getTime() >= s.end.getTime()))
          );
        };
        const unpopular = (p: AutoAssignPerson, s: AutoAssignSlot) => {
          const a = lux(s.start, p.zone);
          const b = lux(s.end, p.zone);
          const endMinutes = b.hour * 60 + b.minute + (a.toISODate() === b.toISODate() ? 0 : 1440);
          return a.hour < 10 || endMinutes > 17 * 60 || (a.weekday === 5 && a.hour >= 13);
        };

        const used = new Map<string, number>();
        const seen = new Set<string>();
        for (const a of result.assignments) {
          const p = people.find((x) => x.id === a.personId)!;
          const s = slots.find((x) => x.id === a.slotId)!;
          expect(fits(p, s)).toBe(true);
          expect(a.unpopular).toBe(unpopular(p, s));
          used.set(s.id, (used.get(s.id) ?? 0) + 1);
          expect(seen.has(p.id)).toBe(false);
          seen.add(p.id);
        }
        for (const s of slots) expect(used.get(s.id) ?? 0).toBeLessThanOrEqual(s.freeSeats);
        for (const u of result.unplaced) {
          const p = people.find((x) => x.id === u.personId)!;
          expect(seen.has(p.id)).toBe(false);
          seen.add(p.id);
          const candidates = slots.filter((s) => fits(p, s));
          const inHours = slots.filter((s) => fits(p, s, true));
          expect(u.reason).toBe(slots.length === 0 ? "no_open_slot" : inHours.length === 0 ? "no_slot_in_working_hours" : candidates.length === 0 ? "busy" : "no_free_seat");
          expect(candidates.every((s) => (used.get(s.id) ?? 0) === s.freeSeats)).toBe(true);
        }
        expect(seen.size).toBe(people.length);
      }),
      { numRuns: 150 },
    );
  });
});
