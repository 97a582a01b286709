import { readFileSync } from "node:fs";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { ImportError, type SourceExport } from "./model.ts";
import { parseOpsgenieExport, parseOpsgenieOnCalls } from "./opsgenie.ts";
import { replaySchedule } from "./replay.ts";

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../tests/fixtures/imports/opsgenie/${name}`, import.meta.url), "utf8"));

// ---------------------------------------------------------------------------
// The oracle: Opsgenie's final timeline computed straight from its docs
// (docs.opsgenie.com/docs/schedule-api, schedule-rotation-api,
// schedule-override-api; assumptions in tests/fixtures/imports/opsgenie/NOTES.md),
// with luxon, independent of Rota's engine and of the importer. The answer
// fixtures must be exactly what it derives.

interface OgRecipient {
  type: string;
  id?: string;
  username?: string;
  name?: string;
}
interface OgHours {
  startDay?: string;
  endDay?: string;
  startHour: number;
  startMin: number;
  endHour: number;
  endMin: number;
}
interface OgRotation {
  id: string;
  name: string;
  startDate: string;
  endDate?: string;
  type: "hourly" | "daily" | "weekly";
  length?: number;
  participants: OgRecipient[];
  timeRestriction?: { type: "time-of-day"; restriction: OgHours } | { type: "weekday-and-time-of-day"; restrictions: OgHours[] };
}
interface OgOverride {
  alias: string;
  user: OgRecipient;
  startDate: string;
  endDate: string;
  rotations?: { id?: string; name?: string }[];
}
interface OgExport {
  schedules: { schedule: { data: { id: string; name: string; enabled: boolean; timezone: string; rotations: OgRotation[] } }; overrides: { data: OgOverride[] } }[];
}
interface Piece {
  start: number;
  end: number;
  type?: string;
  recipient?: OgRecipient;
}

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const ms = (iso: string) => DateTime.fromISO(iso).toMillis();
const iso = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");

function intersect(a: Piece[], b: Piece[]): Piece[] {
  return a.flatMap((x) => b.flatMap((y) => (Math.max(x.start, y.start) < Math.min(x.end, y.end) ? [{ ...x, start: Math.max(x.start, y.start), end: Math.min(x.end, y.end) }] : [])));
}

function subtract(a: Piece[], cuts: Piece[]): Piece[] {
  return cuts.reduce((rest, c) => rest.flatMap((x) => [{ ...x, end: Math.min(x.end, c.start) }, { ...x, start: Math.max(x.start, c.end) }].filter((p) => p.end > p.start)), a);
}

/** "Used to limit schedule rotation to certain day and time of the week": wall-clock intervals in the schedule zone. */
function activeTime(r: OgRotation, zone: string, from: number, to: number): Piece[] {
  const span = [{ start: Math.max(from, ms(r.startDate)), end: Math.min(to, r.endDate ? ms(r.endDate) : to) }].filter((p) => p.end > p.start);
  const tr = r.timeRestriction;
  if (tr === undefined) return span;
  const open: Piece[] = [];
  for (let day = DateTime.fromMillis(from, { zone }).startOf("day").minus({ days: 7 }); day.toMillis() < to; day = day.plus({ days: 1 })) {
    const weekday = DAYS[day.weekday - 1];
    const intervals = tr.type === "time-of-day" ? [tr.restriction] : tr.restrictions.filter((x) => x.startDay === weekday);
    for (const x of intervals) {
      const sameDayEnd = x.endHour * 60 + x.endMin > x.startHour * 60 + x.startMin;
      const days = tr.type === "time-of-day" ? (sameDayEnd ? 0 : 1) : (DAYS.indexOf(x.endDay!) - DAYS.indexOf(x.startDay!) + 7) % 7 || (sameDayEnd ? 0 : 7);
      const start = day.set({ hour: x.startHour, minute: x.startMin }).toMillis();
      const end = day.plus({ days }).set({ hour: x.endHour, minute: x.endMin }).toMillis();
      open.push({ start, end });
    }
  }
  return intersect(span, open);
}

/** "Participants ... will be rotated in the order they given": turn k starts k lengths after startDate (days/weeks on the wall clock, hours elapsed). */
function turns(r: OgRotation, zone: string, to: number): Piece[] {
  const first = DateTime.fromISO(r.startDate).setZone(zone);
  const unit = r.type === "hourly" ? "hours" : r.type === "daily" ? "days" : "weeks";
  const handoff = (k: number) => first.plus({ [unit]: k * (r.length ?? 1) }).toMillis();
  const out: Piece[] = [];
  for (let k = 0; handoff(k) < to; k++) out.push({ start: handoff(k), end: handoff(k + 1), recipient: r.participants[k % r.participants.length]! });
  return out;
}

function timelineRecipient(p: OgRecipient): OgRecipient {
  return p.type === "user" ? { id: p.id!, type: "user", name: p.username! } : p.type === "none" ? { type: "none" } : { id: p.id!, type: p.type, name: p.name! };
}

/** GET /v2/schedules/{id}/timeline as Opsgenie would answer it for [from, to). */
function oracleTimeline(entry: OgExport["schedules"][number], from: number, to: number): unknown {
  const s = entry.schedule.data;
  const rotations = s.rotations.map((r, order) => {
    const active = activeTime(r, s.timezone, from, to);
    const mine = entry.overrides.data.filter((o) => !o.rotations?.length || o.rotations.some((x) => (x.id ? x.id === r.id : x.name === r.name)));
    const overridden = mine.flatMap((o) => intersect([{ start: ms(o.startDate), end: ms(o.endDate), type: "override", recipient: o.user }], active));
    const base = intersect(turns(r, s.timezone, to), active).map((p) => ({ ...p, type: "default" }));
    const periods = [...subtract(base, overridden), ...overridden]
      .sort((a, b) => a.start - b.start)
      .map((p) => ({ startDate: iso(p.start), endDate: iso(p.end), type: p.type, recipient: timelineRecipient(p.recipient!) }));
    return { id: r.id, name: r.name, order: order + 1, periods };
  });
  return {
    data: { _parent: { id: s.id, name: s.name, enabled: s.enabled }, startDate: iso(from), endDate: iso(to), finalTimeline: { rotations } },
    expandable: ["base", "forwarding", "override"],
    took: 0.094,
    requestId: `timeline-${s.name}`,
  };
}

/** The windows each answer fixture covers: a few weeks around each zone's DST change. */
const WINDOWS: Record<string, [string, string, string]> = {
  ny_support: ["2026-03-02T00:00", "2026-03-23T00:00", "America/New_York"],
  ny_nightly: ["2026-03-02T00:00", "2026-03-16T00:00", "America/New_York"],
  berlin_platform: ["2026-03-16T00:00", "2026-04-06T00:00", "Europe/Berlin"],
  sydney_noc: ["2026-03-23T00:00", "2026-04-13T00:00", "Australia/Sydney"],
  berlin_concurrent: ["2026-03-23T00:00", "2026-03-30T00:00", "Europe/Berlin"],
};

function oracle(doc: unknown): unknown[] {
  return (doc as OgExport).schedules.map((entry) => {
    const [from, to, zone] = WINDOWS[entry.schedule.data.name]!;
    return oracleTimeline(entry, DateTime.fromISO(from, { zone }).toMillis(), DateTime.fromISO(to, { zone }).toMillis());
  });
}

// ---------------------------------------------------------------------------

function verify(exportFile: string, answersFile: string): { parsed: SourceExport; reports: ReturnType<typeof replaySchedule>[] } {
  const parsed = parseOpsgenieExport(fixture(exportFile));
  const old = parseOpsgenieOnCalls(fixture(answersFile));
  const reports = parsed.schedules.map((s) => replaySchedule(s, old.answers, old.windows.get(s.ref)!, parsed.findings));
  return { parsed, reports };
}

describe("the answer fixtures", () => {
  it.each([
    ["export.json", "timeline.json"],
    ["concurrent.export.json", "concurrent.timeline.json"],
  ])("%s: %s is what Opsgenie's documented rules give", (exportFile, answersFile) => {
    expect(fixture(answersFile)).toEqual(oracle(fixture(exportFile)));
  });
});

describe("parseOpsgenieExport + replay", () => {
  it("replays Opsgenie's own answers with no disagreement (DST in New York, Berlin and Sydney)", () => {
    const { reports } = verify("export.json", "timeline.json");
    expect(reports.map((r) => [r.scheduleRef.slice(-1), r.verified, r.disagreeHours])).toEqual([
      ["1", true, 0],
      ["2", true, 0],
      ["3", true, 0],
      ["4", true, 0],
    ]);
    // 3 weeks over spring-forward in New York: 504 h less the lost hour.
    expect(reports[0]!.agreeHours).toBe(503);
  });

  it("maps rotations, restrictions and overrides", () => {
    const { parsed } = verify("export.json", "timeline.json");
    const [support, nightly, berlin, sydney] = parsed.schedules;
    const after = support!.layers[1]!;
    expect(after).toMatchObject({ name: "After hours", turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-02-23", timeZone: "America/New_York" });
    expect(after.participants).toEqual(["3f8e6a10-5b2c-4d7e-9a41-000000000004", "3f8e6a10-5b2c-4d7e-9a41-000000000005", null]);
    // Mon 17:00 → Tue 09:00 … Fri 17:00 → Mon 09:00, cut at midnights.
    expect(after.restrictions).toEqual([
      { days: ["mon", "tue", "wed", "thu", "fri"], start: "17:00", end: "24:00" },
      { days: ["mon", "tue", "wed", "thu", "fri"], start: "00:00", end: "09:00" },
      { days: ["sat", "sun"], start: "00:00", end: "24:00" },
    ]);
    expect(nightly!.layers[0]).toMatchObject({ handoffTime: "02:00", startDate: "2026-03-02", turn: { unit: "days", count: 1 } });
    expect(berlin!.layers.map((l) => [l.turn, l.end?.toISOString()])).toEqual([
      [{ unit: "weeks", count: 1 }, "2026-03-23T09:00:00.000Z"],
      [{ unit: "hours", count: 12 }, undefined],
    ]);
    expect(sydney!.layers[1]!.restrictions).toEqual([{ days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start: "18:00", end: "08:00" }]);
    // Limited to "After hours": only its nights Tue 17:00–Wed 09:00 and Wed 17:00–Thu 09:00 (EDT).
    expect(support!.overrides.map((o) => [o.ref, o.start.toISOString(), o.end.toISOString()])).toEqual([
      ["alice-covers-wednesday", "2026-03-04T17:00:00.000Z", "2026-03-05T17:00:00.000Z"],
      ["bob-takes-nights", "2026-03-17T21:00:00.000Z", "2026-03-18T13:00:00.000Z"],
      ["bob-takes-nights#2", "2026-03-18T21:00:00.000Z", "2026-03-19T13:00:00.000Z"],
    ]);
    // Across Sydney's fall-back night: 18:00 AEDT → 08:00 AEST is 15 h.
    expect(sydney!.overrides.map((o) => (o.end.getTime() - o.start.getTime()) / 3_600_000)).toEqual([15]);
  });

  it("keeps people by Opsgenie id, emails lower-cased, null without a username", () => {
    const { parsed } = verify("export.json", "timeline.json");
    expect(parsed.people.find((p) => p.name === "Alice Archer")).toMatchObject({ ref: "3f8e6a10-5b2c-4d7e-9a41-000000000001", email: "alice@example.com", timeZone: "America/New_York" });
    expect(parsed.people.find((p) => p.name === "Paging Robot")).toMatchObject({ email: null, timeZone: null });
  });

  it("reports what it maps differently, with its place", () => {
    const { parsed } = verify("export.json", "timeline.json");
    expect(parsed.findings.map((f) => [f.kind, f.code, f.place])).toEqual([
      ["note", "none_participant", "/schedules/0/schedule/data/rotations/1/participants/2"],
      ["note", "override_rotations", "/schedules/0/overrides/data/1/rotations"],
      ["note", "override_outside_rotations", "/schedules/0/overrides/data/1"],
      ["note", "override_rotations", "/schedules/3/overrides/data/0/rotations"],
      ["note", "override_outside_rotations", "/schedules/3/overrides/data/0"],
    ]);
    expect(parsed.findings[0]!.message).toBe("turns of `none` become an explicit gap");
  });

  it("shows precisely where concurrent rotations and a team cannot be one person", () => {
    const { parsed, reports } = verify("concurrent.export.json", "concurrent.timeline.json");
    const [ivan, team, frank] = ["3f8e6a10-5b2c-4d7e-9a41-000000000009", "team:7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "3f8e6a10-5b2c-4d7e-9a41-000000000006"];
    expect(parsed.findings.map((f) => [f.kind, f.code, f.place])).toEqual([
      ["not_represented", "team_participant", "/schedules/0/schedule/data/rotations/0/participants/1"],
      ["approximated", "concurrent_rotations", "/schedules/0/schedule/data/rotations/1"],
    ]);
    const report = reports[0]!;
    expect(report.verified).toBe(false);
    // Weekdays 09:00–17:00 CET Opsgenie has two on call; Rota the Day desk's person, or Primary's under a team turn.
    expect(report.disagreements.map((d) => [d.start.toISOString(), d.end.toISOString(), d.expected, d.actual])).toEqual([
      ["2026-03-23T08:00:00.000Z", "2026-03-23T16:00:00.000Z", [ivan, frank].sort(), ivan],
      ["2026-03-24T08:00:00.000Z", "2026-03-24T16:00:00.000Z", [frank, team].sort(), frank],
      ["2026-03-25T08:00:00.000Z", "2026-03-25T16:00:00.000Z", [ivan, frank].sort(), ivan],
      ["2026-03-26T08:00:00.000Z", "2026-03-26T16:00:00.000Z", [frank, team].sort(), frank],
      ["2026-03-27T08:00:00.000Z", "2026-03-27T16:00:00.000Z", [ivan, frank].sort(), ivan],
    ]);
    expect(report.disagreements[0]!.likelyBecause).toEqual(["team_participant", "concurrent_rotations"]);
    expect([report.agreeHours, report.disagreeHours]).toEqual([127, 40]);
  });
});

// ---------------------------------------------------------------------------
// Bad input

type Doc = { users: { data: Record<string, unknown>[] }; schedules: { schedule: { data: Record<string, unknown> & { rotations: Record<string, unknown>[] } }; overrides: { data: Record<string, unknown>[] } }[] };

function broken(edit: (doc: Doc) => void): unknown {
  const doc = structuredClone(fixture("export.json")) as Doc;
  edit(doc);
  return doc;
}

function importError(run: () => unknown): { code: string; place: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    const { code, place } = error as ImportError;
    return { code, place };
  }
  throw new Error("expected an ImportError");
}

const rotation = (doc: Doc, i = 0) => doc.schedules[0]!.schedule.data.rotations[i]!;

describe("bad exports", () => {
  it.each<[string, unknown, string, string]>([
    ["a PagerDuty export", { users: [], schedules: [{ id: "PXPGF42", schedule_layers: [] }] }, "wrong_system", ""],
    ["a Grafana OnCall export", { schedules: { results: [{ id: "SBM7DV7BKFUYU", on_call_now: [] }] } }, "wrong_system", ""],
    ["an iCal file", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "wrong_system", ""],
    ["not an export", [1, 2, 3], "wrong_system", ""],
    ["one API response", { data: { id: "x", rotations: [] }, took: 0.1 }, "invalid_export", ""],
    ["no overrides", broken((d) => delete (d.schedules[0] as Partial<Doc["schedules"][number]>).overrides), "truncated_export", "/schedules/0/overrides"],
    ["a rotation cut off", broken((d) => delete rotation(d).startDate), "truncated_export", "/schedules/0/schedule/data/rotations/0/startDate"],
    ["an undocumented rotation field", broken((d) => (rotation(d).priority = 1)), "unknown_field", "/schedules/0/schedule/data/rotations/0/priority"],
    [
      "an undocumented restriction field",
      broken((d) => ((rotation(d).timeRestriction as { restrictions: Record<string, unknown>[] }).restrictions[2]!.timezone = "UTC")),
      "unknown_field",
      "/schedules/0/schedule/data/rotations/0/timeRestriction/restrictions/2/timezone",
    ],
    ["an undocumented override field", broken((d) => (d.schedules[0]!.overrides.data[0]!.priority = "high")), "unknown_field", "/schedules/0/overrides/data/0/priority"],
    ["a participant field", broken((d) => ((rotation(d).participants as Record<string, unknown>[])[0]!.weight = 2)), "unknown_field", "/schedules/0/schedule/data/rotations/0/participants/0/weight"],
    ["a length in text", broken((d) => (rotation(d).length = "2")), "invalid_export", "/schedules/0/schedule/data/rotations/0/length"],
    ["a monthly rotation", broken((d) => (rotation(d).type = "monthly")), "invalid_export", "/schedules/0/schedule/data/rotations/0/type"],
    [
      "an hour of 25",
      broken((d) => ((rotation(d).timeRestriction as { restrictions: Record<string, unknown>[] }).restrictions[0]!.endHour = 25)),
      "invalid_export",
      "/schedules/0/schedule/data/rotations/0/timeRestriction/restrictions/0/endHour",
    ],
    ["no participants", broken((d) => (rotation(d).participants = [])), "invalid_export", "/schedules/0/schedule/data/rotations/0/participants"],
    ["a date without offset", broken((d) => (rotation(d).startDate = "2026-02-23T09:00:00")), "invalid_export", "/schedules/0/schedule/data/rotations/0/startDate"],
    ["an override naming no rotation", broken((d) => (d.schedules[0]!.overrides.data[1]!.rotations = [{ id: "nope" }])), "invalid_export", "/schedules/0/overrides/data/1/rotations/0"],
    ["an unknown zone", broken((d) => (d.schedules[0]!.schedule.data.timezone = "Mars/Olympus_Mons")), "unknown_time_zone", "/schedules/0/schedule/data/timezone"],
  ])("%s", (_name, doc, code, place) => {
    expect(importError(() => parseOpsgenieExport(doc))).toEqual({ code, place });
  });
});

describe("findings for what Rota cannot say", () => {
  it("an override to nobody, a fall-back start, a disabled schedule", () => {
    const doc = broken((d) => {
      d.schedules[0]!.overrides.data[0]!.user = { type: "none" };
      d.schedules[1]!.schedule.data.rotations[0]! = { ...d.schedules[1]!.schedule.data.rotations[0]!, type: "hourly", length: 8, startDate: "2026-11-01T01:30:00-05:00" };
      d.schedules[2]!.schedule.data.enabled = false;
    });
    const { findings, schedules } = parseOpsgenieExport(doc);
    expect(findings.filter((f) => !["none_participant", "override_rotations", "override_outside_rotations"].includes(f.code)).map((f) => [f.kind, f.code, f.place])).toEqual([
      ["not_represented", "override_not_user", "/schedules/0/overrides/data/0/user"],
      ["approximated", "ambiguous_start", "/schedules/1/schedule/data/rotations/0/startDate"],
      ["note", "schedule_disabled", "/schedules/2/schedule/data/enabled"],
    ]);
    expect(schedules[0]!.overrides.map((o) => o.ref)).toEqual(["bob-takes-nights", "bob-takes-nights#2"]);
    // 01:30 EST is the second 01:30 that night: the layer starts exactly there.
    expect(schedules[1]!.layers[0]!.start?.toISOString()).toBe("2026-11-01T06:30:00.000Z");
  });

  it("finds a participant named by username only", () => {
    const doc = broken((d) => {
      (rotation(d).participants as Record<string, unknown>[])[0] = { type: "user", username: "ALICE@example.com" };
    });
    expect(parseOpsgenieExport(doc).schedules[0]!.layers[0]!.participants[0]).toBe("3f8e6a10-5b2c-4d7e-9a41-000000000001");
  });
});

describe("parseOpsgenieOnCalls", () => {
  it("reads the window and the periods, nobody for `none`", () => {
    const old = parseOpsgenieOnCalls(fixture("timeline.json"));
    expect(old.windows.get("c0a1e2b3-7d4f-4e21-8b6a-000000000001")).toEqual({ start: new Date("2026-03-02T05:00:00Z"), end: new Date("2026-03-23T04:00:00Z") });
    const none = old.answers.find((a) => a.start.toISOString() === "2026-03-09T21:00:00.000Z" && a.scheduleRef.endsWith("1"));
    expect(none).toMatchObject({ personRefs: [], place: "/0/data/finalTimeline/rotations/1/periods/6" });
  });

  it.each<[string, unknown, string, string]>([
    ["PagerDuty on-calls", { oncalls: [{ user: { id: "P1" }, start: "2026-03-02T00:00:00Z" }] }, "wrong_system", ""],
    ["an export", fixture("export.json"), "invalid_export", ""],
    ["no final timeline", [{ data: { _parent: { id: "s" }, startDate: "2026-03-02T00:00:00Z", endDate: "2026-03-03T00:00:00Z" } }], "truncated_export", "/0/data/finalTimeline"],
    [
      "a bad period date",
      [{ data: { _parent: { id: "s" }, startDate: "2026-03-02T00:00:00Z", endDate: "2026-03-03T00:00:00Z", finalTimeline: { rotations: [{ periods: [{ startDate: "yesterday", endDate: "2026-03-03T00:00:00Z" }] }] } } }],
      "invalid_export",
      "/0/data/finalTimeline/rotations/0/periods/0/startDate",
    ],
  ])("%s", (_name, doc, code, place) => {
    expect(importError(() => parseOpsgenieOnCalls(doc))).toEqual({ code, place });
  });
});
