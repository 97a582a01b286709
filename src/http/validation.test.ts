import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isInstant } from "./validation.ts";

describe("isInstant (the date-time format)", () => {
  it("accepts exactly the instants of the supported range that new Date() reads back as written", () => {
    const start = Date.UTC(1970, 0, 1);
    const end = Date.UTC(2200, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min: start, max: end - 1 }), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (ms, offset) => {
        const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
        const sign = offset < 0 ? "-" : "+";
        const abs = Math.abs(offset);
        const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
        return isInstant(text) && new Date(text).getTime() === ms;
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses what Date or PostgreSQL cannot hold exactly, and the range's outside", () => {
    for (const bad of [
      "2026-12-31T23:59:60Z",
      "2026-06-01T24:00:00Z",
      "2026-02-29T09:00:00Z",
      "2026-04-31T09:00:00Z",
      "2026-06-01T10:60:00Z",
      "2026-06-01T10:00:00+24:00",
      "2026-06-01T10:00:00",
      "2026-06-01",
      "1969-12-31T23:59:59Z",
      "1970-01-01T00:30:00+01:00",
      "2200-01-01T00:00:00Z",
      "9999-12-31T23:59:59Z",
      "0001-01-01T00:00:00Z",
      "+275760-09-13T00:00:00Z",
    ]) {
      expect(isInstant(bad), bad).toBe(false);
    }
    for (const good of ["2028-02-29T09:00:00Z", "1970-01-01T00:00:00Z", "2199-12-31T23:59:59.999Z", "2026-06-01t10:00:00.5z", "2026-06-01 10:00:00-07:00"]) {
      expect(isInstant(good), good).toBe(true);
    }
  });
});
