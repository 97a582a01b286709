import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { closestNames, keywordLastReading, type OnCallCommand, parseOnCallText, parseWhen, wholeTextAsName } from "./command.ts";

describe("parsing what follows /oncall", () => {
  const cases: Array<[string, OnCallCommand]> = [
    ["", { kind: "now", target: null }],
    ["   ", { kind: "now", target: null }],
    ["help", { kind: "help" }],
    ["HELP", { kind: "help" }],
    [" ? ", { kind: "help" }],
    ["--help", { kind: "help" }],
    ["next", { kind: "next", target: null }],
    ["Next", { kind: "next", target: null }],
    ["now", { kind: "now", target: null }],
    ["community", { kind: "now", target: "community" }],
    ["Community   Success", { kind: "now", target: "Community Success" }],
    ["next community success", { kind: "next", target: "community success" }],
    ["community success next", { kind: "next", target: "community success" }],
    ["NEXT support", { kind: "next", target: "support" }],
    ["now support", { kind: "now", target: "support" }],
    ["support now", { kind: "now", target: "support" }],
    ["#support", { kind: "now", target: "support" }],
    ["next #support", { kind: "next", target: "support" }],
    ['"Community Success"', { kind: "now", target: "Community Success" }],
    ["next “Community Success”", { kind: "next", target: "Community Success" }],
    ["'sre'", { kind: "now", target: "sre" }],
    ['"', { kind: "now", target: null }],
    ["#", { kind: "now", target: null }],
    ["help desk", { kind: "now", target: "help desk" }],
    ["next\thelp desk", { kind: "next", target: "help desk" }],
    ["<#C024BE7LR|support>", { kind: "now", target: "support" }],
    ["next <#C024BE7LR|support-eu>", { kind: "next", target: "support-eu" }],
    ["Support &amp; Billing", { kind: "now", target: "Support & Billing" }],
    ["Support & Billing", { kind: "now", target: "Support & Billing" }],
    ["week", { kind: "week", target: null }],
    ["support WEEK", { kind: "week", target: "support" }],
    ["week  Community   Success", { kind: "week", target: "Community Success" }],
    ["duty", { kind: "duty", skill: null }],
    ["DUTY legal", { kind: "duty", skill: "legal" }],
    ["  duty   French ", { kind: "duty", skill: "French" }],
    ["support at 14:00", { kind: "at", target: "support", when: { day: null, minutes: 840 }, asked: "14:00" }],
    ["at tomorrow 09:00", { kind: "at", target: null, when: { day: { kind: "tomorrow" }, minutes: 540 }, asked: "tomorrow 09:00" }],
    ["Support AT Today 9:05", { kind: "at", target: "Support", when: { day: { kind: "today" }, minutes: 545 }, asked: "Today 9:05" }],
    ["support at fri 09:00", { kind: "at", target: "support", when: { day: { kind: "weekday", weekday: 4 }, minutes: 540 }, asked: "fri 09:00" }],
    ["support at 2026-12-24 18:00", { kind: "at", target: "support", when: { day: { kind: "date", date: "2026-12-24" }, minutes: 1080 }, asked: "2026-12-24 18:00" }],
    ["support at 2026-12-24", { kind: "at", target: "support", when: { day: { kind: "date", date: "2026-12-24" }, minutes: null }, asked: "2026-12-24" }],
    ["Eyes at night at 22:00", { kind: "at", target: "Eyes at night", when: { day: null, minutes: 1320 }, asked: "22:00" }],
    ["support at 25:00", { kind: "bad_time", target: "support", asked: "25:00" }],
    ["support at", { kind: "bad_time", target: "support", asked: "" }],
    ["support at someday", { kind: "bad_time", target: "support", asked: "someday" }],
  ];

  it.each(cases)("%j → %j", (text, expected) => {
    expect(parseOnCallText(text)).toEqual(expected);
  });

  it("every text parses to help, duty, or a trimmed non-empty target or null (property)", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const command = parseOnCallText(text);
        if (command.kind === "help") return;
        if (command.kind === "duty") {
          expect(command.skill === null || command.skill === command.skill.trim()).toBe(true);
          return;
        }
        if (command.target !== null) {
          expect(command.target).toBe(command.target.trim());
          expect(command.target.length).toBeGreaterThan(0);
          expect(command.target).not.toMatch(/\s{2}/);
        }
      }),
    );
  });
});

describe("reading the time after `at`", () => {
  it.each([
    ["09:00", { day: null, minutes: 540 }],
    ["9:00", { day: null, minutes: 540 }],
    ["9.30", { day: null, minutes: 570 }],
    ["9h30", { day: null, minutes: 570 }],
    ["9am", { day: null, minutes: 540 }],
    ["9 PM", { day: null, minutes: 1260 }],
    ["12am", { day: null, minutes: 0 }],
    ["12:30pm", { day: null, minutes: 750 }],
    ["noon", { day: null, minutes: 720 }],
    ["midnight", { day: null, minutes: 0 }],
    ["today", { day: { kind: "today" }, minutes: null }],
    ["tomorrow 18:00", { day: { kind: "tomorrow" }, minutes: 1080 }],
    ["18:00 tomorrow", { day: { kind: "tomorrow" }, minutes: 1080 }],
    ["Friday", { day: { kind: "weekday", weekday: 4 }, minutes: null }],
    ["sun 23:59", { day: { kind: "weekday", weekday: 6 }, minutes: 1439 }],
    ["thurs 7pm", { day: { kind: "weekday", weekday: 3 }, minutes: 1140 }],
    ["2026-12-24T18:00", { day: { kind: "date", date: "2026-12-24" }, minutes: 1080 }],
    ["2028-02-29", { day: { kind: "date", date: "2028-02-29" }, minutes: null }],
  ])("%j", (text, expected) => {
    expect(parseWhen(text)).toEqual(expected);
  });

  it.each(["", "24:00", "9:60", "13pm", "0am", "2026-02-30", "2026-13-01", "today tomorrow", "09:00 10:00", "fri 09:00 extra", "someday", "9", "0900"])(
    "%j is not a time",
    (text) => {
      expect(parseWhen(text)).toBeNull();
    },
  );

  it("never throws (property)", () => {
    fc.assert(fc.property(fc.string(), (text) => void parseWhen(text)));
  });
});

describe("the other reading of a text that starts and ends with a keyword", () => {
  it("“next gen next” is also next/“next gen”; other texts have no other reading", () => {
    expect(parseOnCallText("next gen next")).toEqual({ kind: "next", target: "gen next" });
    expect(keywordLastReading("next gen next")).toEqual({ kind: "next", target: "next gen" });
    expect(keywordLastReading("Now  Playing week")).toEqual({ kind: "week", target: "Now Playing" });
    expect(keywordLastReading("next support")).toBeNull();
    expect(keywordLastReading("next next")).toBeNull();
    expect(keywordLastReading("next at 09:00 next")).toBeNull();
  });
});

describe("the whole text as a name", () => {
  it("keeps what parsing would split off, and cleans quotes, # and Slack escapes", () => {
    expect(wholeTextAsName("  Next   Gen ")).toBe("Next Gen");
    expect(wholeTextAsName("Eyes at night")).toBe("Eyes at night");
    expect(wholeTextAsName('"R&amp;D"')).toBe("R&D");
    expect(wholeTextAsName("   ")).toBeNull();
  });
});

describe("suggesting names close to an unknown one", () => {
  const names = ["Community", "Community Success", "Support EU", "Support US", "Platform SRE", "Billing", "São Paulo Desk"];

  it("a typo: “comunity” → Community first", () => {
    expect(closestNames("comunity", names)[0]).toBe("Community");
    expect(closestNames("comunity", names)).toEqual(["Community", "Community Success"]);
  });

  it("a transposition counts as one edit: “biling” and “bililng” → Billing", () => {
    expect(closestNames("biling", names)).toEqual(["Billing"]);
    expect(closestNames("bililng", names)).toEqual(["Billing"]);
  });

  it("a substring: “sup” → the Support schedules, before anything merely close", () => {
    expect(closestNames("sup", names)).toEqual(["Support EU", "Support US"]);
  });

  it("substring matches rank before typo matches, and the limit applies", () => {
    expect(closestNames("communit", names, 1)).toEqual(["Community"]);
    expect(closestNames("success", names)).toEqual(["Community Success"]);
  });

  it("a longer query that contains a name: “support eu team” → Support EU", () => {
    expect(closestNames("support eu team", names)[0]).toBe("Support EU");
  });

  it("ignores case, accents and extra spaces", () => {
    expect(closestNames("sao   PAULO", names)).toEqual(["São Paulo Desk"]);
    expect(closestNames("COMMUNITY", names)[0]).toBe("Community");
  });

  it("nothing close → no suggestion; an empty query or zero limit → none", () => {
    expect(closestNames("kubernetes", names)).toEqual([]);
    expect(closestNames("", names)).toEqual([]);
    expect(closestNames("   ", names)).toEqual([]);
    expect(closestNames("support", names, 0)).toEqual([]);
  });

  it("a short query does not match everything within two edits", () => {
    expect(closestNames("xy", ["ab", "xa", "Billing"])).toEqual(["xa"]);
    expect(closestNames("sre", ["Platform SRE", "Support"])).toEqual(["Platform SRE"]);
    expect(closestNames("srf", ["Platform SRE", "Support"])).toEqual(["Platform SRE"]);
  });

  it("duplicates appear once", () => {
    expect(closestNames("billing", ["Billing", "Billing"])).toEqual(["Billing"]);
  });

  it("never returns more than the limit, nor a name not offered (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string()), fc.integer({ min: 0, max: 5 }), (query, pool, limit) => {
        const result = closestNames(query, pool, limit);
        expect(result.length).toBeLessThanOrEqual(limit);
        for (const name of result) expect(pool).toContain(name);
        expect(new Set(result).size).toBe(result.length);
      }),
    );
  });
});
