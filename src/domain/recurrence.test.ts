import fc from "fast-check";
import { DateTime } from "luxon";
import rrulePackage from "rrule";
import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.ts";
import { compileRecurrence, expandPattern, occurrenceStarts, occursAt, validateRecurrence } from "./recurrence.ts";
import { domainError } from "./testing.ts";

const { RRule } = rrulePackage;
const HOUR = 3_600_000;
const LA = "America/Los_Angeles";


const localWindow = (zone: string, from: string, to: string) => ({
  from: DateTime.fromISO(from, { zone }).toJSDate(),
  to: DateTime.fromISO(to, { zone }).toJSDate(),
});
const wall = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone });

describe("weekly shift pattern in America/Los_Angeles", () => {
  const pattern = { rrule: "FREQ=WEEKLY;BYDAY=MO,WE", start: "2026-01-05T09:00", endTime: "17:00", zone: LA };

  it("every Monday and Wednesday 09:00-17:00 local, before and after the March change", () => {
    const window = localWindow(LA, "2026-03-01", "2026-03-31");
    const out = expandPattern(pattern, window);
    const expectedDays: string[] = [];
    for (let d = DateTime.fromISO("2026-03-01", { zone: LA }); d < DateTime.fromISO("2026-03-31", { zone: LA }); d = d.plus({ days: 1 })) {
      if (d.weekday === 1 || d.weekday === 3) expectedDays.push(d.toISODate()!);
    }
    expect(out.map((o) => wall(o.start, LA).toISODate())).toEqual(expectedDays);
    for (const o of out) {
      expect(wall(o.start, LA).toFormat("HH:mm")).toBe("09:00");
      expect(wall(o.end, LA).toFormat("HH:mm")).toBe("17:00");
      expect(o.end.getTime() - o.start.getTime()).toBe(8 * HOUR);
      expect(o.local).toBe(`${wall(o.start, LA).toISODate()}T09:00`);
    }
  });

  it("returns whole occurrences overlapping the window, not clipped", () => {
    const from = DateTime.fromISO("2026-03-02T12:00", { zone: LA }).toJSDate();
    const out = expandPattern(pattern, { from, to: new Date(from.getTime() + HOUR) });
    expect(out.length).toBe(1);
    expect(wall(out[0]!.start, LA).toFormat("yyyy-MM-dd HH:mm")).toBe("2026-03-02 09:00");
  });
});

describe("DST rules on occurrences", () => {
  it("a daily 02:30 occurrence on spring-forward day starts at the transition (03:00 PDT)", () => {
    const starts = occurrenceStarts({ rrule: "FREQ=DAILY", start: "2026-03-01T02:30", zone: LA }, localWindow(LA, "2026-03-07", "2026-03-10"));
    expect(starts.map((d) => d.toISOString())).toEqual([
      "2026-03-07T10:30:00.000Z", // 02:30 PST
      "2026-03-08T10:00:00.000Z", // 02:30 does not exist: 03:00 PDT
      "2026-03-09T09:30:00.000Z", // 02:30 PDT
    ]);
  });

  it("a daily 01:30 occurrence on fall-back day happens once, at the earlier offset", () => {
    const starts = occurrenceStarts({ rrule: "FREQ=DAILY", start: "2026-10-01T01:30", zone: LA }, localWindow(LA, "2026-11-01", "2026-11-02"));
    expect(starts.map((d) => d.toISOString())).toEqual(["2026-11-01T08:30:00.000Z"]);
  });

  it("a 00:00-06:00 night pattern lasts 7 h on fall-back night and 5 h on spring-forward night", () => {
    const nights = { rrule: "FREQ=DAILY", start: "2026-01-01T00:00", endTime: "06:00", zone: LA };
    const lengths = (from: string, to: string) =>
      expandPattern(nights, localWindow(LA, from, to)).map((o) => (o.end.getTime() - o.start.getTime()) / HOUR);
    expect(lengths("2026-10-31T12:00", "2026-11-02T12:00")).toEqual([7, 6]);
    expect(lengths("2026-03-07T12:00", "2026-03-09T12:00")).toEqual([5, 6]);
  });

  it("an end time at or before the start time ends the next day; ambiguous ends take the later offset", () => {
    const late = { rrule: "FREQ=DAILY", start: "2026-10-01T22:00", endTime: "01:30", zone: LA };
    const [o] = expandPattern(late, localWindow(LA, "2026-10-31T20:00", "2026-10-31T23:00"));
    expect(o!.end.toISOString()).toBe("2026-11-01T09:30:00.000Z"); // 01:30 PST, the second 01:30
  });

  it("durationMinutes is real time, even across the gap", () => {
    const slot = { rrule: "FREQ=DAILY", start: "2026-03-01T01:30", durationMinutes: 60, zone: LA };
    const [o] = expandPattern(slot, localWindow(LA, "2026-03-08", "2026-03-08T12:00"));
    expect(o!.end.getTime() - o!.start.getTime()).toBe(HOUR);
    expect(wall(o!.end, LA).toFormat("HH:mm")).toBe("03:30");
  });

  it("hourly rules step on the wall clock too: every 4 h local is 00:00, 04:00, ... on change day", () => {
    const starts = occurrenceStarts(
      { rrule: "FREQ=HOURLY;INTERVAL=4", start: "2026-03-01T00:00", zone: "Europe/London" },
      localWindow("Europe/London", "2026-03-29", "2026-03-30"),
    );
    expect(starts.map((d) => wall(d, "Europe/London").toFormat("HH:mm"))).toEqual(["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"]);
    expect(starts[1]!.getTime() - starts[0]!.getTime()).toBe(3 * HOUR);
  });

  it("02:00 and 03:00 on spring-forward night are one instant, so one occurrence", () => {
    const starts = occurrenceStarts({ rrule: "FREQ=DAILY;BYHOUR=2,3", start: "2026-03-01T02:00", zone: LA }, localWindow(LA, "2026-03-08", "2026-03-09"));
    expect(starts.map((d) => d.toISOString())).toEqual(["2026-03-08T10:00:00.000Z"]);
    const shifts = expandPattern({ rrule: "FREQ=DAILY;BYHOUR=2,3", start: "2026-03-01T02:00", endTime: "06:00", zone: LA }, localWindow(LA, "2026-03-08", "2026-03-09"));
    expect(shifts.map((o) => o.local)).toEqual(["2026-03-08T02:00"]);
  });

  it("the host TZ (Pacific/Chatham here) never leaks in: a UTC rule is exactly UTC", () => {
    const starts = occurrenceStarts({ rrule: "FREQ=DAILY;BYHOUR=9,21", start: "2026-04-01T09:00", zone: "UTC" }, {
      from: new Date("2026-04-04T00:00:00Z"),
      to: new Date("2026-04-06T00:00:00Z"),
    });
    expect(starts.map((d) => d.toISOString())).toEqual([
      "2026-04-04T09:00:00.000Z",
      "2026-04-04T21:00:00.000Z",
      "2026-04-05T09:00:00.000Z",
      "2026-04-05T21:00:00.000Z",
    ]);
    expect(occursAt({ rrule: "FREQ=DAILY", start: "2026-04-01T09:00", zone: "UTC" }, new Date("2026-04-05T09:00:00Z"))).toBe(true);
  });
});

describe("COUNT, UNTIL and monthly rules", () => {
  const jan = localWindow(LA, "2026-01-01", "2026-02-01");
  const days = (starts: Date[]) => starts.map((d) => wall(d, LA).toFormat("dd"));

  it("COUNT counts from the start even when the window is later", () => {
    const rule = { rrule: "FREQ=DAILY;COUNT=3", start: "2026-01-05T09:00", zone: LA };
    expect(days(occurrenceStarts(rule, jan))).toEqual(["05", "06", "07"]);
    expect(occurrenceStarts(rule, localWindow(LA, "2026-01-07", "2026-02-01")).length).toBe(1);
  });

  it.each([
    ["floating UNTIL is local and inclusive", "UNTIL=20260110T090000", ["08", "09", "10"]],
    ["date-only UNTIL runs through that local date", "UNTIL=20260110", ["08", "09", "10"]],
    ["UNTIL with Z is an instant (08:30 PST, before the 09:00 occurrence)", "UNTIL=20260110T163000Z", ["08", "09"]],
  ])("%s", (_name, until, expected) => {
    const rule = { rrule: `FREQ=DAILY;${until}`, start: "2026-01-08T09:00", zone: LA };
    expect(days(occurrenceStarts(rule, jan))).toEqual(expected);
  });

  it("FREQ=MONTHLY;BYDAY=1MO is the first Monday of each month", () => {
    const starts = occurrenceStarts({ rrule: "FREQ=MONTHLY;BYDAY=1MO", start: "2026-01-01T10:00", zone: LA }, localWindow(LA, "2026-01-01", "2027-01-01"));
    expect(starts.length).toBe(12);
    for (const d of starts) {
      const w = wall(d, LA);
      expect([w.weekday, w.day <= 7, w.hour]).toEqual([1, true, 10]);
    }
  });
});

describe("bad input", () => {
  const base = { start: "2026-01-05T09:00", zone: LA };
  const window = localWindow(LA, "2026-01-01", "2026-02-01");
  it.each([
    ["garbage"],
    [""],
    ["FREQ=FOO"],
    ["BYDAY=MO"],
    ["FREQ=DAILY;INTERVAL=abc"],
    ["FREQ=DAILY;INTERVAL=0"],
    ["FREQ=DAILY;COUNT=-1"],
    ["FREQ=DAILY;BYHOUR=25"],
    ["FREQ=DAILY;BYMONTHDAY=0"],
    ["FREQ=DAILY;BYDAY=XX"],
    ["FREQ=DAILY;BYDAY=1MO"],
    ["FREQ=MINUTELY"],
    ["FREQ=DAILY;FOO=1"],
    ["FREQ=DAILY;FREQ=WEEKLY"],
    ["FREQ=DAILY;COUNT=3;UNTIL=20261231T000000Z"],
    ["FREQ=DAILY;UNTIL=20260231"],
    ["FREQ=DAILY;TZID=Europe/London"],
    ["DTSTART:20260101T090000\nRRULE:FREQ=DAILY"],
    ["FREQ=YEARLY;BYEASTER=0"],
    ["FREQ=DAILY;BYSETPOS=1"],
    ["FREQ=WEEKLY;BYMONTHDAY=1"],
    ["FREQ=HOURLY;INTERVAL=2;BYHOUR=2"], // odd hours only from 09:00: rrule itself would loop forever
    // rrule's parser accepts these (or throws a raw Error/TypeError); each must still be invalid_rrule.
    ["FREQ=SECONDLY"],
    ["FREQ=0"], // rrule reads "0" as "YEARLY" (the enum's reverse mapping)
    ["FREQ=DAILY;BYSECOND=0"],
    ["FREQ=DAILY;BYWEEKDAY=MO"],
    ["FREQ=DAILY;DTSTART=20260101T090000"],
    ["FREQ=DAILY;"],
    ["FREQ=WEEKLY;BYDAY=MO=TU"], // rrule would read MO and drop =TU
    ["FREQ=WEEKLY;BYDAY=MO;BYDAY=TU"], // rrule keeps the last
    ["FREQ=MONTHLY;BYDAY=1XX"], // TypeError inside rrule
    ["FREQ=MONTHLY;BYDAY=0MO"],
    ["FREQ=WEEKLY;BYDAY=MO,,TU"],
    ["FREQ=WEEKLY;WKST=XX"],
    ["FREQ=DAILY;UNTIL=2026"],
    ["FREQ=DAILY;UNTIL=20260110T240000"], // luxon would roll it over to the next day
    ["FREQ=DAILY;UNTIL=20260110T250000"],
    ["FREQ=DAILY;INTERVAL=1,2"],
    ["FREQ=DAILY;INTERVAL=1.5"],
    ["FREQ=DAILY;BYHOUR=1,,2"],
    ["FREQ=DAILY;BYHOUR=-1"],
    ["FREQ=YEARLY;BYDAY=54MO"],
    ["FREQ=MONTHLY;BYDAY=6MO"],
  ])("%j is invalid_rrule on the rrule field", (rrule) => {
    const error = domainError(() => occurrenceStarts({ ...base, rrule }, window));
    expect([error.code, error.field]).toEqual(["invalid_rrule", "rrule"]);
  });

  it("an HOURLY BYHOUR the interval can reach is fine (odd hours from 09:00)", () => {
    const starts = occurrenceStarts({ ...base, rrule: "FREQ=HOURLY;INTERVAL=2;BYHOUR=1,13" }, localWindow(LA, "2026-01-06", "2026-01-07"));
    expect(starts.map((d) => wall(d, LA).toFormat("HH:mm"))).toEqual(["01:00", "13:00"]);
  });

  it.each([
    ["FREQ=MONTHLY;BYDAY=1XX", 'BYDAY: "1XX" is not a weekday such as MO, 1MO or -1FR'],
    ["FREQ=DAILY;UNTIL=2026", 'UNTIL: "2026" is not YYYYMMDD or YYYYMMDDTHHMMSS[Z]'],
    ["FREQ=DAILY;UNTIL=20260231", 'UNTIL: "20260231" is not a real date'],
    ["FREQ=DAILY;UNTIL=20260110T240000", 'UNTIL: "20260110T240000" is not a valid time'],
    ["FREQ=DAILY;INTERVAL=abc", 'INTERVAL: "ABC" is not an integer'],
    ["FREQ=DAILY;BYHOUR=9,24", "BYHOUR: 24 is out of range"],
    ["FREQ=DAILY;BYEASTER=0", "BYEASTER is not a supported RRULE part"],
    ["FREQ=DAILY;BYDAY=MO;BYDAY=TU", "BYDAY appears twice"],
    ["FREQ=MINUTELY", "FREQ=MINUTELY is not supported (YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY)"],
  ])("%j names the bad part in its message, not rrule's raw error", (rrule, message) => {
    expect(domainError(() => occurrenceStarts({ ...base, rrule }, window)).message).toBe(message);
  });

  it("spaces around parts and values (not inside lists), and a lower-case WKST, are fine", () => {
    const starts = occurrenceStarts({ ...base, rrule: " FREQ = WEEKLY ; BYDAY = mo,we ; wkst = su " }, window);
    expect(starts.map((d) => wall(d, LA).toFormat("ccc"))).toEqual(["Mon", "Wed", "Mon", "Wed", "Mon", "Wed", "Mon", "Wed"]);
  });

  it("UNTIL on a leap day is a real date", () => {
    const rule = { rrule: "FREQ=DAILY;UNTIL=20280229", start: "2028-02-27T09:00", zone: LA };
    expect(occurrenceStarts(rule, localWindow(LA, "2028-02-01", "2028-04-01")).length).toBe(3);
  });

  it("RRULE: prefix and lower case are fine", () => {
    expect(occurrenceStarts({ ...base, rrule: "RRULE:freq=weekly;byday=mo" }, window).length).toBe(4);
  });

  it("an unknown zone and a bad start name their fields", () => {
    expect(domainError(() => occurrenceStarts({ ...base, zone: "Mars/Base", rrule: "FREQ=DAILY" }, window)).code).toBe("unknown_time_zone");
    expect(domainError(() => validateRecurrence({ ...base, start: "2026-01-05", rrule: "FREQ=DAILY" }, "pattern")).field).toBe("pattern.start");
  });

  it("a pattern needs exactly one of endTime and durationMinutes, and a sane duration", () => {
    expect(domainError(() => expandPattern({ ...base, rrule: "FREQ=DAILY" }, window)).field).toBe("endTime");
    expect(domainError(() => expandPattern({ ...base, rrule: "FREQ=DAILY", durationMinutes: 0 }, window)).code).toBe("invalid_interval");
  });

  it.each([["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"], ["FREQ=DAILY;INTERVAL=7;BYDAY=TU"], ["FREQ=DAILY;UNTIL=20250101T000000Z"]])(
    "%s never matches: never_matches on write, empty (and quick) on read",
    (rrule) => {
      const error = domainError(() => validateRecurrence({ ...base, rrule }, "pattern"));
      expect([error.code, error.field]).toEqual(["never_matches", "pattern.rrule"]);
      expect(occurrenceStarts({ ...base, rrule }, window)).toEqual([]);
    },
  );

  it("a rare but real rule passes validation (Feb 29 on a Monday)", () => {
    expect(() => validateRecurrence({ ...base, rrule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO" })).not.toThrow();
  });
});

// rrule's parser throws raw Errors and TypeErrors on some inputs; none may escape as anything but invalid_rrule.
describe("hostile RRULE text (property)", () => {
  const keys = ["FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", "BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYHOUR", "BYMINUTE", "BYSETPOS", "BYSECOND", "BYEASTER", "BYWEEKDAY", "DTSTART", "TZID", "X-FOO", "byday", ""];
  const values = ["DAILY", "HOURLY", "SECONDLY", "0", "MO", "mo", "1MO", "-1FR", "0MO", "1XX", "XX", "MO,,TU", "MO=TU", "1", "-1", "+2", "1,2", "1,,2", "", " ", "20260110", "20260110T240000", "20260231", "20260110T163000Z", "2026", "abc", "1.5", "1e2", "__proto__", "constructor"];
  const part = fc.oneof(
    fc.tuple(fc.constantFrom(...keys), fc.constantFrom("=", "", "==", ":"), fc.constantFrom(...values)).map(([k, eq, v]) => `${k}${eq}${v}`),
    fc.string({ maxLength: 12 }),
  );
  it("either compiles or is invalid_rrule on the rrule field", () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), fc.boolean(), (parts, withFreq) => {
        const rrule = (withFreq ? ["FREQ=WEEKLY", ...parts] : parts).join(";");
        try {
          compileRecurrence({ rrule, start: "2026-01-05T09:00", zone: LA });
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
          expect([(error as DomainError).code, (error as DomainError).field]).toEqual(["invalid_rrule", "rrule"]);
          expect((error as DomainError).message).not.toMatch(/Cannot read|undefined|Unknown RRULE property|Invalid weekday string/);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

// In UTC local time is the instant, so this compares our parsing and
// 400-year-shifted evaluation against rrule's own parser run directly.
describe("recurrence vs rrule directly (property)", () => {
  const dayCodes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
  const arbRule = fc
    .record({
      freq: fc.constantFrom("DAILY", "WEEKLY", "MONTHLY", "YEARLY"),
      interval: fc.integer({ min: 1, max: 3 }),
      byday: fc.option(fc.uniqueArray(fc.constantFrom(...dayCodes), { minLength: 1, maxLength: 4 }), { nil: undefined }),
      bymonthday: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 28 }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
      byhour: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { minLength: 1, maxLength: 2 }), { nil: undefined }),
      count: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    })
    .map((r) => {
      const parts = [`FREQ=${r.freq}`, `INTERVAL=${r.interval}`];
      if (r.byday) parts.push(`BYDAY=${r.byday.join(",")}`);
      if (r.bymonthday && r.freq !== "WEEKLY") parts.push(`BYMONTHDAY=${r.bymonthday.join(",")}`);
      if (r.byhour) parts.push(`BYHOUR=${r.byhour.join(",")}`);
      if (r.count) parts.push(`COUNT=${r.count}`);
      return parts.join(";");
    });
  const day = 86_400_000;
  const base = Date.UTC(2026, 0, 1);

  it("same occurrences as RRule.parseString + between on floating dates", () => {
    fc.assert(
      fc.property(arbRule, fc.integer({ min: 0, max: 365 }), fc.integer({ min: 0, max: 700 }), fc.integer({ min: 1, max: 120 }), (rrule, startDay, fromDay, len) => {
        const dtstart = new Date(base + startDay * day + 9 * 3_600_000);
        const from = new Date(base + fromDay * day);
        const to = new Date(from.getTime() + len * day);
        const start = dtstart.toISOString().slice(0, 16);
        const ours = occurrenceStarts({ rrule, start, zone: "UTC" }, { from, to }).map((d) => d.toISOString());
        const direct = new RRule({ ...RRule.parseString(rrule), dtstart })
          .between(from, to, true)
          .filter((d) => d < to)
          .map((d) => d.toISOString());
        expect(ours).toEqual(direct);
      }),
      { numRuns: 200 },
    );
  });
});
