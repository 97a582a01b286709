/**
 * The time-engine benchmark's scenario: one year of a schedule with 3 layers
 * (the top one a 10-person daily rotation restricted to weekdays
 * 09:00-17:00) and 200 overrides. Shared by time-engine.ts and
 * wallclock-luxon.ts so both measure the same thing.
 */
import type { Override, ScheduleInput } from "../src/domain/schedule.ts";

const people = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ personId: `${prefix}${i}` }));

// Deterministic PRNG (mulberry32) so every run measures the same scenario.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function scenario(): ScheduleInput {
  const from = Date.UTC(2026, 0, 1);
  const to = Date.UTC(2027, 0, 1);
  const rand = random(42);
  const overrides: Override[] = Array.from({ length: 200 }, (_, i) => {
    const start = from + Math.floor(rand() * (to - from - 86_400_000) / 900_000) * 900_000;
    const hours = 1 + Math.floor(rand() * 72);
    return {
      id: `o${i}`,
      personId: `sub${i % 7}`,
      start: new Date(start),
      end: new Date(start + hours * 3_600_000),
      createdAt: new Date(from - 86_400_000 + i * 60_000),
      ...(i % 3 === 0 ? { replacesPersonId: `day${i % 10}` } : {}),
    };
  });
  return {
    window: { from: new Date(from), to: new Date(to) },
    layers: [
      {
        id: "business-hours",
        rotation: {
          id: "rot-day",
          participants: people("day", 10),
          turn: { unit: "days", count: 1 },
          handoffTime: "09:00",
          zone: "America/Los_Angeles",
          startDate: "2025-11-03",
          restrictions: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }],
        },
      },
      {
        id: "follow-the-sun",
        rotation: {
          id: "rot-eu",
          participants: people("eu", 6),
          turn: { unit: "days", count: 1 },
          handoffTime: "08:00",
          zone: "Europe/London",
          startDate: "2025-12-01",
          restrictions: [{ days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start: "08:00", end: "20:00" }],
        },
      },
      {
        id: "backstop",
        rotation: {
          id: "rot-week",
          participants: people("wk", 5),
          turn: { unit: "weeks", count: 1 },
          handoffTime: "10:00",
          zone: "Australia/Sydney",
          startDate: "2025-12-29",
        },
      },
    ],
    overrides,
  };
}
