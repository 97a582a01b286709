import { describe, expect, it } from "vitest";
import { foldLines, renderCalendar, renderCalendarWithIcalGenerator, type FeedEvent } from "./ical.ts";

const event = (i: number, text: string): FeedEvent => ({
  uid: `shift-${i}@rota.test`,
  start: new Date(Date.UTC(2026, 2, 8, 9, 0) + i * 3_600_000),
  end: new Date(Date.UTC(2026, 2, 8, 17, 0) + i * 3_600_000),
  summary: `${text} shift`,
  description: `${text}\nAlso on: ${text}, ${text}; and more\n${"https://rota.example.com/v1/shifts/".padEnd(90, "x")}`,
  sequence: i % 3,
  lastModified: new Date(Date.UTC(2026, 0, 1, 10, 0, 0, 999)),
  busy: i % 2 === 0,
});

// Text that folds at awkward places: multi-byte letters, emoji (surrogate pairs), CJK, escapes, long runs.
const texts = [
  "Live chat",
  "Ann, \"the; night\" owl 🦉".repeat(4),
  "Zoë Ørsted Ĳssel ".repeat(6),
  "日本語のサポート担当".repeat(5),
  "👩‍💻🧑🏽‍🚀🇮🇱".repeat(9),
  "a\\b;c,d\ne".repeat(12),
  "x".repeat(73) + "é" + "y".repeat(80),
  "\ud83d lone high surrogate \udc00 lone low".repeat(3),
];

describe("renderCalendar", () => {
  it("is byte-identical to ical-generator's own output, folding included", () => {
    const events = texts.flatMap((text, i) => [event(i * 2, text), event(i * 2 + 1, text.slice(0, 20))]);
    const calendar = { name: "Live chat; \"EU\", nights 🌙", timeZone: "Australia/Lord_Howe", events };
    const ours = renderCalendar(calendar);
    expect(ours).toBe(renderCalendarWithIcalGenerator(calendar));
    // It did fold, on both sides of a multi-byte character, and no line is over 75 octets.
    expect(ours).toContain("\r\n ");
    expect(Math.max(...ours.split("\r\n").map((l) => Buffer.byteLength(l)))).toBeLessThanOrEqual(75);
  });

  it("an empty calendar is ical-generator's too", () => {
    const calendar = { name: "Nobody", timeZone: "UTC", events: [] };
    expect(renderCalendar(calendar)).toBe(renderCalendarWithIcalGenerator(calendar));
  });

  it("foldLines never splits a surrogate pair and leaves short lines alone", () => {
    expect(foldLines("SUMMARY:short")).toBe("SUMMARY:short");
    const folded = foldLines(`DESCRIPTION:${"🦉".repeat(40)}`);
    for (const part of folded.split("\r\n ")) expect(part).toMatch(/^(DESCRIPTION:)?(🦉)+$/u);
  });
});
