import { describe, expect, it } from "vitest";
import type { WhenSpec } from "./command.ts";
import { resolveWhen } from "./when.ts";

// 2026-03-04 is a Wednesday. New York springs forward on Sun 2026-03-08 at 02:00 (EST→EDT)
// and falls back on Sun 2026-11-01 at 02:00; Berlin springs forward on Sun 2026-03-29 at 02:00.
const WED_NOON_NY = new Date("2026-03-04T17:00:00Z"); // 12:00 EST

function at(when: WhenSpec, zone: string, now: Date) {
  const result = resolveWhen(when, zone, now);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe("a time asked for is read in the given zone", () => {
  it("today and tomorrow are the zone's days, not UTC's nor the host's", () => {
    // 20:30 in New York is already the 5th in UTC.
    const evening = new Date("2026-03-05T01:30:00Z");
    expect(at({ day: { kind: "today" }, minutes: 9 * 60 }, "America/New_York", evening).at.toISOString()).toBe("2026-03-04T14:00:00.000Z");
    expect(at({ day: { kind: "tomorrow" }, minutes: 9 * 60 }, "America/New_York", evening).at.toISOString()).toBe("2026-03-05T14:00:00.000Z");
    expect(at({ day: { kind: "today" }, minutes: 9 * 60 }, "Asia/Tokyo", evening).at.toISOString()).toBe("2026-03-05T00:00:00.000Z");
  });

  it("a bare time is the next one: today while still ahead, else tomorrow", () => {
    expect(at({ day: null, minutes: 13 * 60 }, "America/New_York", WED_NOON_NY).date).toBe("2026-03-04");
    expect(at({ day: null, minutes: 12 * 60 }, "America/New_York", WED_NOON_NY).date).toBe("2026-03-04");
    expect(at({ day: null, minutes: 11 * 60 }, "America/New_York", WED_NOON_NY).date).toBe("2026-03-05");
  });

  it("a weekday is the next such day; today only if that time is still ahead", () => {
    expect(at({ day: { kind: "weekday", weekday: 4 }, minutes: 9 * 60 }, "America/New_York", WED_NOON_NY)).toMatchObject({ date: "2026-03-06", time: "09:00" });
    expect(at({ day: { kind: "weekday", weekday: 2 }, minutes: 18 * 60 }, "America/New_York", WED_NOON_NY).date).toBe("2026-03-04");
    expect(at({ day: { kind: "weekday", weekday: 2 }, minutes: 9 * 60 }, "America/New_York", WED_NOON_NY).date).toBe("2026-03-11");
    expect(at({ day: { kind: "weekday", weekday: 1 }, minutes: null }, "America/New_York", WED_NOON_NY)).toMatchObject({ date: "2026-03-10", time: "00:00" });
  });

  it("a date alone is that day's start", () => {
    expect(at({ day: { kind: "date", date: "2026-12-24" }, minutes: null }, "Europe/Berlin", WED_NOON_NY).at.toISOString()).toBe("2026-12-23T23:00:00.000Z");
  });

  it("02:30 on spring-forward night in New York does not exist: it is 03:00 EDT, the transition (not luxon's 03:30)", () => {
    const value = at({ day: { kind: "date", date: "2026-03-08" }, minutes: 150 }, "America/New_York", WED_NOON_NY);
    expect(value.at.toISOString()).toBe("2026-03-08T07:00:00.000Z");
    expect(value.adjusted).toBe("gap");
    expect(value).toMatchObject({ date: "2026-03-08", time: "02:30" });
  });

  it("02:30 on spring-forward night in Berlin is 03:00 CEST, and “sun 02:30” finds that Sunday", () => {
    const friday = new Date("2026-03-27T12:00:00Z");
    const value = at({ day: { kind: "weekday", weekday: 6 }, minutes: 150 }, "Europe/Berlin", friday);
    expect(value.at.toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(value.adjusted).toBe("gap");
  });

  it("01:30 on fall-back night in New York happens twice: the first (EDT) is used", () => {
    const value = at({ day: { kind: "date", date: "2026-11-01" }, minutes: 90 }, "America/New_York", WED_NOON_NY);
    expect(value.at.toISOString()).toBe("2026-11-01T05:30:00.000Z");
    expect(value.adjusted).toBe("fold");
  });

  it("an ordinary time is not adjusted", () => {
    expect(at({ day: { kind: "date", date: "2026-11-01" }, minutes: 3 * 60 }, "America/New_York", WED_NOON_NY).adjusted).toBeNull();
  });

  it("a date outside 1970–2199 is out of range, not an error", () => {
    expect(resolveWhen({ day: { kind: "date", date: "2250-01-01" }, minutes: null }, "UTC", WED_NOON_NY)).toEqual({ ok: false, reason: "out_of_range" });
    expect(resolveWhen({ day: { kind: "date", date: "1969-12-31" }, minutes: null }, "UTC", WED_NOON_NY)).toEqual({ ok: false, reason: "out_of_range" });
    expect(resolveWhen({ day: { kind: "date", date: "1850-01-01" }, minutes: null }, "UTC", WED_NOON_NY)).toEqual({ ok: false, reason: "out_of_range" });
  });
});
