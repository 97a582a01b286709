import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { detectSystem, expectFile, instant, integer, list, onlyKnown, optional, string, zoneName } from "./json.ts";
import { ImportError } from "./model.ts";

const FIXTURES = new URL("../../tests/fixtures/imports/", import.meta.url);
const fixtures = (system: string, ext: string) =>
  readdirSync(new URL(`${system}/`, FIXTURES))
    .filter((name) => name.endsWith(ext))
    .map((name) => [`${system}/${name}`, readFileSync(new URL(`${system}/${name}`, FIXTURES), "utf8")] as const);

function importError(run: () => unknown): { code: string; place: string; message: string } {
  try {
    run();
  } catch (e) {
    if (e instanceof ImportError) return { code: e.code, place: e.place, message: e.message };
    throw e;
  }
  throw new Error("no ImportError");
}

describe("detectSystem", () => {
  it.each([
    ...fixtures("pagerduty", ".json").map(([name, text]) => [name, JSON.parse(text), name.includes(".export.") ? "pagerduty" : "pagerduty-answers"]),
    ...fixtures("opsgenie", ".json").map(([name, text]) => [name, JSON.parse(text), name.includes("export") ? "opsgenie" : "opsgenie-answers"]),
    ...fixtures("grafana", ".json").map(([name, text]) => [name, JSON.parse(text), name.includes(".export.") ? "grafana" : "grafana-answers"]),
    ...fixtures("ical", ".ics").map(([name, text]) => [name, text, "ical"]),
  ])("%s is what it is", (_name, doc, kind) => {
    expect(detectSystem(doc)).toBe(kind);
  });

  it("reads JSON given as text; other text and bare values tell nothing of a system", () => {
    expect(detectSystem('{"schedules":[{"schedule_layers":[]}]}')).toBe("pagerduty");
    expect(detectSystem("name,email\nAlice,alice@example.com")).toBe("text");
    expect(detectSystem('{"not": "json"')).toBe("text");
    expect(detectSystem({ users: [], schedules: [] })).toBeNull();
    expect(detectSystem(42)).toBeNull();
  });

  it("expectFile names what the file looks like and what was expected", () => {
    const opsgenie = { users: { data: [] }, schedules: [{ schedule: { data: { rotations: [] } } }] };
    expect(importError(() => expectFile(opsgenie, ["pagerduty"]))).toEqual({
      code: "wrong_system",
      place: "",
      message: "This looks like an Opsgenie export, not a PagerDuty export",
    });
    expect(() => expectFile(opsgenie, ["opsgenie"])).not.toThrow();
    expect(() => expectFile({}, ["grafana"])).not.toThrow();
  });
});

describe("readers name the place as a JSON pointer", () => {
  const o = { name: "", count: 7, when: "2026-03-01T09:00:00", zone: "Mars/Olympus", items: {}, extra: 1, none: null };
  it.each<[string, () => unknown, string, string]>([
    ["a missing member", () => string(o, "id", "/x"), "truncated_export", "/x/id"],
    ["an empty string", () => string(o, "name", "/x"), "invalid_export", "/x/name"],
    ["a number out of range", () => integer(o, "count", "/x", 1, 5), "invalid_export", "/x/count"],
    ["a date-time without offset", () => instant(o, "when", "/x"), "invalid_export", "/x/when"],
    ["an unknown zone", () => zoneName(o, "zone", "/x"), "unknown_time_zone", "/x/zone"],
    ["not a list", () => list(o, "items", "/x"), "invalid_export", "/x/items"],
    ["an undocumented member", () => onlyKnown(o, ["name", "count", "when", "zone", "items"], "/x", "the reference"), "unknown_field", "/x/extra"],
  ])("%s", (_name, run, code, place) => {
    expect(importError(run)).toMatchObject({ code, place });
  });

  it("optional members are null when missing or null", () => {
    expect(optional(string, o, "none", "")).toBeNull();
    expect(optional(integer, o, "count", "", 1, 10)).toBe(7);
  });
});
