import { readFileSync } from "node:fs";
import { IANAZone } from "luxon";
import { describe, expect, it } from "vitest";
import { parseGrafanaExport, parseGrafanaOnCalls } from "./grafana.ts";
import { ImportError, type SourceExport } from "./model.ts";
import { replaySchedule } from "./replay.ts";

const DIR = new URL("../../tests/fixtures/imports/grafana/", import.meta.url);
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(name, DIR), "utf8"));

// ---------------------------------------------------------------------------
// An oracle for final_shifts, written from the OnCall API reference and RFC 5545
// (which the reference cites for recurrences), not from the importer or Rota:
// expand each shift's occurrences on the wall clock of its zone, give the i-th
// time frame to user group i mod k, end each event `duration` later on the wall
// clock, then resolve: overrides over everything, else the highest level; all
// events of the winning level are on call together.

interface GUser {
  id: string;
  email: string;
  username: string;
}
interface GShift {
  id: string;
  type: "rolling_users" | "recurrent_event" | "single_event" | "override";
  time_zone: string | null;
  level?: number;
  start: string;
  duration: number;
  rotation_start: string;
  frequency?: "daily" | "weekly";
  interval?: number;
  week_start?: string;
  by_day?: string[] | null;
  users?: string[];
  rolling_users?: string[][];
  start_rotation_from_user_index?: number;
}
interface GSchedule {
  id: string;
  type: "calendar" | "web";
  time_zone: string;
  shifts: string[];
}
interface GExport {
  users: { results: GUser[] };
  schedules: { results: GSchedule[] };
  on_call_shifts: { results: GShift[] };
}
interface FinalShift {
  user_pk: string;
  user_email: string;
  user_username: string;
  shift_start: string;
  shift_end: string;
}

const DAY = 86_400_000;
const SUNDAY_FIRST = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
/** Wall-clock times as ms of their digits read as UTC. */
const wall = (text: string) => Date.parse(`${text}Z`);
const weekday = (w: number) => SUNDAY_FIRST[new Date(w).getUTCDay()]!;

/** RFC 5545 §3.3.5: in a gap the offset before it; a repeated time its first occurrence. */
function instantOf(w: number, zone: string): number {
  const z = IANAZone.create(zone);
  const offsets = [z.offset(w - DAY), z.offset(w + DAY)].map((m) => m * 60_000);
  const valid = offsets.map((o) => w - o).filter((t) => z.offset(t) * 60_000 === w - t);
  return valid.length > 0 ? Math.min(...valid) : w - offsets[0]!;
}

/** The first day (at the same time) of the week holding `w`, weeks starting on WKST. */
const weekOf = (w: number, wkst: string) => w - ((new Date(w).getUTCDay() - SUNDAY_FIRST.indexOf(wkst) + 7) % 7) * DAY;

/** RRULE starts (wall clock) from DTSTART up to `until`: FREQ=DAILY|WEEKLY, INTERVAL=step, BYDAY, WKST. */
function recurrence(s: GShift, until: number, step: number): number[] {
  const start = wall(s.start);
  const byDay = s.by_day ?? [];
  const out: number[] = [];
  if (s.frequency === "daily") {
    for (let w = start; w <= until; w += step * DAY) if (byDay.length === 0 || byDay.includes(weekday(w))) out.push(w);
    return out;
  }
  const days = byDay.length > 0 ? byDay : [weekday(start)];
  for (let week = weekOf(start, s.week_start ?? "SU"); week <= until; week += 7 * step * DAY) {
    for (let d = 0; d < 7; d++) if (days.includes(weekday(week + d * DAY)) && week + d * DAY >= start) out.push(week + d * DAY);
  }
  return out;
}

interface Event {
  start: number;
  end: number;
  users: string[];
  level: number;
  override: boolean;
}

function events(s: GShift, schedule: GSchedule, until: number): Event[] {
  if (s.rotation_start !== s.start) throw new Error("the oracle covers the default rotation_start only");
  const zone = s.time_zone ?? (schedule.type === "calendar" && s.type !== "override" ? schedule.time_zone : "UTC");
  const event = (w: number, users: string[]): Event => ({
    start: instantOf(w, zone),
    end: instantOf(w + s.duration * 1000, zone),
    users,
    level: s.level ?? 0,
    override: s.type === "override",
  });
  if (s.type === "single_event" || s.type === "override") return [event(wall(s.start), s.users!)];
  const n = s.interval ?? 1;
  if (s.type === "recurrent_event") return recurrence(s, until, n).map((w) => event(w, s.users!));
  const index = s.start_rotation_from_user_index ?? 0;
  const groups = [...s.rolling_users!.slice(index), ...s.rolling_users!.slice(0, index)];
  // A time frame: a week of the weekly rule (counted in steps of `interval` weeks), a day of
  // the daily rule, or with by_day a run of `interval` selected days ("Interval must be less
  // than or equal to the number of selected days").
  const perSelectedDay = s.frequency === "daily" && (s.by_day ?? []).length > 0;
  const starts = recurrence(s, until, perSelectedDay ? 1 : n);
  const firstWeek = weekOf(starts[0]!, s.week_start ?? "SU");
  const frame = (w: number, j: number) =>
    s.frequency === "weekly" ? Math.floor((w - firstWeek) / (7 * n * DAY)) : perSelectedDay ? Math.floor(j / n) : j;
  if (groups.some((g) => g.length === 0)) throw new Error("the oracle covers groups with users only");
  return starts.map((w, j) => event(w, groups[frame(w, j) % groups.length]!));
}

function oracle(doc: GExport, scheduleId: string, startDate: string, endDate: string): FinalShift[] {
  const from = Date.parse(`${startDate}T00:00:00Z`);
  const to = Date.parse(`${endDate}T00:00:00Z`);
  const schedule = doc.schedules.results.find((s) => s.id === scheduleId)!;
  const shifts = schedule.shifts.map((id) => doc.on_call_shifts.results.find((s) => s.id === id)!);
  const all = shifts.flatMap((s) => events(s, schedule, to + 2 * DAY));
  const cuts = [...new Set([from, to, ...all.flatMap((e) => [e.start, e.end])])].filter((t) => t >= from && t <= to).sort((a, b) => a - b);
  const out: FinalShift[] = [];
  const open = new Map<string, FinalShift>();
  const users = new Map(doc.users.results.map((u) => [u.id, u]));
  const iso = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [a, b] = [cuts[i]!, cuts[i + 1]!];
    const covering = all.filter((e) => e.start <= a && e.end >= b);
    const overrides = covering.filter((e) => e.override);
    const top = Math.max(...covering.map((e) => e.level));
    const winners = overrides.length > 0 ? overrides : covering.filter((e) => e.level === top);
    const onCall = new Set(winners.flatMap((e) => e.users));
    for (const id of open.keys()) if (!onCall.has(id)) open.delete(id);
    for (const id of onCall) {
      const entry = open.get(id);
      if (entry) {
        entry.shift_end = iso(b);
        continue;
      }
      const u = users.get(id)!;
      const created = { user_pk: id, user_email: u.email, user_username: u.username, shift_start: iso(a), shift_end: iso(b) };
      open.set(id, created);
      out.push(created);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Fixtures: replay the oracle's answers against the import

const FIXTURES = ["new_york", "berlin", "sydney"] as const;

function fixture(name: string) {
  const doc = load(`${name}.export.json`);
  const body = load(`${name}.final_shifts.json`) as { schedule_id: string; start_date: string; end_date: string; results: FinalShift[] };
  const imported = parseGrafanaExport(doc);
  const answers = parseGrafanaOnCalls(body);
  const schedule = imported.schedules.find((s) => s.ref === body.schedule_id)!;
  const replay = replaySchedule(schedule, answers.answers, answers.windows.get(schedule.ref)!, imported.findings);
  return { doc: doc as GExport, body, imported, answers, schedule, replay };
}

describe("Grafana OnCall fixtures", () => {
  for (const name of [...FIXTURES, "gap"]) {
    it(`${name}: the stored final_shifts are the oracle's`, () => {
      const { doc, body } = fixture(name);
      expect(body.results).toEqual(oracle(doc, body.schedule_id, body.start_date, body.end_date));
    });
  }

  for (const name of FIXTURES) {
    it(`${name}: Rota agrees with every answer across the DST change`, () => {
      const { replay, answers, schedule } = fixture(name);
      expect(replay.disagreements).toEqual([]);
      expect(replay.verified).toBe(true);
      const window = answers.windows.get(schedule.ref)!;
      expect(replay.agreeHours).toBe((window.end.getTime() - window.start.getTime()) / 3_600_000);
    });
  }

  it("gap: a hand-off at 02:30 on the spring-forward day disagrees for exactly 30 minutes", () => {
    const { replay, imported } = fixture("gap");
    expect(imported.findings.map((f) => f.code)).toEqual(["handoff_in_dst_gap"]);
    expect(imported.findings[0]!.message).toContain("2026-03-29 02:30");
    expect(replay.verified).toBe(false);
    expect(replay.disagreements).toEqual([
      {
        start: new Date("2026-03-29T01:00:00Z"),
        end: new Date("2026-03-29T01:30:00Z"),
        expected: ["UBERANNA0001"],
        actual: "UBERBEN00002",
        rota: { kind: "layer", layer: "Daily at 02:30" },
        likelyBecause: ["handoff_in_dst_gap"],
      },
    ]);
  });

  it("new_york: weekly, daily-restricted and weekend-night layers by level", () => {
    const { schedule, imported } = fixture("new_york");
    expect(schedule.layers.map((l) => [l.ref, l.turn, l.startDate, l.handoffTime, l.timeZone, l.participants, l.restrictions])).toEqual([
      ["ONYWEEKEND01", { unit: "weeks", count: 1 }, "2026-02-07", "22:00", "America/New_York", ["UNYBOB000002"], [{ days: ["sat", "sun"], start: "22:00", end: "08:00" }]],
      ["ONYDAYTIME01", { unit: "days", count: 1 }, "2026-02-02", "09:00", "America/New_York", ["UNYDAVE00004", "UNYCAROL0003"], [{ days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start: "09:00", end: "17:00" }]],
      ["ONYWEEKLY001", { unit: "weeks", count: 1 }, "2026-02-02", "09:00", "America/New_York", ["UNYALICE0001", "UNYBOB000002", "UNYCAROL0003"], undefined],
    ]);
    expect(imported.findings).toEqual([]);
    // Only the people the schedules need; emails lower-cased.
    expect(imported.people.map((p) => [p.ref, p.email, p.name])).toEqual([
      ["UNYALICE0001", "alice@example.com", "alice"],
      ["UNYBOB000002", "bob@example.com", "bob"],
      ["UNYCAROL0003", "carol@example.com", "carol"],
      ["UNYDAVE00004", "dave@example.com", "dave"],
    ]);
  });

  it("berlin: web shifts default to UTC, start index, interval 2 as turns with nobody, overrides", () => {
    const { schedule } = fixture("berlin");
    const [utc, office, daily] = schedule.layers;
    expect([utc!.timeZone, utc!.participants, utc!.turn, utc!.restrictions]).toEqual([
      "UTC",
      ["UBERERIK0005", null, "UBERBEN00002", null],
      { unit: "weeks", count: 1 },
      [{ days: ["sat"], start: "06:00", end: "18:00" }],
    ]);
    expect([office!.ref, office!.restrictions]).toEqual(["OBEROFFICE01", [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "18:00" }]]);
    expect([daily!.participants, daily!.timeZone]).toEqual([["UBERBEN00002", "UBERCLARA003", "UBERANNA0001"], "Europe/Berlin"]);
    expect(schedule.overrides.map((o) => [o.ref, o.personRef, o.start.toISOString(), o.end.toISOString()])).toEqual([
      ["OBEROVERR001", "UBERCLARA003", "2026-10-25T00:30:00.000Z", "2026-10-25T02:30:00.000Z"],
      ["OBEROVERR002", "UBERBEN00002", "2026-10-28T11:00:00.000Z", "2026-10-28T12:00:00.000Z"],
    ]);
  });

  it("sydney: daily by_day rotates per selected day, unrolled where calendar days disagree", () => {
    const { schedule, imported } = fixture("sydney");
    const byRef = new Map(schedule.layers.map((l) => [l.ref, l]));
    expect(byRef.get("OSYDWEEKDAY1")!.turn).toEqual({ unit: "days", count: 1 });
    expect(byRef.get("OSYDWEEKDAY1")!.participants).toEqual(["USYDMIA00001", "USYDNOAH0002"]);
    expect(byRef.get("OSYDEVENING1")!.participants).toEqual(["USYDOLIVIA03", null, "USYDMIA00001", null, "USYDNOAH0002", null, null]);
    expect(imported.findings.map((f) => [f.kind, f.code, f.place])).toEqual([["note", "daily_by_day_unrolled", "/on_call_shifts/results/2/by_day"]]);
    const single = byRef.get("OSYDSINGLE01")!;
    expect([single.start?.toISOString(), single.end?.toISOString()]).toEqual(["2026-04-04T09:00:00.000Z", "2026-04-04T22:00:00.000Z"]);
    expect(schedule.layers[0]!.ref).toBe("OSYDSINGLE01");
  });
});

// ---------------------------------------------------------------------------
// Small exports for the findings and the bad-input cases

const USERS = ["UA", "UB", "UC"].map((id) => ({ id, email: `${id.toLowerCase()}@example.com`, username: id.toLowerCase() }));
const page = (results: unknown[]) => ({ count: results.length, next: null, previous: null, results });

function shift(fields: Record<string, unknown> = {}): Record<string, unknown> {
  const start = (fields.start as string | undefined) ?? "2026-01-05T09:00:00";
  return {
    id: "O1", team_id: null, name: "rotation", type: "rolling_users", time_zone: null, level: 0, start, duration: 86400,
    rotation_start: start, frequency: "daily", interval: 1, until: null, by_day: null, by_month: null, by_monthday: null,
    rolling_users: [["UA"], ["UB"]], start_rotation_from_user_index: 0, ...fields,
  };
}

function exportWith(shifts: Record<string, unknown>[], schedule: Record<string, unknown> = {}): Record<string, unknown> {
  const s = { id: "S1", name: "S", type: "calendar", team_id: null, time_zone: "UTC", shifts: shifts.map((x) => x.id), ...schedule };
  return { users: page(USERS), schedules: page([s]), on_call_shifts: page(shifts) };
}

const codes = (e: SourceExport) => e.findings.map((f) => [f.kind, f.code, f.place]);

function importError(f: () => unknown): { code: string; place: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof ImportError) return { code: e.code, place: e.place };
    throw e;
  }
  throw new Error("expected an ImportError");
}

describe("findings", () => {
  it("a user group with several people: the first is imported, and the replay shows the others missing", () => {
    const doc = exportWith([shift({ start: "2026-01-05T00:00:00", rolling_users: [["UA", "UB"], ["UC"]] })]);
    const imported = parseGrafanaExport(doc);
    expect(codes(imported)).toEqual([["not_represented", "multi_user_group", "/on_call_shifts/results/0/rolling_users/0"]]);
    expect(imported.schedules[0]!.layers[0]!.participants).toEqual(["UA", "UC"]);
    const entry = (user: string, start: string, end: string) => ({ user_pk: user, user_email: "", user_username: "", shift_start: start, shift_end: end });
    const answers = parseGrafanaOnCalls({
      schedule_id: "S1", start_date: "2026-01-05", end_date: "2026-01-07", ...page([
        entry("UA", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
        entry("UB", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
        entry("UC", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z"),
      ]),
    });
    const replay = replaySchedule(imported.schedules[0]!, answers.answers, answers.windows.get("S1")!, imported.findings);
    expect(replay.disagreements).toEqual([
      { start: new Date("2026-01-05T00:00:00Z"), end: new Date("2026-01-06T00:00:00Z"), expected: ["UA", "UB"], actual: "UA", rota: { kind: "layer", layer: "rotation" }, likelyBecause: ["multi_user_group"] },
    ]);
    expect([replay.agreeHours, replay.disagreeHours]).toEqual([24, 24]);
  });

  it("monthly recurrences and month rules are not represented and not imported", () => {
    for (const [fields, place] of [
      [{ frequency: "monthly" }, "/on_call_shifts/results/0/frequency"],
      [{ by_monthday: [1, 15] }, "/on_call_shifts/results/0"],
      [{ by_month: [6] }, "/on_call_shifts/results/0"],
    ] as const) {
      const imported = parseGrafanaExport(exportWith([shift(fields)]));
      expect(codes(imported)).toEqual([["not_represented", "occurrence_pattern", place]]);
      expect(imported.schedules[0]!.layers).toEqual([]);
    }
  });

  it("patterns weekly windows cannot repeat", () => {
    const cases = [
      { frequency: "daily", interval: 3, duration: 30 * 3600 },
      { frequency: "daily", by_day: ["MO", "TU"], duration: 30 * 3600 },
      { frequency: "weekly", week_start: "MO", by_day: ["MO", "SU"], duration: 2 * 86400 },
      { frequency: "hourly", duration: 1800 },
    ];
    for (const fields of cases) expect(codes(parseGrafanaExport(exportWith([shift(fields)])))[0]![1]).toBe("occurrence_pattern");
  });

  it("events longer than a turn put two groups on at once", () => {
    const imported = parseGrafanaExport(exportWith([shift({ duration: 36 * 3600 })]));
    expect(codes(imported)).toEqual([["not_represented", "overlapping_events", "/on_call_shifts/results/0/duration"]]);
    expect(imported.schedules[0]!.layers[0]!.turn).toEqual({ unit: "days", count: 1 });
  });

  it("interval n with short events: one-day turns followed by n-1 with nobody; empty groups go last", () => {
    const padded = parseGrafanaExport(exportWith([shift({ interval: 3, duration: 8 * 3600 })])).schedules[0]!.layers[0]!;
    expect([padded.turn, padded.participants]).toEqual([{ unit: "days", count: 1 }, ["UA", null, null, "UB", null, null]]);
    const empty = parseGrafanaExport(exportWith([shift({ rolling_users: [["UA"], [], ["UB"]] })])).schedules[0]!.layers[0]!;
    expect(empty.participants).toEqual(["UA", "UB", null]);
  });

  it("a start off the selected weekdays moves to the first selected day in week order", () => {
    // 2026-01-07 is a Wednesday; with MO/FR selected and weeks from Monday, Grafana starts on Monday 01-12.
    const fields = { start: "2026-01-07T09:00:00", frequency: "weekly", week_start: "MO", by_day: ["MO", "FR"], duration: 8 * 3600 };
    const layer = parseGrafanaExport(exportWith([shift(fields)])).schedules[0]!.layers[0]!;
    expect([layer.startDate, layer.start, layer.restrictions]).toEqual(["2026-01-12", undefined, [{ days: ["mon", "fri"], start: "09:00", end: "17:00" }]]);
    // A recurrent event does not move: it starts at its first selected day, in the same week or later.
    const weekly = shift({ type: "recurrent_event", users: ["UA"], rolling_users: undefined, start_rotation_from_user_index: undefined, start: "2026-01-07T09:00:00", frequency: "weekly", week_start: "MO", by_day: ["MO"], duration: 7 * 86400 });
    const recurrent = parseGrafanaExport(exportWith([weekly])).schedules[0]!.layers[0]!;
    expect([recurrent.startDate, recurrent.start?.toISOString()]).toEqual(["2026-01-05", "2026-01-12T09:00:00.000Z"]);
  });

  it("same-level shifts that run at once, and overlapping overrides", () => {
    const same = parseGrafanaExport(exportWith([shift(), shift({ id: "O2", start: "2026-01-05T21:00:00" })]));
    expect(codes(same)).toEqual([["approximated", "same_level_shifts", "/on_call_shifts/results/1"]]);
    expect(same.schedules[0]!.layers.map((l) => l.ref)).toEqual(["O1", "O2"]);
    const override = (id: string, start: string, user: string) => ({ id, team_id: null, name: id, type: "override", time_zone: null, start, duration: 7200, rotation_start: start, users: [user] });
    const web = parseGrafanaExport(exportWith([shift(), override("V1", "2026-01-06T10:00:00", "UB"), override("V2", "2026-01-06T11:00:00", "UC")], { type: "web" }));
    expect(codes(web)).toEqual([["not_represented", "overlapping_overrides", "/on_call_shifts/results/2"]]);
    expect(web.schedules[0]!.overrides.map((o) => [o.ref, o.start.toISOString()])).toEqual([["V1", "2026-01-06T10:00:00.000Z"], ["V2", "2026-01-06T11:00:00.000Z"]]);
  });

  it("what the export cannot carry: iCal schedules, iCal and web overrides, shifts in no schedule", () => {
    const doc = exportWith([shift()], { ical_url_overrides: "https://example.com/o.ics" });
    (doc.schedules as { results: unknown[] }).results.push({ id: "S2", name: "iCal", type: "ical", ical_url_primary: "https://example.com/p.ics", shifts: null });
    (doc.on_call_shifts as { results: unknown[] }).results.push(shift({ id: "O9" }));
    const imported = parseGrafanaExport(doc);
    expect(codes(imported)).toEqual([
      ["not_represented", "ical_overrides", "/schedules/results/0/ical_url_overrides"],
      ["skipped", "ical_schedule", "/schedules/results/1/type"],
      ["skipped", "shift_not_in_schedule", "/on_call_shifts/results/1"],
    ]);
    expect(imported.schedules.map((s) => s.ref)).toEqual(["S1"]);
    expect(codes(parseGrafanaExport(exportWith([shift()], { enable_web_overrides: true })))).toEqual([["not_represented", "web_overrides", "/schedules/results/0/enable_web_overrides"]]);
  });

  it("hourly rotations follow the wall clock in Grafana: a finding only where the zone has DST", () => {
    const hourly = { frequency: "hourly", interval: 4, duration: 4 * 3600, rolling_users: [["UA"], ["UB"], ["UC"]] };
    const utc = parseGrafanaExport(exportWith([shift(hourly)]));
    expect([utc.findings, utc.schedules[0]!.layers[0]!.turn]).toEqual([[], { unit: "hours", count: 4 }]);
    expect(codes(parseGrafanaExport(exportWith([shift(hourly)], { time_zone: "America/New_York" })))).toEqual([["approximated", "hourly_wall_clock", "/on_call_shifts/results/0/frequency"]]);
  });

  it("until: inclusive in calendar schedules, exact in web ones; before the first event the shift is skipped", () => {
    const calendar = parseGrafanaExport(exportWith([shift({ until: "2026-02-01T09:00:00" })]));
    expect(codes(calendar)).toEqual([["approximated", "until_inclusive", "/on_call_shifts/results/0/until"]]);
    expect(calendar.schedules[0]!.layers[0]!.end).toEqual(new Date("2026-02-01T09:00:00Z"));
    expect(parseGrafanaExport(exportWith([shift({ until: "2026-02-01T09:00:00" })], { type: "web" })).findings).toEqual([]);
    const ended = parseGrafanaExport(exportWith([shift({ until: "2026-01-05T08:00:00" })]));
    expect([codes(ended), ended.schedules[0]!.layers]).toEqual([[["skipped", "layer_ended", "/on_call_shifts/results/0/until"]], []]);
  });

  it("rotation_start: a UTC instant; the rotation keeps its turn numbers", () => {
    const web = parseGrafanaExport(exportWith([shift({ rotation_start: "2026-01-08T12:00:00" })], { type: "web" }));
    expect([web.findings, web.schedules[0]!.layers[0]!.start, web.schedules[0]!.layers[0]!.startDate]).toEqual([[], new Date("2026-01-08T12:00:00Z"), "2026-01-05"]);
    const api = parseGrafanaExport(exportWith([shift({ rotation_start: "2026-01-08T12:00:00" })]));
    expect(codes(api)).toEqual([["approximated", "rotation_start_mid_event", "/on_call_shifts/results/0/rotation_start"]]);
  });

  it("overrides and single events start in a DST gap as RFC 5545 reads it: with the offset before the gap", () => {
    const override = { id: "V1", team_id: null, name: "V1", type: "override", time_zone: "Europe/Berlin", start: "2026-03-29T02:30:00", duration: 7200, rotation_start: "2026-03-29T02:30:00", users: ["UC"] };
    const imported = parseGrafanaExport(exportWith([shift(), override], { type: "web" }));
    // 02:30 CET (UTC+1) = 01:30Z, i.e. 03:30 CEST; its wall-clock end 04:30 CEST = 02:30Z.
    expect(imported.schedules[0]!.overrides.map((o) => [o.start.toISOString(), o.end.toISOString()])).toEqual([["2026-03-29T01:30:00.000Z", "2026-03-29T02:30:00.000Z"]]);
    expect(imported.findings).toEqual([]);
  });

  it("a hand-off repeated at the fall-back change, and shifts with nobody", () => {
    const fold = parseGrafanaExport(exportWith([shift({ start: "2026-10-01T02:30:00" })], { time_zone: "Europe/Berlin" }));
    expect(codes(fold)).toEqual([["approximated", "handoff_in_dst_fold", "/on_call_shifts/results/0"]]);
    expect(fold.findings[0]!.message).toContain("2026-10-25 02:30");
    const nobody = parseGrafanaExport(exportWith([shift({ rolling_users: [[]] })]));
    expect([codes(nobody), nobody.people]).toEqual([[["skipped", "no_users", "/on_call_shifts/results/0"]], []]);
  });
});

describe("bad input", () => {
  const parse = (doc: unknown) => () => parseGrafanaExport(doc);

  it("other systems and non-exports are wrong_system", () => {
    expect(importError(parse("BEGIN:VCALENDAR\r\nEND:VCALENDAR"))).toEqual({ code: "wrong_system", place: "" });
    expect(importError(parse({ users: [], schedules: [{ id: "P1", schedule_layers: [] }] }))).toEqual({ code: "wrong_system", place: "" });
    expect(importError(parse({ data: { id: "x", rotations: [] }, took: 0.1, requestId: "r" }))).toEqual({ code: "wrong_system", place: "" });
    expect(importError(parse(42))).toEqual({ code: "wrong_system", place: "" });
    expect(importError(parse({ users: [] }))).toEqual({ code: "wrong_system", place: "" });
  });

  it("cut-off exports are truncated_export", () => {
    const { on_call_shifts: _, ...noShifts } = exportWith([shift()]);
    expect(importError(parse(noShifts))).toEqual({ code: "truncated_export", place: "/on_call_shifts" });
    expect(importError(parse({ ...exportWith([shift()]), users: { ...page(USERS), next: "https://oncall/api/v1/users/?page=2" } }))).toEqual({ code: "truncated_export", place: "/users/next" });
    const { start: __, ...noStart } = shift();
    expect(importError(parse(exportWith([noStart])))).toEqual({ code: "truncated_export", place: "/on_call_shifts/results/0/start" });
    expect(importError(parse(exportWith([shift()], { shifts: ["O1", "O404"] })))).toEqual({ code: "truncated_export", place: "/schedules/results/0/shifts/1" });
  });

  it("fields the reference does not document on a shift are unknown_field", () => {
    expect(importError(parse(exportWith([shift({ color: "red" })])))).toEqual({ code: "unknown_field", place: "/on_call_shifts/results/0/color" });
  });

  it("wrong types and impossible values are invalid_export", () => {
    const at = (key: string) => ({ code: "invalid_export", place: `/on_call_shifts/results/0/${key}` });
    expect(importError(parse(exportWith([shift({ duration: "3600" })])))).toEqual(at("duration"));
    expect(importError(parse(exportWith([shift({ by_day: "MO" })])))).toEqual(at("by_day"));
    expect(importError(parse(exportWith([shift({ start: "2026-02-30T09:00:00" })])))).toEqual(at("start"));
    expect(importError(parse(exportWith([shift({ type: "weird" })])))).toEqual(at("type"));
    expect(importError(parse(exportWith([shift({ frequency: null })])))).toEqual(at("frequency"));
    expect(importError(parse(exportWith([shift({ rolling_users: [["UZ"]] })])))).toEqual(at("rolling_users/0/0"));
  });

  it("unknown zones are unknown_time_zone", () => {
    expect(importError(parse(exportWith([shift({ time_zone: "Mars/Olympus" })])))).toEqual({ code: "unknown_time_zone", place: "/on_call_shifts/results/0/time_zone" });
    expect(importError(parse(exportWith([shift()], { time_zone: "Mars/Olympus" })))).toEqual({ code: "unknown_time_zone", place: "/schedules/results/0/time_zone" });
  });

  it("users are read leniently: no email stays null", () => {
    const doc = { ...exportWith([shift()]), users: [{ id: "UA", email: null, username: "a", extra: { any: 1 } }, { id: "UB" }] };
    expect(parseGrafanaExport(doc).people.map((p) => [p.ref, p.email, p.name])).toEqual([["UA", null, "a"], ["UB", null, "UB"]]);
  });
});

describe("final_shifts answers", () => {
  const entry = { user_pk: "UA", user_email: "a@example.com", user_username: "a", shift_start: "2026-01-05T09:00:00Z", shift_end: "2026-01-06T09:00:00Z" };

  it("the window is the request's whole UTC days, or the entries' span", () => {
    const dated = parseGrafanaOnCalls({ schedule_id: "S1", start_date: "2026-01-05T10:00", end_date: "2026-01-08T09:00", ...page([entry]) });
    expect(dated.windows.get("S1")).toEqual({ start: new Date("2026-01-05T00:00:00Z"), end: new Date("2026-01-07T00:00:00Z") });
    const bare = parseGrafanaOnCalls(page([entry]), "S9");
    expect(bare.windows.get("S9")).toEqual({ start: new Date(entry.shift_start), end: new Date(entry.shift_end) });
    expect(bare.answers).toEqual([{ scheduleRef: "S9", personRefs: ["UA"], start: new Date(entry.shift_start), end: new Date(entry.shift_end), place: "/results/0" }]);
    const two = parseGrafanaOnCalls([{ schedule_id: "S1", ...page([entry]) }, { schedule_id: "S2", ...page([entry]) }]);
    expect([...two.windows.keys()]).toEqual(["S1", "S2"]);
  });

  it("bad answers throw ImportError", () => {
    expect(importError(() => parseGrafanaOnCalls({ oncalls: [] }))).toEqual({ code: "wrong_system", place: "" });
    expect(importError(() => parseGrafanaOnCalls(page([entry])))).toEqual({ code: "invalid_export", place: "/schedule_id" });
    expect(importError(() => parseGrafanaOnCalls({ schedule_id: "S1", ...page([{ ...entry, shift_start: "yesterday" }]) }))).toEqual({ code: "invalid_export", place: "/results/0/shift_start" });
    expect(importError(() => parseGrafanaOnCalls({ schedule_id: "S1", start_date: "2026-01-05", end_date: "2026-01-05", ...page([entry]) }))).toEqual({ code: "invalid_export", place: "/end_date" });
    expect(importError(() => parseGrafanaOnCalls({ schedule_id: "S1", ...page([entry]), next: "https://oncall/next" }))).toEqual({ code: "truncated_export", place: "/next" });
  });
});
