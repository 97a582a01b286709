import { readFileSync } from "node:fs";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { ImportError } from "./model.ts";
import { parsePagerDutyExport, parsePagerDutyOnCalls } from "./pagerduty.ts";
import { replaySchedule } from "./replay.ts";

const FIXTURES = new URL("../../tests/fixtures/imports/pagerduty/", import.meta.url);
// Raw PagerDuty JSON, as the fixtures and the oracle read it.
type Doc = any;
const load = (name: string): Doc => JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8"));
const NOW = new Date("2027-01-01T00:00:00Z");

/*
 * The oracle: PagerDuty's final schedule computed straight from its
 * documented semantics (and the assumptions in NOTES.md), minute by minute,
 * with luxon. It shares no code with the importer or Rota's engine; the
 * answer files are its output, committed in PagerDuty's response formats.
 *
 * - Overrides beat every layer; of overlapping ones the later in the list wins.
 * - schedule_layers[0] wins over the layers after it, where it has someone.
 * - A layer has someone from `start` until `end`, inside its restrictions.
 * - Turn k starts at rotation_virtual_start + k turns and is users[k mod n]:
 *   whole-day turns hand off when the local clock reaches the hand-off time
 *   (so at the first instant that exists, and the first of two), other turns
 *   after elapsed seconds.
 * - Restrictions open at start_time_of_day (on start_day_of_week for weekly
 *   ones) and stay open for duration_seconds of the local wall clock.
 */
const MINUTE = 60_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
const mod = (a: number, n: number) => ((a % n) + n) % n;

/** The local wall-clock reading of an instant, on a zone-free ms axis. */
function wallClock(t: number, zone: string): number {
  const d = DateTime.fromMillis(t, { zone });
  return t + d.offset * MINUTE;
}

function restrictionOpen(r: Doc, local: number): boolean {
  const [h, m, s] = r.start_time_of_day.split(":").map(Number);
  const start = (h * 3600 + m * 60 + s) * 1000;
  const duration = r.duration_seconds * 1000;
  if (r.type === "daily_restriction") return duration >= DAY || mod(local - start, DAY) < duration;
  const sinceMonday = mod(Math.floor(local / DAY) + 3, 7) * DAY + mod(local, DAY);
  return duration >= WEEK || mod(sinceMonday - (r.start_day_of_week - 1) * DAY - start, WEEK) < duration;
}

interface Run {
  user: string | null;
  start: number;
  end: number;
}

function finalSchedule(schedule: Doc, from: number, to: number): Run[] {
  const zone = schedule.time_zone;
  const layers = schedule.schedule_layers.map((l: Doc) => ({
    start: Date.parse(l.start),
    end: l.end === null ? Number.POSITIVE_INFINITY : Date.parse(l.end),
    virtualStart: Date.parse(l.rotation_virtual_start),
    virtualWall: wallClock(Date.parse(l.rotation_virtual_start), zone),
    length: l.rotation_turn_length_seconds * 1000,
    users: l.users.map((u: Doc) => u.user.id as string),
    restrictions: l.restrictions,
  }));
  const overrides = schedule.overrides.map((o: Doc) => ({ start: Date.parse(o.start), end: Date.parse(o.end), user: o.user.id }));
  const runs: Run[] = [];
  let latestWall = Number.NEGATIVE_INFINITY; // the local clock never hands off twice when it falls back
  for (let t = from; t < to; t += MINUTE) {
    const wall = wallClock(t, zone);
    latestWall = Math.max(latestWall, wall);
    const override = overrides.findLast((o: Doc) => o.start <= t && t < o.end);
    let user: string | null = override?.user ?? null;
    for (const l of layers) {
      if (user !== null) break;
      if (t < l.start || t >= l.end) continue;
      if (l.restrictions.length > 0 && !l.restrictions.some((r: Doc) => restrictionOpen(r, wall))) continue;
      const turn = l.length % DAY === 0 ? Math.floor((latestWall - l.virtualWall) / l.length) : Math.floor((t - l.virtualStart) / l.length);
      user = l.users[mod(turn, l.users.length)];
    }
    const last = runs[runs.length - 1];
    if (last && last.user === user) last.end = t + MINUTE;
    else runs.push({ user, start: t, end: t + MINUTE });
  }
  return runs;
}

const iso = (t: number, zone: string) => DateTime.fromMillis(t, { zone }).toISO({ suppressMilliseconds: true });
const reference = (type: string, id: string, summary: string, path: string) => ({
  id,
  type,
  summary,
  self: `https://api.pagerduty.com/${path}/${id}`,
  html_url: `https://subdomain.pagerduty.com/${path}/${id}`,
});

/** GET /oncalls?schedule_ids[]=…&since=…&until=…: whole on-call periods overlapping the range, plus the range. */
function onCallsBody(doc: Doc, since: string, until: string): Doc {
  const names = new Map<string, string>(doc.users.map((u: Doc) => [u.id, u.name]));
  const oncalls = doc.schedules.flatMap((s: Doc) =>
    finalSchedule(s, Date.parse(since) - 8 * DAY, Date.parse(until) + 8 * DAY)
      .filter((r) => r.user !== null && r.end > Date.parse(since) && r.start < Date.parse(until))
      .map((r) => ({
        escalation_policy: reference("escalation_policy_reference", "PT20YPA", "Engineering", "escalation_policies"),
        escalation_level: 1,
        schedule: reference("schedule_reference", s.id, s.name, "schedules"),
        user: reference("user_reference", r.user!, names.get(r.user!)!, "users"),
        start: iso(r.start, s.time_zone),
        end: iso(r.end, s.time_zone),
      })),
  );
  return { since, until, oncalls, limit: 100, offset: 0, more: false, total: null };
}

/** GET /schedules/{id}?since=…&until=… (overflow=false: entries cut at the range), plus the range. */
function scheduleBody(doc: Doc, since: string, until: string): Doc {
  const s = doc.schedules[0];
  const names = new Map<string, string>(doc.users.map((u: Doc) => [u.id, u.name]));
  const entries = finalSchedule(s, Date.parse(since), Date.parse(until))
    .filter((r) => r.user !== null)
    .map((r) => ({ start: iso(r.start, s.time_zone), end: iso(r.end, s.time_zone), user: reference("user_reference", r.user!, names.get(r.user!)!, "users") }));
  return {
    since,
    until,
    schedule: {
      ...reference("schedule", s.id, s.name, "schedules"),
      name: s.name,
      time_zone: s.time_zone,
      final_schedule: { name: "Final Schedule", rendered_schedule_entries: entries },
    },
  };
}

const FIXTURE_CASES = [
  { name: "new-york", answers: "new-york.oncalls.json", body: onCallsBody, since: "2027-03-08T00:00:00-05:00", until: "2027-04-05T00:00:00-04:00" },
  { name: "new-york-gap", answers: "new-york-gap.schedule.json", body: scheduleBody, since: "2027-03-01T00:00:00-05:00", until: "2027-03-29T00:00:00-04:00" },
  { name: "berlin", answers: "berlin.oncalls.json", body: onCallsBody, since: "2027-03-20T00:00:00+01:00", until: "2027-04-10T00:00:00+02:00" },
  { name: "sydney", answers: "sydney.schedule.json", body: scheduleBody, since: "2027-03-22T00:00:00+11:00", until: "2027-04-19T00:00:00+10:00" },
  { name: "approximated", answers: "approximated.oncalls.json", body: onCallsBody, since: "2027-03-12T00:00:00-05:00", until: "2027-03-16T00:00:00-04:00" },
];

describe("PagerDuty fixtures: the answer files are the oracle's output", () => {
  for (const c of FIXTURE_CASES) {
    it(c.answers, () => {
      expect(c.body(load(`${c.name}.export.json`), c.since, c.until)).toEqual(load(c.answers));
    });
  }
});

function replayAll(name: string, answersFile: string) {
  const imported = parsePagerDutyExport(load(`${name}.export.json`), { now: NOW });
  const old = parsePagerDutyOnCalls(load(answersFile));
  return imported.schedules.map((s) => replaySchedule(s, old.answers, old.windows.get(s.ref)!, imported.findings));
}

describe("PagerDuty replay: PagerDuty's own answers, replayed against Rota", () => {
  for (const c of FIXTURE_CASES.filter((f) => f.name !== "approximated")) {
    it(`${c.name}: verified over the whole window`, () => {
      const reports = replayAll(c.name, c.answers);
      expect(reports).toHaveLength(1);
      expect(reports[0]!.disagreements).toEqual([]);
      expect(reports[0]!.verified).toBe(true);
      expect(reports[0]!.window).toEqual({ start: new Date(c.since), end: new Date(c.until) });
      expect(reports[0]!.agreeHours).toBeGreaterThan(100);
    });
  }

  it("approximated: 90-minute turns rounded to 2 h disagree from the first hand-off, explained by the finding", () => {
    const [report] = replayAll("approximated", "approximated.oncalls.json");
    expect(report!.verified).toBe(false);
    expect(report!.disagreements[0]).toEqual({
      start: new Date("2027-03-12T06:30:00Z"),
      end: new Date("2027-03-12T07:00:00Z"),
      expected: ["PGRACEH"],
      actual: "PADALOV",
      rota: { kind: "layer", layer: "Layer 1" },
      likelyBecause: ["turn_length_rounded"],
    });
    // Every 6 h (four PagerDuty turns, three Rota turns) they agree 3 h. The 95 h window is 15 such
    // spans and 5 h more, where Rota's order is one turn off (15 is odd): they agree 2 h of those.
    expect(report!.agreeHours).toBe(47);
    expect(report!.disagreeHours).toBe(48);
  });
});

describe("PagerDuty export: what the fixtures import as", () => {
  const parse = (name: string) => parsePagerDutyExport(load(`${name}.export.json`), { now: NOW });
  const findings = (name: string) => parse(name).findings.map((f) => ({ kind: f.kind, code: f.code, place: f.place, scheduleRef: f.scheduleRef }));

  it("new-york: layers keep PagerDuty's order (first wins), the ended layer is skipped, overlapping overrides are flagged", () => {
    const [schedule] = parse("new-york").schedules;
    expect(schedule!.layers.map((l) => l.ref)).toEqual(["PLBIZHR", "PL24X7W"]);
    expect(schedule!.layers[0]).toMatchObject({
      participants: ["PALANTU", "PEDSGER"],
      turn: { unit: "days", count: 1 },
      handoffTime: "09:00",
      startDate: "2027-01-04",
      timeZone: "America/New_York",
      restrictions: ["mon", "tue", "wed", "thu", "fri"].map((day) => ({ days: [day], start: "09:00", end: "17:00" })),
    });
    expect(schedule!.layers[1]).toMatchObject({ turn: { unit: "weeks", count: 1 }, handoffTime: "10:00", startDate: "2026-12-07" });
    expect(schedule!.layers[1]!.start).toBeUndefined();
    expect(schedule!.overrides.map((o) => [o.ref, o.personRef])).toEqual([["PQ47DC1", "PBARBAR"], ["PQ47DC2", "PEDSGER"], ["PQ47DC3", "PADALOV"]]);
    expect(findings("new-york")).toEqual([
      { kind: "skipped", code: "layer_ended", place: "/schedules/0/schedule_layers/2/end", scheduleRef: "PNYPRIM" },
      { kind: "approximated", code: "overlapping_overrides", place: "/schedules/0/overrides/2", scheduleRef: "PNYPRIM" },
    ]);
  });

  it("new-york: people by PagerDuty id, emails lower-cased", () => {
    expect(parse("new-york").people.map((p) => [p.ref, p.email, p.timeZone])).toEqual([
      ["PADALOV", "ada@example.com", "America/New_York"],
      ["PGRACEH", "grace.hopper@example.com", "America/New_York"],
      ["PALANTU", "alan@example.com", "America/New_York"],
      ["PEDSGER", "edsger@example.com", "America/Chicago"],
      ["PBARBAR", "barbara@example.com", "America/New_York"],
    ]);
  });

  it("new-york-gap: a 62 h weekly restriction becomes day-long windows; the 02:30 hand-off in the gap is flagged", () => {
    const { schedules, findings: found } = parse("new-york-gap");
    expect(schedules[0]!.layers[0]!.restrictions).toEqual([
      { days: ["fri", "sat"], start: "18:00", end: "18:00" },
      { days: ["sun"], start: "18:00", end: "08:00" },
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: "approximated", code: "handoff_at_dst_change", place: "/schedules/0/schedule_layers/0/rotation_virtual_start" });
    expect(found[0]!.message).toContain("02:30 hand-off on 2027-03-14");
  });

  it("berlin: 12 h turns are elapsed hours; a layer starting mid-turn keeps its turns and gets a start", () => {
    const { schedules, findings: found } = parse("berlin");
    expect(schedules[0]!.layers[1]).toMatchObject({
      turn: { unit: "hours", count: 12 },
      handoffTime: "08:00",
      startDate: "2027-03-15",
      start: new Date("2027-03-22T13:00:00Z"),
    });
    expect(found).toEqual([]);
  });

  it("sydney: the 02:30 hand-off on the night clocks go back is flagged; a user without email keeps email null", () => {
    const { people, findings: found } = parse("sydney");
    expect(people.find((p) => p.ref === "PJOHNOS")!.email).toBeNull();
    expect(found.map((f) => [f.code, f.place])).toEqual([["handoff_at_dst_change", "/schedules/0/schedule_layers/0/rotation_virtual_start"]]);
    expect(found[0]!.message).toContain("2027-04-04");
  });

  it("approximated: a turn that is not whole hours is rounded, and said so", () => {
    const { schedules, findings: found } = parse("approximated");
    expect(schedules[0]!.layers[0]!.turn).toEqual({ unit: "hours", count: 2 });
    expect(found.map((f) => [f.kind, f.code, f.place])).toEqual([
      ["approximated", "turn_length_rounded", "/schedules/0/schedule_layers/0/rotation_turn_length_seconds"],
    ]);
  });

  it("the replay has teeth: with the layer order reversed, New York disagrees in business hours", () => {
    const imported = parsePagerDutyExport(load("new-york.export.json"), { now: NOW });
    const schedule = { ...imported.schedules[0]!, layers: [...imported.schedules[0]!.layers].reverse() };
    const old = parsePagerDutyOnCalls(load("new-york.oncalls.json"));
    const report = replaySchedule(schedule, old.answers, old.windows.get("PNYPRIM")!);
    expect(report.verified).toBe(false);
    // Monday 09:00: the business-hours turn (Edsger) is under the weekly one, whose turn is Ada's until 10:00.
    expect(report.disagreements[0]).toMatchObject({
      start: new Date("2027-03-08T14:00:00Z"),
      end: new Date("2027-03-08T15:00:00Z"),
      expected: ["PEDSGER"],
      actual: "PADALOV",
    });
  });
});

/** A one-schedule, one-layer export in UTC, patched per test. */
function minimal(layer: Doc = {}, schedule: Doc = {}): Doc {
  return {
    users: [
      { id: "PA", name: "A", email: "a@example.com" },
      { id: "PB", name: "B", email: "b@example.com" },
      { id: "PC", name: "C", email: "c@example.com" },
    ],
    schedules: [
      {
        id: "PSCHED",
        name: "S",
        time_zone: "UTC",
        schedule_layers: [
          {
            id: "PLAYER",
            name: "L",
            start: "2027-03-01T09:00:00Z",
            end: null,
            rotation_virtual_start: "2027-03-01T09:00:00Z",
            rotation_turn_length_seconds: 86400,
            users: ["PA", "PB", "PC"].map((id) => ({ user: { id, type: "user_reference" } })),
            restrictions: [],
            ...layer,
          },
        ],
        overrides: [],
        ...schedule,
      },
    ],
  };
}
const importOne = (layer: Doc = {}, schedule: Doc = {}) => parsePagerDutyExport(minimal(layer, schedule), { now: NOW });

describe("PagerDuty layers: turns, anchors and restrictions", () => {
  it.each([
    [1_209_600, { unit: "weeks", count: 2 }],
    [172_800, { unit: "days", count: 2 }],
    [7_200, { unit: "hours", count: 2 }],
  ])("a turn of %i s is %o, exactly", (seconds, turn) => {
    const imported = importOne({ rotation_turn_length_seconds: seconds });
    expect(imported.schedules[0]!.layers[0]!.turn).toEqual(turn);
    expect(imported.findings).toEqual([]);
  });

  it("a virtual start after the layer's start is moved back whole cycles, so each turn keeps its user", () => {
    // PagerDuty: turn k = (t - virtual start) / 1 day, user k mod 3; on 03-01 k = -2, user [1] = PB.
    const imported = importOne({ rotation_virtual_start: "2027-03-03T09:00:00Z" });
    const layer = imported.schedules[0]!.layers[0]!;
    expect([layer.startDate, layer.handoffTime]).toEqual(["2027-02-28", "09:00"]);
    expect(layer.start).toEqual(new Date("2027-03-01T09:00:00Z")); // turn 1 of the moved anchor: PB
    expect(imported.findings.map((f) => [f.kind, f.code])).toEqual([["note", "virtual_start_after_start"]]);
  });

  it("a virtual start with seconds is rounded to the minute, and said so", () => {
    const imported = importOne({ rotation_virtual_start: "2027-03-01T09:00:30Z" });
    expect(imported.schedules[0]!.layers[0]!.handoffTime).toBe("09:00");
    expect(imported.findings.map((f) => f.code)).toEqual(["virtual_start_rounded"]);
  });

  it("a daily restriction opens every day; one over 24 h is every day all day", () => {
    const restrictions = [
      { type: "daily_restriction", start_time_of_day: "22:00:00", duration_seconds: 36_000 },
      { type: "daily_restriction", start_time_of_day: "06:00:00", duration_seconds: 100_000 },
    ];
    const all = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    expect(importOne({ restrictions }).schedules[0]!.layers[0]!.restrictions).toEqual([
      { days: all, start: "22:00", end: "08:00" },
      { days: all, start: "06:00", end: "06:00" },
    ]);
  });

  it("a weekly restriction from Sunday wraps to Monday; seconds are rounded down, and said so", () => {
    const restrictions = [{ type: "weekly_restriction", start_time_of_day: "23:30:15", duration_seconds: 90_000, start_day_of_week: 7 }];
    const imported = importOne({ restrictions });
    expect(imported.schedules[0]!.layers[0]!.restrictions).toEqual([
      { days: ["sun"], start: "23:30", end: "23:30" },
      { days: ["mon"], start: "23:30", end: "00:30" },
    ]);
    expect(imported.findings.map((f) => [f.code, f.place])).toEqual([["restriction_seconds", "/schedules/0/schedule_layers/0/restrictions/0"]]);
  });

  it("a restriction shorter than a minute opens for one minute, not for a whole day", () => {
    const restrictions = [{ type: "daily_restriction", start_time_of_day: "09:00:00", duration_seconds: 30 }];
    expect(importOne({ restrictions }).schedules[0]!.layers[0]!.restrictions).toEqual([
      { days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start: "09:00", end: "09:01" },
    ]);
  });

  it("someone on a schedule but not in /users is imported without an email, and said so", () => {
    const imported = importOne({}, { overrides: [{ id: "PO", start: "2027-03-02T00:00:00Z", end: "2027-03-03T00:00:00Z", user: { id: "PGONE", type: "user_reference", summary: "Gone" } }] });
    expect(imported.people.find((p) => p.ref === "PGONE")).toMatchObject({ email: null, name: "Gone" });
    expect(imported.findings.map((f) => [f.kind, f.code, f.place])).toEqual([["note", "user_not_listed", "/schedules/0/overrides/0/user"]]);
  });

  it("fields outside the layer objects are read leniently (schedule and user metadata, a user's zone)", () => {
    const doc = minimal({}, { web_cal_url: "webcal://example", http_cal_url: "https://example" });
    doc.users[0].pronouns = "she/her";
    doc.users[1].time_zone = "Pacific Time (US & Canada)";
    const imported = parsePagerDutyExport(doc, { now: NOW });
    expect(imported.schedules).toHaveLength(1);
    expect(imported.people[1]!.timeZone).toBeNull();
    expect(imported.findings.map((f) => [f.kind, f.code, f.place])).toEqual([["note", "user_time_zone_unknown", "/users/1/time_zone"]]);
  });
});

function importError(run: () => unknown): { code: string; place: string } {
  try {
    run();
  } catch (e) {
    if (e instanceof ImportError) return { code: e.code, place: e.place };
    throw e;
  }
  throw new Error("no ImportError");
}

describe("PagerDuty export: bad input", () => {
  const layer0 = "/schedules/0/schedule_layers/0";
  const mutated = (change: (doc: Doc) => void) => () => {
    const doc = minimal();
    change(doc);
    return parsePagerDutyExport(doc, { now: NOW });
  };
  it.each([
    ["an iCal file", () => parsePagerDutyExport("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"), "wrong_system", ""],
    ["an Opsgenie schedule", () => parsePagerDutyExport({ data: [{ id: "d875e654", name: "Ops", timezone: "Europe/Kirov", enabled: true, ownerTeam: { id: "90098alp9" }, rotations: [] }], took: 0.1, requestId: "9ae63dd7" }), "wrong_system", ""],
    ["Grafana OnCall schedules", () => parsePagerDutyExport({ count: 1, next: null, previous: null, results: [{ id: "SBM7DV7BKFUYU", name: "Demo", type: "web", time_zone: "UTC", on_call_now: [], shifts: ["OH3V5FYQEYJ6M"] }] }), "wrong_system", ""],
    ["PagerDuty on-call answers", () => parsePagerDutyExport(load("new-york.oncalls.json")), "wrong_system", ""],
    ["a number", () => parsePagerDutyExport(42), "wrong_system", ""],
    ["no schedules", mutated((d) => delete d.schedules), "truncated_export", "/schedules"],
    ["no schedule_layers", mutated((d) => delete d.schedules[0].schedule_layers), "truncated_export", "/schedules/0/schedule_layers"],
    ["no overrides", mutated((d) => delete d.schedules[0].overrides), "truncated_export", "/schedules/0/overrides"],
    ["no rotation_virtual_start", mutated((d) => delete d.schedules[0].schedule_layers[0].rotation_virtual_start), "truncated_export", `${layer0}/rotation_virtual_start`],
    ["a weekly restriction without its day", mutated((d) => (d.schedules[0].schedule_layers[0].restrictions = [{ type: "weekly_restriction", start_time_of_day: "09:00:00", duration_seconds: 3600 }])), "truncated_export", `${layer0}/restrictions/0/start_day_of_week`],
    ["an unknown layer field", mutated((d) => (d.schedules[0].schedule_layers[0].handoff_day = 3)), "unknown_field", `${layer0}/handoff_day`],
    ["an unknown layer-user field", mutated((d) => (d.schedules[0].schedule_layers[0].users[1].position = 2)), "unknown_field", `${layer0}/users/1/position`],
    ["an unknown restriction field", mutated((d) => (d.schedules[0].schedule_layers[0].restrictions = [{ type: "daily_restriction", start_time_of_day: "09:00:00", duration_seconds: 3600, end_time_of_day: "10:00:00" }])), "unknown_field", `${layer0}/restrictions/0/end_time_of_day`],
    ["an unknown override field", mutated((d) => (d.schedules[0].overrides = [{ start: "2027-03-02T00:00:00Z", end: "2027-03-03T00:00:00Z", user: { id: "PA" }, replaces_user: { id: "PB" } }])), "unknown_field", "/schedules/0/overrides/0/replaces_user"],
    ["a turn length as text", mutated((d) => (d.schedules[0].schedule_layers[0].rotation_turn_length_seconds = "86400")), "invalid_export", `${layer0}/rotation_turn_length_seconds`],
    ["a start that is not a date-time", mutated((d) => (d.schedules[0].schedule_layers[0].start = "next monday")), "invalid_export", `${layer0}/start`],
    ["a restriction of another type", mutated((d) => (d.schedules[0].schedule_layers[0].restrictions = [{ type: "monthly_restriction", start_time_of_day: "09:00:00", duration_seconds: 3600 }])), "invalid_export", `${layer0}/restrictions/0/type`],
    ["day 8 of the week", mutated((d) => (d.schedules[0].schedule_layers[0].restrictions = [{ type: "weekly_restriction", start_time_of_day: "09:00:00", duration_seconds: 3600, start_day_of_week: 8 }])), "invalid_export", `${layer0}/restrictions/0/start_day_of_week`],
    ["a layer with no users", mutated((d) => (d.schedules[0].schedule_layers[0].users = [])), "invalid_export", `${layer0}/users`],
    ["an override ending before it starts", mutated((d) => (d.schedules[0].overrides = [{ start: "2027-03-03T00:00:00Z", end: "2027-03-02T00:00:00Z", user: { id: "PA" } }])), "invalid_export", "/schedules/0/overrides/0/end"],
    ["an ActiveSupport zone name", mutated((d) => (d.schedules[0].time_zone = "Eastern Time (US & Canada)")), "unknown_time_zone", "/schedules/0/time_zone"],
  ])("%s", (_name, run, code, place) => {
    expect(importError(run)).toEqual({ code, place });
  });
});

describe("PagerDuty answers", () => {
  const user = (id: string) => ({ id, type: "user_reference" });
  const schedule = { id: "PSCHED", type: "schedule_reference" };

  it("GET /oncalls without since/until: the window is the entries' span; entries without a schedule answer for none", () => {
    const answers = parsePagerDutyOnCalls({
      oncalls: [
        { user: user("PA"), schedule, escalation_level: 1, start: "2027-03-01T09:00:00Z", end: "2027-03-02T09:00:00Z" },
        { user: user("PB"), schedule, escalation_level: 1, start: "2027-03-03T09:00:00Z", end: "2027-03-04T09:00:00Z" },
        { user: user("PC"), schedule: null, escalation_level: 2, start: null, end: null },
      ],
      limit: 25,
      offset: 0,
      more: false,
      total: null,
    });
    expect(answers.answers.map((a) => [a.scheduleRef, a.personRefs, a.place])).toEqual([
      ["PSCHED", ["PA"], "/oncalls/0"],
      ["PSCHED", ["PB"], "/oncalls/1"],
    ]);
    expect(answers.windows.get("PSCHED")).toEqual({ start: new Date("2027-03-01T09:00:00Z"), end: new Date("2027-03-04T09:00:00Z") });
  });

  it("GET /schedules/{id} bodies (a list of them): an entry without a user is nobody", () => {
    const body = (id: string, entries: Doc[]) => ({ schedule: { id, final_schedule: { name: "Final Schedule", rendered_schedule_entries: entries } } });
    const answers = parsePagerDutyOnCalls([
      body("PONE", [{ start: "2027-03-01T00:00:00Z", end: "2027-03-01T08:00:00Z", user: null }]),
      body("PTWO", [{ start: "2027-03-01T00:00:00Z", end: "2027-03-01T08:00:00Z", user: user("PA") }]),
    ]);
    expect(answers.answers.map((a) => [a.scheduleRef, a.personRefs, a.place])).toEqual([
      ["PONE", [], "/0/schedule/final_schedule/rendered_schedule_entries/0"],
      ["PTWO", ["PA"], "/1/schedule/final_schedule/rendered_schedule_entries/0"],
    ]);
  });

  it.each([
    ["one page of several", { oncalls: [], more: true }, "truncated_export", "/more"],
    ["an export", minimal(), "wrong_system", ""],
    ["an entry without an end", { oncalls: [{ user: user("PA"), schedule, start: "2027-03-01T00:00:00Z" }] }, "truncated_export", "/oncalls/0/end"],
    ["a schedule body without final_schedule", { schedule: { id: "PSCHED" } }, "truncated_export", "/schedule/final_schedule"],
  ])("%s", (_name, doc, code, place) => {
    expect(importError(() => parsePagerDutyOnCalls(doc))).toEqual({ code, place });
  });
});
