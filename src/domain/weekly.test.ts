import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { type Interval, mergeIntervals } from "./interval.ts";
import { WEEKDAYS, type Weekday, type WeeklyHours, type WeeklyWindow, expandWeeklyHours, isOpenAt } from "./weekly.ts";
import { domainError } from "./testing.ts";

const HOUR = 3_600_000;
const LA = "America/Los_Angeles";
const WEEKDAYS_MON_FRI: Weekday[] = ["mon", "tue", "wed", "thu", "fri"];


/** Local window [from 00:00 of `fromDate`, to 00:00 of `toDate`) via luxon. */
const localWindow = (zone: string, fromDate: string, toDate: string) => ({
  from: DateTime.fromISO(fromDate, { zone }).toJSDate(),
  to: DateTime.fromISO(toDate, { zone }).toJSDate(),
});
const local = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat("ccc yyyy-MM-dd HH:mm");
const hours = (i: Interval) => (i.end.getTime() - i.start.getTime()) / HOUR;
/** Real length of a local day per luxon. */
const dayHours = (date: string, zone: string) => {
  const start = DateTime.fromISO(date, { zone }).startOf("day");
  return start.plus({ days: 1 }).diff(start, "hours").hours;
};

describe("support hours Mon-Fri 07:00-18:00 America/Los_Angeles", () => {
  const hoursLA: WeeklyHours = { zone: LA, windows: [{ days: WEEKDAYS_MON_FRI, start: "07:00", end: "18:00" }] };

  it("opens at 07:00 and closes at 18:00 local on both sides of the spring change", () => {
    const out = expandWeeklyHours(hoursLA, localWindow(LA, "2026-03-01", "2026-03-15"));
    expect(out.map((i) => `${local(i.start, LA)} -> ${local(i.end, LA)}`)).toEqual(
      ["02", "03", "04", "05", "06", "09", "10", "11", "12", "13"].map((d) => {
        const day = DateTime.fromISO(`2026-03-${d}`, { zone: LA }).toFormat("ccc yyyy-MM-dd");
        return `${day} 07:00 -> ${day} 18:00`;
      }),
    );
    expect(out.every((i) => hours(i) === 11)).toBe(true);
  });

  it("clips to the window and is open exactly inside the hours", () => {
    const from = new Date("2026-03-09T20:00:00Z"); // Mon 13:00 PDT
    const out = expandWeeklyHours(hoursLA, { from, to: new Date("2026-03-10T14:00:00Z") }); // to: Tue 07:00 PDT
    expect(out).toEqual([{ start: from, end: new Date("2026-03-10T01:00:00Z") }]);
    expect(isOpenAt(hoursLA, new Date("2026-03-10T00:59:59Z"))).toBe(true);
    expect(isOpenAt(hoursLA, new Date("2026-03-10T01:00:00Z"))).toBe(false);
    expect(isOpenAt(hoursLA, new Date("2026-03-08T18:00:00Z"))).toBe(false); // a Sunday
  });
});

describe("windows crossing midnight", () => {
  it("22:00-06:00 lasts 8 h, 9 h on fall-back night and 7 h on spring-forward night", () => {
    const nights: WeeklyHours = { zone: LA, windows: [{ days: [...WEEKDAYS], start: "22:00", end: "06:00" }] };
    for (const [night, next] of [
      ["2026-03-06", "2026-03-07"],
      ["2026-03-07", "2026-03-08"],
      ["2026-10-31", "2026-11-01"],
    ] as const) {
      const out = expandWeeklyHours(nights, localWindow(LA, `${night}T12:00`, `${next}T12:00`));
      expect(out.length).toBe(1);
      const first = out[0]!;
      expect(local(first.start, LA)).toBe(DateTime.fromISO(`${night}T22:00`, { zone: LA }).toFormat("ccc yyyy-MM-dd HH:mm"));
      expect(local(first.end, LA)).toBe(DateTime.fromISO(`${next}T06:00`, { zone: LA }).toFormat("ccc yyyy-MM-dd HH:mm"));
      expect(hours(first)).toBe(8 + dayHours(next, LA) - 24);
    }
  });

  it.each(["America/Los_Angeles", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Chatham"])(
    "a 00:00-06:00 night shift in %s lasts 6 h plus the change (7 h fall-back, 5 h spring-forward)",
    (zone) => {
      const night: WeeklyHours = { zone, windows: [{ days: [...WEEKDAYS], start: "00:00", end: "06:00" }] };
      const changeDays: string[] = [];
      for (let d = DateTime.fromISO("2026-01-01", { zone }); d.year === 2026; d = d.plus({ days: 1 })) {
        if (dayHours(d.toISODate()!, zone) !== 24) changeDays.push(d.toISODate()!);
      }
      expect(changeDays.length).toBe(2);
      for (const date of changeDays) {
        const [shift] = expandWeeklyHours(night, localWindow(zone, date, DateTime.fromISO(date).plus({ days: 1 }).toISODate()!));
        expect(hours(shift!)).toBe(6 + dayHours(date, zone) - 24);
      }
      const lengths = changeDays.map((date) => dayHours(date, zone)).sort();
      expect(lengths[0]).toBeLessThan(24);
      expect(lengths[1]).toBeGreaterThan(24);
    },
  );
});

describe("24/7", () => {
  const window = localWindow(LA, "2026-10-28", "2026-11-05");
  it.each([
    ["allWeek", { zone: LA, allWeek: true }],
    ["00:00-24:00 every day", { zone: LA, windows: [{ days: [...WEEKDAYS], start: "00:00", end: "24:00" }] }],
    ["00:00-00:00 every day", { zone: LA, windows: [{ days: [...WEEKDAYS], start: "00:00", end: "00:00" }] }],
  ] as const)("%s is one interval covering the window, fall-back night included", (_name, hours24) => {
    expect(expandWeeklyHours(hours24 as WeeklyHours, window)).toEqual([{ start: window.from, end: window.to }]);
  });
});

describe("dated exceptions", () => {
  const zone = LA;
  const support: WeeklyHours = {
    zone,
    windows: [
      { days: WEEKDAYS_MON_FRI, start: "07:00", end: "18:00" },
      { days: ["wed", "thu"], start: "22:00", end: "06:00" },
    ],
    exceptions: [
      { date: "2026-12-25", closed: true },
      { date: "2026-12-24", start: "10:00", end: "14:00" },
    ],
  };

  it("closed on Christmas, 10:00-14:00 on Christmas Eve (which also cuts the night reaching into it)", () => {
    const out = expandWeeklyHours(support, localWindow(zone, "2026-12-21", "2026-12-28"));
    expect(out.map((i) => `${local(i.start, zone)} -> ${local(i.end, zone)}`)).toEqual([
      "Mon 2026-12-21 07:00 -> Mon 2026-12-21 18:00",
      "Tue 2026-12-22 07:00 -> Tue 2026-12-22 18:00",
      "Wed 2026-12-23 07:00 -> Wed 2026-12-23 18:00",
      "Wed 2026-12-23 22:00 -> Thu 2026-12-24 00:00",
      "Thu 2026-12-24 10:00 -> Thu 2026-12-24 14:00",
    ]);
  });

  it("the week after is back to normal", () => {
    const out = expandWeeklyHours(support, localWindow(zone, "2026-12-28", "2027-01-04"));
    expect(out.length).toBe(5 + 1 + 1); // Mon-Fri days; Wed and Thu nights (Thu night runs into Fri morning, separate)
    expect(out.map((i) => local(i.start, zone))).toContain("Thu 2026-12-31 22:00");
  });

  it("several special-hour entries on one date add up", () => {
    const split: WeeklyHours = {
      zone,
      windows: [],
      exceptions: [
        { date: "2026-12-31", start: "09:00", end: "12:00" },
        { date: "2026-12-31", start: "13:00", end: "24:00" },
      ],
    };
    const out = expandWeeklyHours(split, localWindow(zone, "2026-12-30", "2027-01-02"));
    expect(out.map((i) => `${local(i.start, zone)} -> ${local(i.end, zone)}`)).toEqual([
      "Thu 2026-12-31 09:00 -> Thu 2026-12-31 12:00",
      "Thu 2026-12-31 13:00 -> Fri 2027-01-01 00:00",
    ]);
  });
});

describe("bad input", () => {
  const ok: WeeklyWindow = { days: ["mon"], start: "09:00", end: "17:00" };
  const window = localWindow(LA, "2026-01-05", "2026-01-12");
  it.each([
    ["unknown zone", { zone: "PST", windows: [ok] }, "unknown_time_zone", "hours.zone"],
    ["bad start", { zone: LA, windows: [{ ...ok, start: "25:00" }] }, "invalid_time", "hours.windows.0.start"],
    ["24:00 start", { zone: LA, windows: [ok, { ...ok, start: "24:00" }] }, "invalid_time", "hours.windows.1.start"],
    ["no days", { zone: LA, windows: [{ ...ok, days: [] }] }, "invalid_input", "hours.windows.0.days"],
    ["unknown day", { zone: LA, windows: [{ ...ok, days: ["mon", "Tuesday"] }] }, "invalid_input", "hours.windows.0.days.1"],
    ["no windows at all", { zone: LA, windows: [] }, "never_matches", "hours.windows"],
    ["allWeek with windows", { zone: LA, allWeek: true, windows: [ok] }, "invalid_input", "hours.windows"],
    ["bad exception date", { zone: LA, windows: [ok], exceptions: [{ date: "2026-02-30", closed: true }] }, "invalid_date", "hours.exceptions.0.date"],
    [
      "special hours ending before they start",
      { zone: LA, windows: [ok], exceptions: [{ date: "2026-12-24", start: "14:00", end: "10:00" }] },
      "invalid_interval",
      "hours.exceptions.0.end",
    ],
    [
      "closed and special on one date",
      {
        zone: LA,
        windows: [ok],
        exceptions: [
          { date: "2026-12-24", start: "10:00", end: "14:00" },
          { date: "2026-12-24", closed: true },
        ],
      },
      "invalid_input",
      "hours.exceptions.1.closed",
    ],
  ])("%s", (_name, hoursInput, code, field) => {
    const error = domainError(() => expandWeeklyHours(hoursInput as WeeklyHours, window));
    expect([error.code, error.field]).toEqual([code, field]);
  });
});

describe("weekly expansion (property)", () => {
  const zones = ["America/Los_Angeles", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"];
  const time = fc.integer({ min: 0, max: 95 }).map((q) => `${String(Math.floor(q / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")}`);
  const arbWindow = fc.record({
    days: fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1, maxLength: 7 }),
    start: time,
    end: fc.oneof(time, fc.constant("24:00")),
  });
  const arbHours = fc.record({ zone: fc.constantFrom(...zones), windows: fc.array(arbWindow, { minLength: 1, maxLength: 3 }) });
  const YEAR_START = Date.UTC(2026, 0, 1);
  const arbInstant = fc.integer({ min: 0, max: 365 * 96 }).map((q) => YEAR_START + q * 15 * 60_000);

  it("splitting the window anywhere gives the same open time", () => {
    fc.assert(
      fc.property(arbHours, arbInstant, fc.integer({ min: 1, max: 40 * 96 }), fc.integer({ min: 0, max: 40 * 96 }), (h, from, len, cut) => {
        const to = from + len * 15 * 60_000;
        const mid = Math.min(to, from + cut * 15 * 60_000);
        const whole = expandWeeklyHours(h, { from: new Date(from), to: new Date(to) });
        const parts = mergeIntervals([
          ...expandWeeklyHours(h, { from: new Date(from), to: new Date(mid) }),
          ...expandWeeklyHours(h, { from: new Date(mid), to: new Date(to) }),
        ]);
        expect(whole).toEqual(parts);
      }),
      { numRuns: 150 },
    );
  });

  it("away from DST days, open at T exactly when T's local weekday and time fall in a window", () => {
    fc.assert(
      fc.property(arbHours, arbInstant, fc.integer({ min: 0, max: 14 }), (h, t0, minute) => {
        const t = t0 + minute * 60_000;
        const lt = DateTime.fromMillis(t, { zone: h.zone });
        const today = lt.startOf("day");
        const yesterday = today.minus({ days: 1 });
        fc.pre(dayHours(today.toISODate()!, h.zone) === 24 && dayHours(yesterday.toISODate()!, h.zone) === 24);
        fc.pre(dayHours(today.plus({ days: 1 }).toISODate()!, h.zone) === 24);
        const minuteOfDay = lt.hour * 60 + lt.minute;
        const dayName = (d: DateTime) => WEEKDAYS[d.weekday - 1]!;
        const expected = h.windows.some((w) => {
          const start = Number(w.start.slice(0, 2)) * 60 + Number(w.start.slice(3));
          let end = Number(w.end.slice(0, 2)) * 60 + Number(w.end.slice(3));
          if (end <= start) end += 1440;
          const todayHit = w.days.includes(dayName(today)) && minuteOfDay >= start && minuteOfDay < end;
          const fromYesterday = w.days.includes(dayName(yesterday)) && minuteOfDay + 1440 < end;
          return todayHit || fromYesterday;
        });
        expect(isOpenAt(h, new Date(t))).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
