import { DAY_MS, HOUR_MS, MINUTE_MS } from "../domain/interval.ts";
import type { TurnUnit } from "../domain/rotation.ts";
import {
  TimeContext,
  type ZoneClock,
  formatLocalDate,
  formatLocalTime,
  parseLocalDate,
  weekdayOfDay,
} from "../domain/wallclock.ts";
import { WEEKDAYS, type WeeklyWindow } from "../domain/weekly.ts";
import { type Finding, type FindingKind, ImportError, type ImportErrorCode, type OldAnswer, type OldAnswers } from "./model.ts";
import { type SourceExport, type SourceLayer, type SourceOverride, type SourcePerson, type SourceSchedule, at } from "./model.ts";
import { type Json, expectFile, instant, integer, isObject, list, object, oneOf, onlyKnown, optional, required } from "./json.ts";
import { string, zoneName, zoneOrNull } from "./json.ts";

/*
 * Grafana OnCall public HTTP API (api/v1) -> Rota. The export file and every
 * assumption are in tests/fixtures/imports/grafana/NOTES.md. Shapes: the API
 * reference (grafana.com/docs/oncall/latest/oncall-api-reference/ users,
 * schedules, on_call_shifts) and its serializers (grafana/oncall
 * engine/apps/public_api/serializers/on_call_shifts.py, schedules_*.py).
 * Semantics: engine/apps/schedules/models/custom_on_call_shift.py
 * (convert_to_ical) and on_call_schedule.py (_resolve_schedule):
 *
 * - `start` is a wall-clock time in the shift's time_zone, else the calendar
 *   schedule's time_zone, else UTC (web schedules and every override);
 *   `until` and `rotation_start` are UTC instants.
 * - rolling_users: the i-th occurrence of the recurrence (frequency, interval,
 *   by_day, week_start) belongs to group i mod k; an event lasts `duration`
 *   from its wall-clock start, and ends at that wall-clock time across DST
 *   (grafana/oncall#5247, fixed by #5266). Shorter events are Rota
 *   restrictions; an interval of n with short events is a one-unit turn
 *   followed by n-1 turns with nobody.
 * - A higher `level` wins; overrides win over everything; events of the same
 *   level (or overlapping overrides) are all on call at once.
 * - DST of a recurrence: RFC 5545 (the reference cites it): a local time in
 *   a gap is read with the offset before the gap (§3.3.5).
 */

type Reader = { context: TimeContext; findings: Finding[]; users: Map<string, SourcePerson>; used: Set<string> };

const SHIFT_FIELDS = [
  "id", "team_id", "name", "type", "time_zone", "level", "start", "duration", "rotation_start", "frequency", "interval",
  "until", "week_start", "by_day", "by_month", "by_monthday", "source", "users", "rolling_users",
  "start_rotation_from_user_index",
];
const TYPES = ["single_event", "recurrent_event", "rolling_users", "override"] as const;
const FREQUENCIES = ["hourly", "daily", "weekly", "monthly"] as const;
/** iCal weekday names in Rota's order (0 = Monday). */
const ICAL_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const MAX_TURNS = 10_000;

interface Shift {
  id: string;
  name: string;
  type: (typeof TYPES)[number];
  zone: string | null;
  level: number;
  /** Wall-clock ms ("local ms", see wallclock.ts). */
  start: number;
  duration: number;
  rotationStart: number | null;
  frequency: (typeof FREQUENCIES)[number] | null;
  interval: number;
  until: number | null;
  weekStart: number;
  byDay: number[];
  monthRules: boolean;
  users: string[];
  rollingUsers: string[][];
  startIndex: number;
  place: string;
}

/** How a shift's events map to a Rota rotation. */
interface Pattern {
  unit: TurnUnit;
  count: number;
  participants: (string | null)[];
  /** Epoch day of the first hand-off, at the shift's start time. */
  firstDay: number;
  /** The day Grafana's first event could start (the start, moved onto a selected weekday). */
  from: number;
  windows?: WeeklyWindow[];
  /** Whether an event starts on the day `offset` days after firstDay (ignoring who). */
  startsOn: (offset: number) => boolean;
}

// ---------------------------------------------------------------------------
// Reading what only Grafana writes (the shared readers are in json.ts)

const fail = (code: ImportErrorCode, place: string, message: string): never => {
  throw new ImportError(code, place, message);
};

function strings(v: unknown, place: string): string[] {
  if (!Array.isArray(v)) return fail("invalid_export", place, `${place} must be a list of ids`);
  return v.map((s, i) => (typeof s === "string" && s !== "" ? s : fail("invalid_export", at(place, i), `${at(place, i)} must be an id`)));
}

/** "yyyy-MM-dd'T'HH:mm:ss" (the reference's format, no offset) as ms of its digits read as UTC. */
function dateTime(o: Json, key: string, place: string): number {
  const v = required(o, key, place);
  const m = typeof v === "string" ? /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(v) : null;
  let day = Number.NaN;
  try {
    if (m && Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4]) < 60) day = parseLocalDate(m[1], key);
  } catch {
    // not a calendar date: reported below
  }
  if (!m || Number.isNaN(day)) return fail("invalid_export", at(place, key), `${at(place, key)} must be yyyy-MM-ddTHH:mm:ss`);
  return day * DAY_MS + (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1000;
}

/** A list endpoint's whole body ({count, next, results, ...}) or its `results` array. */
function page(o: Json, key: string): { items: unknown[]; place: string } {
  const v = required(o, key, "");
  if (Array.isArray(v)) return { items: v, place: `/${key}` };
  const body = object(v, `/${key}`);
  if (body.next !== undefined && body.next !== null) {
    fail("truncated_export", `/${key}/next`, `/${key} is one page of several: fetch every page (follow "next")`);
  }
  if (!Array.isArray(body.results)) fail("truncated_export", `/${key}/results`, `/${key}/results is missing`);
  return { items: body.results as unknown[], place: `/${key}/results` };
}

// ---------------------------------------------------------------------------
// The export

/**
 * Parses a Grafana OnCall export ({users, schedules, on_call_shifts}: the
 * three list endpoints' bodies, see NOTES.md) into Rota's model. Throws
 * ImportError on a bad file.
 */
export function parseGrafanaExport(doc: unknown): SourceExport {
  expectFile(doc, ["grafana"]);
  if (!isObject(doc) || !("schedules" in doc || "on_call_shifts" in doc)) {
    return fail("wrong_system", "", "Not a Grafana OnCall export: expected {users, schedules, on_call_shifts}");
  }
  const r: Reader = { context: new TimeContext(), findings: [], users: readUsers(page(doc, "users")), used: new Set() };
  const shiftList = page(doc, "on_call_shifts");
  const shifts = new Map<string, Shift>();
  shiftList.items.forEach((raw, i) => {
    const shift = readShift(raw, at(shiftList.place, i), r);
    shifts.set(shift.id, shift);
  });
  const scheduleList = page(doc, "schedules");
  const referenced = new Set<string>();
  const schedules = scheduleList.items.flatMap((s, i) => readSchedule(s, at(scheduleList.place, i), shifts, referenced, r) ?? []);
  for (const s of shifts.values()) {
    if (!referenced.has(s.id)) {
      finding(r, "skipped", "shift_not_in_schedule", s.place, `Shift ${s.id} ("${s.name}") is in no schedule's "shifts": not imported (web overrides of calendar schedules are not linked by the API)`);
    }
  }
  const people = [...r.users.values()].filter((p) => r.used.has(p.ref));
  return { system: "grafana", people, schedules, findings: r.findings };
}

function readUsers(list: { items: unknown[]; place: string }): Map<string, SourcePerson> {
  const users = new Map<string, SourcePerson>();
  list.items.forEach((raw, i) => {
    const place = at(list.place, i);
    const u = object(raw, place);
    const id = string(u, "id", place);
    const text = (key: string) => (typeof u[key] === "string" && u[key] !== "" ? (u[key] as string) : null);
    const email = text("email")?.trim().toLowerCase() ?? null;
    // A user's own zone never changes who is on call: lenient.
    const timeZone = zoneOrNull(u.timezone);
    if (!users.has(id)) users.set(id, { ref: id, email, name: text("name") ?? text("username") ?? email ?? id, timeZone, place });
  });
  return users;
}

function readShift(raw: unknown, place: string, r: Reader): Shift {
  const o = object(raw, place);
  const field = (key: string | number, ...more: (string | number)[]) => [key, ...more].reduce<string>((p, k) => at(p, k), place);
  onlyKnown(o, SHIFT_FIELDS, place, "the OnCall API reference for shifts");
  const id = string(o, "id", place);
  const type = oneOf(o, "type", place, TYPES);
  const user = (ref: string, p: string) => (r.users.has(ref) ? ref : fail("invalid_export", p, `${p}: user ${ref} is not in /users`));
  const users = strings(o.users ?? [], field("users")).map((u, i) => user(u, field("users", i)));
  const groups = optional(list, o, "rolling_users", place) ?? [];
  const rollingUsers = groups.map((g, i) => strings(g, field("rolling_users", i)).map((u, j) => user(u, field("rolling_users", i, j))));
  const byDay = strings(o.by_day ?? [], field("by_day")).map((d, i) =>
    ICAL_DAYS.includes(d) ? ICAL_DAYS.indexOf(d) : fail("invalid_export", field("by_day", i), `${field("by_day", i)} must be one of ${ICAL_DAYS.join(", ")}`),
  );
  for (const key of ["by_month", "by_monthday"]) {
    const v = o[key];
    if (v !== undefined && v !== null && (!Array.isArray(v) || !v.every(Number.isInteger))) fail("invalid_export", field(key), `${field(key)} must be a list of numbers`);
  }
  for (const key of ["team_id", "name"]) {
    if (o[key] !== undefined && o[key] !== null && typeof o[key] !== "string") fail("invalid_export", field(key), `${field(key)} must be a string`);
  }
  const frequency = optional(oneOf, o, "frequency", place, FREQUENCIES);
  if (frequency === null && (type === "rolling_users" || type === "recurrent_event")) {
    fail("invalid_export", field("frequency"), `${field("frequency")} is required for type ${type}`);
  }
  const start = dateTime(o, "start", place);
  const rotationStart = optional(dateTime, o, "rotation_start", place);
  const count = (key: string, min: number) => optional(integer, o, key, place, min);
  return {
    id,
    name: typeof o.name === "string" && o.name !== "" ? o.name : id,
    type,
    zone: optional(zoneName, o, "time_zone", place),
    level: count("level", Number.MIN_SAFE_INTEGER) ?? 0,
    start,
    duration: integer(o, "duration", place, 1),
    // The serializer writes `start`'s digits when none is given: then it changes nothing.
    rotationStart: rotationStart === start ? null : rotationStart,
    frequency,
    interval: count("interval", 1) ?? 1,
    until: optional(dateTime, o, "until", place),
    weekStart: ICAL_DAYS.indexOf(optional(oneOf, o, "week_start", place, ICAL_DAYS) ?? "SU"),
    byDay: [...new Set(byDay)].sort((a, b) => a - b),
    monthRules: [o.by_month, o.by_monthday].some((v) => Array.isArray(v) && v.length > 0),
    users,
    rollingUsers,
    startIndex: count("start_rotation_from_user_index", 0) ?? 0,
    place,
  };
}

function finding(r: Reader, kind: FindingKind, code: string, place: string, message: string, scheduleRef?: string): void {
  r.findings.push({ kind, code, place, message, ...(scheduleRef ? { scheduleRef } : {}) });
}

function readSchedule(raw: unknown, place: string, shifts: Map<string, Shift>, referenced: Set<string>, r: Reader): SourceSchedule | null {
  const o = object(raw, place);
  const id = string(o, "id", place);
  const type = oneOf(o, "type", place, ["calendar", "ical", "web"] as const);
  const note = (kind: FindingKind, code: string, p: string, message: string) => finding(r, kind, code, p, message, id);
  if (type === "ical") {
    note("skipped", "ical_schedule", at(place, "type"), `Schedule ${id} is an iCal schedule: its shifts live in ${String(o.ical_url_primary ?? "its iCal feed")}, not in the API; import that feed with the iCal importer`);
    return null;
  }
  if (type === "calendar" && typeof o.ical_url_overrides === "string" && o.ical_url_overrides !== "" && o.enable_web_overrides !== true) {
    note("not_represented", "ical_overrides", at(place, "ical_url_overrides"), `Overrides of schedule ${id} come from the iCal feed ${o.ical_url_overrides}, which is not in the export: not imported`);
  }
  if (type === "calendar" && o.enable_web_overrides === true) {
    note("not_represented", "web_overrides", at(place, "enable_web_overrides"), `Schedule ${id} takes overrides made in the web UI; the public API does not list them for calendar schedules: not imported`);
  }
  const zone = optional(zoneName, o, "time_zone", place) ?? "UTC";
  const ctx: Ctx = { r, scheduleRef: id, web: type === "web", zone };
  const layers: { layer: SourceLayer; level: number }[] = [];
  const overrides: SourceOverride[] = [];
  const ids = strings(o.shifts ?? [], at(place, "shifts"));
  ids.forEach((shiftId, j) => {
    const shift = shifts.get(shiftId) ?? fail("truncated_export", at(at(place, "shifts"), j), `Shift ${shiftId} is not in /on_call_shifts`);
    referenced.add(shiftId);
    if (shift.type === "override") {
      const override = readOverride(shift, ctx);
      if (override) overrides.push(override);
      if (override) r.used.add(override.personRef);
    } else {
      const layer = shift.type === "single_event" ? singleEvent(shift, ctx) : rotation(shift, ctx);
      if (layer) layers.push({ layer, level: shift.level });
      for (const ref of layer?.participants ?? []) if (ref !== null) r.used.add(ref);
    }
  });
  layers.sort((a, b) => b.level - a.level); // stable: equal levels keep the schedule's order
  checkOverlaps(layers, overrides, ctx);
  const name = typeof o.name === "string" ? o.name : id;
  return { ref: id, name, description: null, timeZone: zone, place, layers: layers.map((l) => l.layer), overrides };
}

interface Ctx {
  r: Reader;
  scheduleRef: string;
  web: boolean;
  /** The schedule's zone: calendar shifts without a time_zone use it; web shifts use UTC. */
  zone: string;
}

function note(ctx: Ctx, kind: FindingKind, code: string, place: string, message: string): void {
  finding(ctx.r, kind, code, place, message, ctx.scheduleRef);
}

/** One person per Grafana user group: the first of a group; more on at once is not Rota. */
function person(users: string[], s: Shift, place: string, ctx: Ctx): string | null {
  if (users.length > 1) {
    note(ctx, "not_represented", "multi_user_group", place, `${s.id} ("${s.name}") puts ${users.join(", ")} on call together; Rota has one person at a time: only ${users[0]} is imported`);
  }
  return users[0] ?? null;
}

/** RFC 5545 §3.3.5: a local time in a gap takes the offset before the gap; a repeated one its first occurrence. */
function rfcInstant(clock: ZoneClock, local: number): number {
  const first = clock.resolve(local, "start");
  return clock.localMs(first) === local ? first : local - clock.offsetAt(first - 1);
}

function readOverride(s: Shift, ctx: Ctx): SourceOverride | null {
  const personRef = person(s.users, s, at(s.place, "users"), ctx);
  const clock = ctx.r.context.clock(s.zone ?? "UTC"); // overrides are built with the UTC default (on_call_schedule.py)
  // Web overrides are cut at rotation_start (get_start_and_end_with_respect_to_event_type).
  const start = Math.max(rfcInstant(clock, s.start), s.rotationStart ?? Number.NEGATIVE_INFINITY);
  const end = rfcInstant(clock, s.start + s.duration * 1000);
  if (personRef === null || end <= start) {
    note(ctx, "skipped", "empty_override", s.place, `Override ${s.id} puts nobody on call (no users, or it ends before it starts): not imported`);
    return null;
  }
  return { ref: s.id, personRef, start: new Date(start), end: new Date(end), place: s.place };
}

function singleEvent(s: Shift, ctx: Ctx): SourceLayer | null {
  const personRef = person(s.users, s, at(s.place, "users"), ctx);
  if (personRef === null) return skipNobody(s, ctx);
  const zone = s.zone ?? (ctx.web ? "UTC" : ctx.zone);
  const clock = ctx.r.context.clock(zone);
  const start = rfcInstant(clock, s.start);
  const end = rfcInstant(clock, s.start + s.duration * 1000);
  if (end <= start) return skipNobody(s, ctx); // a start in a DST gap read an hour later than a short end
  const day = Math.floor(s.start / DAY_MS);
  return {
    ref: s.id, name: s.name, place: s.place, participants: [personRef], turn: { unit: "days", count: 1 },
    handoffTime: formatLocalTime(Math.floor((s.start - day * DAY_MS) / MINUTE_MS)), startDate: formatLocalDate(day),
    timeZone: zone, start: new Date(start), end: new Date(end),
  };
}

function skipNobody(s: Shift, ctx: Ctx): null {
  note(ctx, "skipped", "no_users", s.place, `${s.id} ("${s.name}") puts nobody on call (no users, or it ends before it starts): not imported`);
  return null;
}

function unsupported(s: Shift, place: string, why: string, ctx: Ctx): null {
  note(ctx, "not_represented", "occurrence_pattern", place, `${s.id} ("${s.name}"): ${why}; Rota turns with weekly restrictions cannot repeat this, not imported`);
  return null;
}

/** rolling_users / recurrent_event -> a Rota rotation. */
function rotation(s: Shift, ctx: Ctx): SourceLayer | null {
  if (s.frequency === "monthly") return unsupported(s, at(s.place, "frequency"), "a monthly recurrence (months differ in length)", ctx);
  if (s.monthRules) return unsupported(s, s.place, "by_month/by_monthday select days of months", ctx);
  const rolling = s.type === "rolling_users";
  // get_rolling_users: rotate to start_rotation_from_user_index, drop empty groups; the
  // recurrence interval still counts them, so they become turns with nobody at the end.
  const all = rolling ? s.rollingUsers.map((g, i) => ({ g, place: at(at(s.place, "rolling_users"), i) })) : [{ g: s.users, place: at(s.place, "users") }];
  const turned = [...all.slice(s.startIndex), ...all.slice(0, s.startIndex)];
  const groups = turned.filter(({ g }) => g.length > 0).map(({ g, place }) => person(g, s, place, ctx)!);
  if (groups.length === 0) return skipNobody(s, ctx);
  const empty = all.length - groups.length;
  const zone = s.zone ?? (ctx.web ? "UTC" : ctx.zone);
  const clock = ctx.r.context.clock(zone);
  const startDay = Math.floor(s.start / DAY_MS);
  const minutes = Math.floor((s.start - startDay * DAY_MS) / MINUTE_MS);
  const duration = Math.max(1, Math.round(s.duration / 60));
  if (s.start % MINUTE_MS !== 0 || s.duration % 60 !== 0) {
    note(ctx, "approximated", "sub_minute", s.place, `${s.id}: Rota times are whole minutes; the start is taken as ${formatLocalTime(minutes)} and the duration as ${duration} min`);
  }
  const p = pattern(s, [...groups, ...Array<null>(empty).fill(null)], groups, startDay, minutes, duration, clock, ctx);
  if (p === null) return null;
  if (p.count > MAX_TURNS || p.participants.length > MAX_TURNS) fail("invalid_export", at(s.place, "interval"), `${at(s.place, "interval")} is too large`);
  const first = clock.resolve(p.firstDay * DAY_MS + minutes * MINUTE_MS, "start");
  let firstEvent = p.from;
  while (!p.startsOn(firstEvent - p.firstDay)) firstEvent++;
  let start = firstEvent > p.firstDay ? rfcInstant(clock, firstEvent * DAY_MS + minutes * MINUTE_MS) : first;
  if (rolling && s.rotationStart !== null && s.rotationStart > start) {
    start = s.rotationStart;
    const midEvent = p.unit === "hours" ? (start - first) % (p.count * HOUR_MS) !== 0 : Math.floor((clock.localMs(start) % DAY_MS) / MINUTE_MS) !== minutes;
    if (!ctx.web && midEvent) {
      note(ctx, "approximated", "rotation_start_mid_event", at(s.place, "rotation_start"), `${s.id}: rotation_start may fall inside an event; Grafana leaves that whole event out, Rota starts exactly at rotation_start`);
    }
    if (empty > 0) {
      note(ctx, "approximated", "empty_group_rotation_start", at(s.place, "rotation_start"), `${s.id}: with empty user groups and a later rotation_start Grafana shifts which turns have nobody; Rota keeps them after the last group`);
    }
  }
  if (s.until !== null && s.until <= start) {
    note(ctx, "skipped", "layer_ended", at(s.place, "until"), `${s.id} ("${s.name}") ends (until ${new Date(s.until).toISOString()}) before its first event: not imported`);
    return null;
  }
  if (s.until !== null && !ctx.web) {
    note(ctx, "approximated", "until_inclusive", at(s.place, "until"), `${s.id}: Grafana keeps whole an event starting at or before until (RFC 5545 UNTIL); Rota ends the layer exactly at ${new Date(s.until).toISOString()}`);
  }
  checkDst(s, p, minutes, duration, clock, zone, ctx);
  return {
    ref: s.id, name: s.name, place: s.place, participants: p.participants, turn: { unit: p.unit, count: p.count },
    handoffTime: formatLocalTime(minutes), startDate: formatLocalDate(p.firstDay), timeZone: zone,
    ...(start > first ? { start: new Date(start) } : {}),
    ...(s.until !== null ? { end: new Date(s.until) } : {}),
    ...(p.windows ? { restrictions: p.windows } : {}),
  };
}

const pad = (groups: (string | null)[], n: number) => groups.flatMap((g) => [g, ...Array<null>(n - 1).fill(null)]);
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
/** Weekday's place in a week that begins on `weekStart`. */
const inWeek = (day: number, weekStart: number) => (day - weekStart + 7) % 7;

/** Weekly windows [minutes, minutes + duration) on `days`, split into pieces of at most 24 h. */
function windowsOn(days: number[], minutes: number, duration: number): WeeklyWindow[] {
  const out: WeeklyWindow[] = [];
  for (let piece = 0; piece * 1440 < duration; piece++) {
    const length = Math.min(1440, duration - piece * 1440);
    out.push({ days: days.map((d) => WEEKDAYS[(d + piece) % 7]!), start: formatLocalTime(minutes), end: formatLocalTime((minutes + length) % 1440) });
  }
  return out;
}

function pattern(s: Shift, slots: (string | null)[], groups: string[], startDay: number, minutes: number, duration: number, clock: ZoneClock, ctx: Ctx): Pattern | null {
  const n = s.interval;
  const byDay = s.byDay;
  let day = startDay;
  if (s.type === "rolling_users" && byDay.length > 0 && !byDay.includes(weekdayOfDay(day))) {
    // convert_to_ical: a start off the selected days moves to the first selected day in week order.
    const first = [...byDay].sort((a, b) => inWeek(a, s.weekStart) - inWeek(b, s.weekStart))[0]!;
    day += (first - weekdayOfDay(day) + 7) % 7;
  }
  const overlap = (period: string) =>
    note(ctx, "not_represented", "overlapping_events", at(s.place, "duration"), `${s.id}: events last ${duration} min, longer than ${period}, so two groups are on call at once; Rota hands over at the next turn`);
  const everyNth = (offset: number) => offset % n === 0;
  const selected = (offset: number) => byDay.includes(weekdayOfDay(day + offset));
  const base = { firstDay: day, from: day };
  if (s.frequency === "hourly") {
    if (byDay.length > 0) return unsupported(s, at(s.place, "by_day"), "an hourly recurrence limited to some weekdays", ctx);
    if (duration < n * 60) return unsupported(s, at(s.place, "duration"), "hourly events shorter than their interval", ctx);
    if (duration > n * 60) overlap(`${n} h`);
    const t = s.start - clock.offsetAt(s.start);
    if (clock.offsetAt(t) !== clock.offsetAt(t + 182 * DAY_MS)) {
      note(ctx, "approximated", "hourly_wall_clock", at(s.place, "frequency"), `${s.id}: Grafana repeats hourly events on the wall clock of ${clock.zone} (RFC 5545 expansion); Rota's hour turns are elapsed time, so hand-offs differ around DST changes`);
    }
    return { ...base, unit: "hours", count: n, participants: slots, startsOn: () => true };
  }
  if (s.frequency === "daily" && byDay.length === 0) {
    if (duration >= n * 1440) {
      if (duration > n * 1440) overlap(`${n} day(s)`);
      return { ...base, unit: "days", count: n, participants: slots, startsOn: everyNth };
    }
    if (duration > 1440) return unsupported(s, at(s.place, "duration"), `events of ${duration} min every ${n} days`, ctx);
    const windows = windowsOn([0, 1, 2, 3, 4, 5, 6], minutes, duration);
    return { ...base, unit: "days", count: 1, participants: pad(slots, n), windows, startsOn: everyNth };
  }
  if (s.frequency === "daily") {
    if (duration > 1440) return unsupported(s, at(s.place, "duration"), "daily events on selected weekdays longer than a day", ctx);
    const windows = windowsOn(byDay, minutes, duration);
    if (s.type === "recurrent_event") {
      return { ...base, unit: "days", count: 1, participants: pad(slots, n), windows, startsOn: (o) => everyNth(o) && selected(o) };
    }
    // _daily_by_day_to_ical: the j-th selected day goes to group floor(j / n) mod k (empty groups dropped);
    // Rota's day turns count calendar days, so unroll one full cycle unless the two agree.
    const k = groups.length;
    const cycle = 7 * ((k * n) / gcd(byDay.length, k * n));
    let j = 0;
    const roster = Array.from({ length: cycle }, (_, c) => (selected(c) ? groups[Math.floor(j++ / n) % k]! : null));
    if (roster.every((g, c) => g === null || g === groups[Math.floor(c / n) % k])) {
      return { ...base, unit: "days", count: n, participants: groups, windows, startsOn: selected };
    }
    note(ctx, "note", "daily_by_day_unrolled", at(s.place, "by_day"), `${s.id}: Grafana rotates on each selected weekday, Rota's day turns count every calendar day; imported as a ${cycle}-day cycle of one-day turns (same answers)`);
    return { ...base, unit: "days", count: 1, participants: roster, windows, startsOn: selected };
  }
  // Weekly: a turn is the week (from week_start) of an occurrence, from its first event on.
  const days = (byDay.length > 0 ? [...byDay] : [weekdayOfDay(day)]).sort((a, b) => inWeek(a, s.weekStart) - inWeek(b, s.weekStart));
  const firstDay = day - inWeek(weekdayOfDay(day), s.weekStart) + inWeek(days[0]!, s.weekStart);
  const whole = days.length === 1 ? 7 * n * 1440 : days.length === 7 && n === 1 ? 1440 : Number.POSITIVE_INFINITY;
  if (duration >= whole) {
    if (duration > whole) overlap(days.length === 1 ? `${n} week(s)` : "a day");
    const startsOn = days.length === 1 ? (o: number) => o % (7 * n) === 0 : () => true;
    return { unit: "weeks", count: n, participants: slots, firstDay, from: day, startsOn };
  }
  if ((inWeek(days[days.length - 1]!, s.weekStart) - inWeek(days[0]!, s.weekStart)) * 1440 + duration > 7 * 1440) {
    return unsupported(s, at(s.place, "duration"), "the week's last event runs into the next week's first", ctx);
  }
  const startsOn = (o: number) => Math.floor(o / 7) % n === 0 && days.includes(weekdayOfDay(firstDay + o));
  return { unit: "weeks", count: 1, participants: pad(slots, n), firstDay, from: day, windows: windowsOn(days, minutes, duration), startsOn };
}

/** Findings for hand-offs or event ends that fall in a DST gap or fold on some day of the coming year. */
function checkDst(s: Shift, p: Pattern, minutes: number, duration: number, clock: ZoneClock, zone: string, ctx: Ctx): void {
  if (p.unit === "hours") return;
  // Events of a restricted rotation end at their own time; whole turns end at the next hand-off.
  const ends = p.windows ? [[(minutes + duration) % 1440, Math.floor((minutes + duration) / 1440), "event end"] as const] : [];
  for (let offset = 0; offset < 371; offset++) {
    for (const [m, after, what] of [[minutes, 0, "hand-off"] as const, ...ends]) {
      if (offset < after || !p.startsOn(offset - after)) continue;
      const day = p.firstDay + offset;
      const local = day * DAY_MS + m * MINUTE_MS;
      const first = clock.resolve(local, "start");
      const when = `${formatLocalDate(day)} ${formatLocalTime(m)}`;
      if (clock.localMs(first) !== local) {
        note(ctx, "approximated", "handoff_in_dst_gap", s.place, `${s.id}: the ${what} at ${when} does not exist in ${zone} (spring forward); Grafana reads it with the offset before the gap (RFC 5545 §3.3.5), later than Rota, which uses the transition`);
        return;
      }
      if (clock.resolve(local, "end") !== first) {
        note(ctx, "approximated", "handoff_in_dst_fold", s.place, `${s.id}: the ${what} at ${when} happens twice in ${zone} (fall back); Grafana's expansion (pytz, is_dst=False) takes the standard-time one, Rota the first`);
        return;
      }
    }
  }
}

/** Same-level shifts that can run at once, and overlapping overrides: Grafana puts everyone on. */
function checkOverlaps(layers: { layer: SourceLayer; level: number }[], overrides: SourceOverride[], ctx: Ctx): void {
  const span = (l: SourceLayer) => {
    const [hh, mm] = l.handoffTime.split(":").map(Number);
    const first = ctx.r.context.clock(l.timeZone).resolve(parseLocalDate(l.startDate, "startDate") * DAY_MS + (hh! * 60 + mm!) * MINUTE_MS, "start");
    return { from: Math.max(first, l.start?.getTime() ?? first), to: l.end?.getTime() ?? Number.POSITIVE_INFINITY };
  };
  for (let i = 0; i < layers.length; i++) {
    for (let j = i + 1; j < layers.length && layers[j]!.level === layers[i]!.level; j++) {
      const a = span(layers[i]!.layer);
      const b = span(layers[j]!.layer);
      if (a.from < b.to && b.from < a.to) {
        note(ctx, "approximated", "same_level_shifts", layers[j]!.layer.place, `${layers[i]!.layer.ref} and ${layers[j]!.layer.ref} share level ${layers[i]!.level}: where their events overlap Grafana puts both on call, Rota only ${layers[i]!.layer.ref} (listed first)`);
      }
    }
  }
  for (let i = 0; i < overrides.length; i++) {
    for (let j = i + 1; j < overrides.length; j++) {
      const a = overrides[i]!;
      const b = overrides[j]!;
      if (a.start < b.end && b.start < a.end) {
        note(ctx, "not_represented", "overlapping_overrides", b.place, `Overrides ${a.ref} and ${b.ref} overlap: Grafana puts both ${a.personRef} and ${b.personRef} on call there, Rota only ${b.personRef} (listed later)`);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Old answers: GET /api/v1/schedules/{id}/final_shifts

const DATE_PARAM_RE = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2}))?$/;

/** A final_shifts query parameter (FinalShiftQueryParamsSerializer: "%Y-%m-%dT%H:%M" or "%Y-%m-%d", UTC). */
function dateParam(o: Json, key: string, place: string): number {
  const v = required(o, key, place);
  const m = typeof v === "string" ? DATE_PARAM_RE.exec(v) : null;
  let day = Number.NaN;
  try {
    if (m && Number(m[2] ?? 0) < 24 && Number(m[3] ?? 0) < 60) day = parseLocalDate(m[1], key);
  } catch {
    // reported below
  }
  if (!m || Number.isNaN(day)) return fail("invalid_export", at(place, key), `${at(place, key)} must be YYYY-MM-DD or YYYY-MM-DDTHH:MM`);
  return day * DAY_MS + (Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * MINUTE_MS;
}

/**
 * Parses final_shifts answers: the endpoint's body, optionally with
 * "schedule_id", "start_date" and "end_date" (the request's path and query)
 * added, or a list of such bodies. Without dates the window is the entries'
 * span; without schedule_id, `scheduleRef` names the schedule.
 */
export function parseGrafanaOnCalls(doc: unknown, scheduleRef?: string): OldAnswers {
  expectFile(doc, ["grafana-answers", "grafana"]);
  if (!isObject(doc) && !Array.isArray(doc)) fail("wrong_system", "", "Not Grafana OnCall final_shifts answers: expected a JSON object or list");
  const windows = new Map<string, { start: Date; end: Date }>();
  const answers: OldAnswer[] = [];
  const bodies = Array.isArray(doc) ? doc.map((b, i) => [b, `/${i}`] as const) : [[doc, ""] as const];
  for (const [raw, place] of bodies) {
    const body = object(raw, place);
    if (!Array.isArray(body.results)) fail("wrong_system", at(place, "results"), "Not a final_shifts answer: it has no results list");
    if (body.next !== undefined && body.next !== null) fail("truncated_export", at(place, "next"), `${at(place, "next")}: more pages follow`);
    const ref = body.schedule_id === undefined ? (scheduleRef ?? fail("invalid_export", at(place, "schedule_id"), "Name the schedule: add schedule_id to the answer")) : string(body, "schedule_id", place);
    const mine = (body.results as unknown[]).map((e, i): OldAnswer => {
      const p = at(at(place, "results"), i);
      const entry = object(e, p);
      const start = instant(entry, "shift_start", p);
      const end = instant(entry, "shift_end", p);
      if (end <= start) fail("invalid_export", at(p, "shift_end"), `${at(p, "shift_end")} must be after shift_start`);
      return { scheduleRef: ref, personRefs: [string(entry, "user_pk", p)], start: new Date(start), end: new Date(end), place: p };
    });
    answers.push(...mine);
    windows.set(ref, answerWindow(body, place, mine));
  }
  return { windows, answers };
}

/**
 * The window the view asked the schedule for (public_api/views/schedules.py
 * final_shifts): from start_date's day at 00:00 UTC for the whole days
 * between start_date and end_date (its last second is dropped).
 */
function answerWindow(body: Json, place: string, entries: OldAnswer[]): { start: Date; end: Date } {
  if (body.start_date !== undefined || body.end_date !== undefined) {
    const from = dateParam(body, "start_date", place);
    const days = Math.floor((dateParam(body, "end_date", place) - from) / DAY_MS);
    if (days < 1) fail("invalid_export", at(place, "end_date"), `${at(place, "end_date")} must be at least a day after start_date`);
    const start = Math.floor(from / DAY_MS) * DAY_MS;
    return { start: new Date(start), end: new Date(start + days * DAY_MS) };
  }
  if (entries.length === 0) return fail("invalid_export", at(place, "results"), "No entries and no start_date/end_date: the window is unknown");
  return {
    start: new Date(Math.min(...entries.map((e) => e.start.getTime()))),
    end: new Date(Math.max(...entries.map((e) => e.end.getTime()))),
  };
}
