import { DateTime, IANAZone } from "luxon";
import { describe, expect, it } from "vitest";
import {
  ZoneClock,
  civilFromDays,
  daysFromCivil,
  formatLocalDate,
  instantToLocal,
  localDayBounds,
  localToInstant,
  parseLocalDate,
  parseLocalDateTime,
  parseLocalTime,
  requireZone,
  weekdayOfDay,
} from "./wallclock.ts";
import { domainError, luxonOffsetChanges, type OffsetChange } from "./testing.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 86_400_000;
const ZONES = [
  "America/Los_Angeles",
  "Europe/London",
  "Australia/Sydney",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
  "Pacific/Chatham",
] as const;


describe("host time zone", () => {
  it("the unit suite runs with an odd host TZ, so a leak would show", () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe("Pacific/Chatham");
  });
});

describe("calendar arithmetic", () => {
  it("epoch days match Date.UTC across leap years and centuries", () => {
    for (const [y, m, d] of [
      [1970, 1, 1],
      [2000, 2, 29],
      [2026, 3, 8],
      [2100, 3, 1],
      [1900, 1, 1],
      [9999, 12, 31],
    ] as const) {
      const days = daysFromCivil(y, m, d);
      expect(days * DAY).toBe(Date.UTC(y, m - 1, d));
      expect(civilFromDays(days)).toEqual({ year: y, month: m, day: d });
    }
  });

  it("weekday 0 is Monday", () => {
    expect(weekdayOfDay(daysFromCivil(2026, 3, 9))).toBe(0); // a Monday
    expect(weekdayOfDay(daysFromCivil(2026, 3, 8))).toBe(6); // a Sunday
    expect(weekdayOfDay(daysFromCivil(1969, 12, 29))).toBe(0); // before the epoch
  });
});

describe("parsing local values", () => {
  it.each(["2026-02-29", "2026-13-01", "2026-1-5", "20260105", "", "1899-12-31", 20260105])(
    "rejects date %j",
    (value) => {
      const error = domainError(() => parseLocalDate(value, "startDate"));
      expect(error.code).toBe("invalid_date");
      expect(error.field).toBe("startDate");
    },
  );

  it("accepts real dates", () => {
    expect(formatLocalDate(parseLocalDate("2028-02-29", "d"))).toBe("2028-02-29");
  });

  it.each([
    ["09:00", false, 540],
    ["00:00", false, 0],
    ["23:59", false, 1439],
    ["24:00", true, 1440],
  ])("parses time %s", (value, allow24, expected) => {
    expect(parseLocalTime(value, "t", allow24)).toBe(expected);
  });

  it.each([["24:00"], ["9:00"], ["09:60"], ["25:00"], ["09:00:00"], [""]])("rejects time %s as a start", (value) => {
    const error = domainError(() => parseLocalTime(value, "handoffTime"));
    expect(error.code).toBe("invalid_time");
    expect(error.field).toBe("handoffTime");
  });

  it("parses local date-times", () => {
    expect(parseLocalDateTime("2026-03-08T02:30", "start")).toBe(Date.UTC(2026, 2, 8, 2, 30));
    expect(domainError(() => parseLocalDateTime("2026-03-08 02:30", "start")).field).toBe("start");
  });
});

describe("zones", () => {
  it.each([["PST"], ["Mars/Base"], [""], ["America/Nowhere"], [42]])("rejects %j", (zone) => {
    const error = domainError(() => requireZone(zone, "layers.0.rotation.zone"));
    expect(error.code).toBe("unknown_time_zone");
    expect(error.field).toBe("layers.0.rotation.zone");
  });

  it("canonicalizes spelling", () => {
    expect(requireZone("europe/london", "zone")).toBe("Europe/London");
    expect(requireZone("UTC", "zone")).toBe("UTC");
  });
});

// Expected instants below come from the published 2026 rules of each zone,
// not from the code: e.g. Los Angeles springs forward 2026-03-08 02:00 PST
// (10:00Z) and falls back 2026-11-01 02:00 PDT (09:00Z).
describe("DST rules (table)", () => {
  it.each([
    // zone, date, time, start rule, end rule
    ["America/Los_Angeles", "2026-03-08", "02:30", "2026-03-08T10:00:00Z", "2026-03-08T10:00:00Z"],
    ["America/Los_Angeles", "2026-03-08", "02:00", "2026-03-08T10:00:00Z", "2026-03-08T10:00:00Z"],
    ["America/Los_Angeles", "2026-03-08", "01:59", "2026-03-08T09:59:00Z", "2026-03-08T09:59:00Z"],
    ["America/Los_Angeles", "2026-03-08", "03:00", "2026-03-08T10:00:00Z", "2026-03-08T10:00:00Z"],
    ["America/Los_Angeles", "2026-11-01", "01:30", "2026-11-01T08:30:00Z", "2026-11-01T09:30:00Z"],
    ["America/Los_Angeles", "2026-11-01", "01:00", "2026-11-01T08:00:00Z", "2026-11-01T09:00:00Z"],
    ["America/Los_Angeles", "2026-11-01", "02:00", "2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z"],
    ["America/Los_Angeles", "2026-11-01", "00:59", "2026-11-01T07:59:00Z", "2026-11-01T07:59:00Z"],
    ["Europe/London", "2026-03-29", "01:30", "2026-03-29T01:00:00Z", "2026-03-29T01:00:00Z"],
    ["Europe/London", "2026-10-25", "01:30", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"],
    ["Australia/Sydney", "2026-10-04", "02:30", "2026-10-03T16:00:00Z", "2026-10-03T16:00:00Z"],
    ["Australia/Sydney", "2026-04-05", "02:30", "2026-04-04T15:30:00Z", "2026-04-04T16:30:00Z"],
    ["Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30:00Z", "2026-10-03T15:30:00Z"],
    ["Australia/Lord_Howe", "2026-10-04", "02:30", "2026-10-03T15:30:00Z", "2026-10-03T15:30:00Z"],
    ["Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z"],
    ["Pacific/Chatham", "2026-09-27", "03:00", "2026-09-26T14:00:00Z", "2026-09-26T14:00:00Z"],
    ["Pacific/Chatham", "2026-04-05", "03:00", "2026-04-04T13:15:00Z", "2026-04-04T14:15:00Z"],
    ["Asia/Kolkata", "2026-03-08", "02:30", "2026-03-07T21:00:00Z", "2026-03-07T21:00:00Z"],
    ["UTC", "2026-03-08", "02:30", "2026-03-08T02:30:00Z", "2026-03-08T02:30:00Z"],
  ])("%s %s %s", (zone, date, time, start, end) => {
    expect(localToInstant({ date, time, zone }, "start").toISOString()).toBe(new Date(start).toISOString());
    expect(localToInstant({ date, time, zone }, "end").toISOString()).toBe(new Date(end).toISOString());
  });

  it("luxon's own defaults differ, which is why the rules are explicit", () => {
    const gap = DateTime.fromObject({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, { zone: "America/Los_Angeles" });
    expect(gap.toUTC().toISO()).toBe("2026-03-08T10:30:00.000Z"); // luxon: 03:30, we: 03:00
    expect(localToInstant({ date: "2026-03-08", time: "02:30", zone: "America/Los_Angeles" }).toISOString()).toBe(
      "2026-03-08T10:00:00.000Z",
    );
  });

  it("local days last 23/25 h (23.5/24.5 h in Lord_Howe) on change days, 24 h otherwise", () => {
    const hours = (date: string, zone: string) => {
      const { start, end } = localDayBounds(date, zone);
      return (end.getTime() - start.getTime()) / HOUR;
    };
    expect(hours("2026-03-08", "America/Los_Angeles")).toBe(23);
    expect(hours("2026-11-01", "America/Los_Angeles")).toBe(25);
    expect(hours("2026-03-09", "America/Los_Angeles")).toBe(24);
    expect(hours("2026-10-04", "Australia/Lord_Howe")).toBe(23.5);
    expect(hours("2026-04-05", "Australia/Lord_Howe")).toBe(24.5);
    expect(hours("2026-04-05", "Pacific/Chatham")).toBe(25);
    expect(hours("2026-03-08", "Asia/Kolkata")).toBe(24);
  });

  it("instantToLocal reads the wall clock in the zone, not the host's", () => {
    expect(instantToLocal(new Date("2026-11-01T09:30:00Z"), "America/Los_Angeles")).toEqual({
      date: "2026-11-01",
      time: "01:30",
      zone: "America/Los_Angeles",
    });
    expect(instantToLocal(new Date("2026-04-04T14:15:00Z"), "pacific/chatham").time).toBe("03:00");
  });
});

// ---------------------------------------------------------------------------
// Brute force: every hour / quarter-hour of 2026-2027 in six zones, against an
// oracle built from luxon's own offsets (sampled hourly, transitions located
// to the second), independent of ZoneClock's Intl parsing and memo.

type Transition = OffsetChange;

function luxonTransitions(zone: string, from: number, to: number): Transition[] {
  return luxonOffsetChanges(zone, from, to).changes;
}

function oracle(zone: string, from: number, to: number) {
  const transitions = luxonTransitions(zone, from - 3 * DAY, to + 3 * DAY);
  const base = Math.round(IANAZone.create(zone).offset(from - 3 * DAY) * MINUTE);
  const offsetAt = (t: number) => {
    let o = base;
    for (const tr of transitions) {
      if (tr.at <= t) o = tr.after;
      else break;
    }
    return o;
  };
  const offsets = [base, ...transitions.map((t) => t.after)];
  /** Valid instants of a local reading, and the gap's transition when there is none. */
  const instantsOf = (local: number) => {
    const valid = [...new Set(offsets)].map((o) => local - o).filter((t) => offsetAt(t) === local - t);
    valid.sort((a, b) => a - b);
    const gap = transitions.find((tr) => tr.at + tr.before <= local && local < tr.at + tr.after);
    return { valid, gap: gap?.at };
  };
  return { transitions, offsetAt, instantsOf };
}

describe.each(ZONES)("brute force 2026-2027 in %s", (zone) => {
  const from = Date.UTC(2026, 0, 1);
  const to = Date.UTC(2028, 0, 1);
  const truth = oracle(zone, from, to);
  const hasDst = zone !== "Asia/Kolkata";

  it("finds the expected number of offset changes", () => {
    const inRange = truth.transitions.filter((t) => t.at >= from && t.at < to);
    expect(inRange.length).toBe(hasDst ? 4 : 0);
  });

  it("offset at every hour, and a millisecond either side of each change, matches luxon", () => {
    const clock = new ZoneClock(zone);
    for (let t = from; t < to; t += HOUR) {
      if (clock.offsetAt(t) !== truth.offsetAt(t)) expect(clock.offsetAt(t)).toBe(truth.offsetAt(t));
    }
    for (const tr of truth.transitions) {
      expect(clock.offsetAt(tr.at - 1)).toBe(tr.before);
      expect(clock.offsetAt(tr.at)).toBe(tr.after);
    }
  });

  it("every local quarter-hour resolves by the DST rules", () => {
    const clock = new ZoneClock(zone);
    let gaps = 0;
    let ambiguous = 0;
    let failures = 0;
    const firstDay = daysFromCivil(2026, 1, 1);
    const lastDay = daysFromCivil(2027, 12, 31);
    for (let day = firstDay; day <= lastDay; day++) {
      for (let q = 0; q < 96; q++) {
        const local = day * DAY + q * 15 * MINUTE;
        const { valid, gap } = truth.instantsOf(local);
        let start: number;
        let end: number;
        if (valid.length === 0) {
          gaps++;
          start = end = gap!;
        } else {
          if (valid.length > 1) ambiguous++;
          start = valid[0]!;
          end = valid[valid.length - 1]!;
        }
        if (clock.resolve(local, "start") !== start || clock.resolve(local, "end") !== end) failures++;
      }
    }
    expect(failures).toBe(0);
    // Each year has one gap and one overlap as long as the DST shift.
    const shiftQuarters = zone === "Australia/Lord_Howe" ? 2 : 4;
    expect(gaps).toBe(hasDst ? 2 * shiftQuarters : 0);
    expect(ambiguous).toBe(hasDst ? 2 * shiftQuarters : 0);
  });
});
