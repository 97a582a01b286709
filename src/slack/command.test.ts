import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { closestNames, type OnCallCommand, parseOnCallText } from "./command.ts";

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
  ];

  it.each(cases)("%j → %j", (text, expected) => {
    expect(parseOnCallText(text)).toEqual(expected);
  });

  it("every text parses to help, or a trimmed non-empty target or null (property)", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const command = parseOnCallText(text);
        if (command.kind === "help") return;
        if (command.target !== null) {
          expect(command.target).toBe(command.target.trim());
          expect(command.target.length).toBeGreaterThan(0);
          expect(command.target).not.toMatch(/\s{2}/);
        }
      }),
    );
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
