import { describe, expect, it } from "vitest";
import { addDays, localDate, mondayOf, startOfDay, weekdayIndex } from "./time.ts";

// The web app's week and day edges in a zone, against brute force: the first
// quarter-hour (every zone's offset is a multiple of 15 minutes) whose local
// date is the day, searched over the 40 hours around its UTC midnight.
function firstInstantOf(date: string, zone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  for (let at = wall - 16 * 3_600_000; at < wall + 24 * 3_600_000; at += 15 * 60_000) {
    if (localDate(new Date(at), zone) === date) return at;
  }
  throw new Error(`no instant of ${date} in ${zone}`);
}

describe("web time helpers", () => {
  it("startOfDay is the first instant of every day of 2026, midnight gaps and folds included", () => {
    // Santiago and Havana skip midnight in spring; Chatham is +12:45/+13:45; Lord Howe shifts by 30 minutes.
    for (const zone of ["Europe/Berlin", "America/New_York", "America/Santiago", "America/Havana", "Pacific/Chatham", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]) {
      for (let date = "2026-01-01"; date < "2027-01-01"; date = addDays(date, 1)) {
        expect(startOfDay(date, zone).getTime(), `${date} in ${zone}`).toBe(firstInstantOf(date, zone));
      }
    }
  });

  it("weeks start on Monday, across month and year ends", () => {
    expect(weekdayIndex("2026-12-07")).toBe(0);
    expect(weekdayIndex("2026-12-13")).toBe(6);
    expect(mondayOf("2027-01-02")).toBe("2026-12-28");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });
});
