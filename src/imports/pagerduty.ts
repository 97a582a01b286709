import { DAY_MS, HOUR_MS, MINUTE_MS } from "../domain/interval.ts";
import { TimeContext, type ZoneClock, formatLocalDate, formatLocalTime } from "../domain/wallclock.ts";
import { WEEKDAYS, type WeeklyWindow } from "../domain/weekly.ts";
import { type Finding, ImportError, type OldAnswer, type OldAnswers, type SourceExport, type SourceLayer } from "./model.ts";
import { type SourceOverride, type SourcePerson, type SourceSchedule, at } from "./model.ts";
import { type Json, expectFile, instant, integer, invalid, isObject, list, object, objectAt, onlyKnown, optional } from "./json.ts";
import { string, zoneName, zoneOrNull } from "./json.ts";

/*
 * PagerDuty REST API v2 -> Rota. The export file and every assumption are in
 * tests/fixtures/imports/pagerduty/NOTES.md. Shapes follow the API reference
 * (https://developer.pagerduty.com/api-reference/, schema at
 * github.com/PagerDuty/api-schema, reference/REST/openapiv3.json):
 * Schedule, ScheduleLayer, ScheduleLayerUser, Restriction, Override, Oncall,
 * SubSchedule, ScheduleLayerEntry.
 *
 * - Layer priority: "the lowest layer always takes precedence" (support
 *   article "Schedule Basics", support.pagerduty.com/docs/schedules), and a GET
 *   returns schedule_layers in the opposite order of a POST/PUT
 *   (PagerDuty/public-support-scripts#60; terraform-provider-pagerduty
 *   reverses them on read), so schedule_layers[0] is the highest priority:
 *   Rota's order as is.
 * - rotation_virtual_start anchors the turns ("the effective start time of the
 *   layer"); `start` is when the layer begins, possibly mid-turn (the
 *   reference's own GET example: start 21:00, virtual start 20:00). Turn k
 *   starts at virtual start + k turns and belongs to users[k mod n].
 * - Turn lengths of whole days follow the wall clock of the schedule's zone;
 *   other whole hours are elapsed time (Rota's two kinds of turn).
 * - Restrictions are in the schedule's zone ("Restrictions respect the
 *   time_zone parameter of the request", default: the schedule's zone).
 */

export interface PagerDutyImportOptions {
  /** Layers that ended before this instant are skipped (default: now). */
  now?: Date;
}

// Fields the API reference documents; anything else on these objects could change who is on call.
const REFERENCE = "the PagerDuty API reference";
const REFERENCE_FIELDS = ["id", "type", "summary", "self", "html_url"];
// prettier-ignore
const LAYER_FIELDS = [
  "id", "name", "start", "end", "users", "restrictions", "rotation_virtual_start", "rotation_turn_length_seconds",
  "rendered_schedule_entries", "rendered_coverage_percentage",
];
const LAYER_USER_FIELDS = ["user"];
const RESTRICTION_FIELDS = ["type", "duration_seconds", "start_time_of_day", "start_day_of_week"];
// `time_zone` appears in the reference's own request example for overrides.
const OVERRIDE_FIELDS = [...REFERENCE_FIELDS, "start", "end", "user", "time_zone"];

const WEEK_S = 7 * 86_400;
const DAY_S = 86_400;

// ---------------------------------------------------------------------------
// The export

interface Reader {
  now: number;
  context: TimeContext;
  findings: Finding[];
  people: Map<string, SourcePerson>;
}

/**
 * Parses a PagerDuty export ({users, schedules: [schedule + overrides]}, see
 * NOTES.md) into Rota's model. Throws ImportError on a bad file.
 */
export function parsePagerDutyExport(doc: unknown, options: PagerDutyImportOptions = {}): SourceExport {
  expectFile(doc, ["pagerduty"]);
  if (!isObject(doc) || !("schedules" in doc || "users" in doc)) {
    throw new ImportError("wrong_system", "", "Not a PagerDuty export: expected {users, schedules}");
  }
  const reader: Reader = {
    now: (options.now ?? new Date()).getTime(),
    context: new TimeContext(),
    findings: [],
    people: new Map(),
  };
  list(doc, "users", "").forEach((u, i) => readUser(u, at("/users", i), reader));
  const schedules = list(doc, "schedules", "").map((s, i) => readSchedule(s, at("/schedules", i), reader));
  return { system: "pagerduty", people: [...reader.people.values()], schedules, findings: reader.findings };
}

/** Users are read leniently: only the id matters to who is on call. */
function readUser(u: unknown, place: string, reader: Reader): void {
  const o = object(u, place);
  const id = string(o, "id", place);
  const email = typeof o.email === "string" && o.email.trim() !== "" ? o.email.trim().toLowerCase() : null;
  const name = typeof o.name === "string" ? o.name : typeof o.summary === "string" ? o.summary : id;
  const timeZone = zoneOrNull(o.time_zone);
  if (timeZone === null && typeof o.time_zone === "string") {
    reader.findings.push({
      kind: "note",
      code: "user_time_zone_unknown",
      place: at(place, "time_zone"),
      message: `${name}'s time zone ${JSON.stringify(o.time_zone)} is not an IANA zone; imported without one`,
    });
  }
  if (!reader.people.has(id)) reader.people.set(id, { ref: id, email, name, timeZone, place });
}

/** A user reference ({id, type: "user_reference", ...}): the id. */
function userRef(o: Json, key: string, place: string): { id: string; summary: string | null } {
  const ref = objectAt(o, key, place);
  const summary = typeof ref.summary === "string" ? ref.summary : null;
  return { id: string(ref, "id", at(place, key)), summary };
}

/** A person a schedule names who is not in /users (deleted, or the list is partial). */
function mention(ref: { id: string; summary: string | null }, place: string, scheduleRef: string, reader: Reader): string {
  if (!reader.people.has(ref.id)) {
    reader.people.set(ref.id, { ref: ref.id, email: null, name: ref.summary ?? ref.id, timeZone: null, place });
    reader.findings.push({
      kind: "note",
      code: "user_not_listed",
      place,
      scheduleRef,
      message: `User ${ref.id} is on this schedule but not in /users: imported without an email`,
    });
  }
  return ref.id;
}

function readSchedule(s: unknown, place: string, reader: Reader): SourceSchedule {
  const o = object(s, place);
  const ref = string(o, "id", place);
  const timeZone = zoneName(o, "time_zone", place);
  const layers = list(o, "schedule_layers", place)
    .map((l, i) => readLayer(l, at(at(place, "schedule_layers"), i), ref, timeZone, reader))
    .filter((l): l is SourceLayer => l !== null);
  const overrides = list(o, "overrides", place).map((v, i) => readOverride(v, at(at(place, "overrides"), i), ref, reader));
  noteOverlaps(overrides, ref, reader);
  return {
    ref,
    name: optional(string, o, "name", place) ?? ref,
    description: optional(string, o, "description", place),
    timeZone,
    place,
    layers,
    overrides,
  };
}

function readLayer(l: unknown, place: string, scheduleRef: string, timeZone: string, reader: Reader): SourceLayer | null {
  const o = object(l, place);
  onlyKnown(o, LAYER_FIELDS, place, REFERENCE);
  const start = instant(o, "start", place);
  const end = optional(instant, o, "end", place);
  const virtualStart = instant(o, "rotation_virtual_start", place);
  const seconds = integer(o, "rotation_turn_length_seconds", place, 1, 366 * DAY_S);
  const users = list(o, "users", place).map((u, i) => {
    const wrapper = object(u, at(at(place, "users"), i));
    onlyKnown(wrapper, LAYER_USER_FIELDS, at(at(place, "users"), i), REFERENCE);
    return userRef(wrapper, "user", at(at(place, "users"), i));
  });
  const restrictions = optional(list, o, "restrictions", place) ?? [];
  const windows = restrictions.flatMap((r, i) => readRestriction(r, at(at(place, "restrictions"), i), scheduleRef, reader));
  const name = optional(string, o, "name", place) ?? place;
  const finding = (kind: Finding["kind"], code: string, where: string, message: string) =>
    reader.findings.push({ kind, code, place: where, scheduleRef, message: `${name}: ${message}` });

  if (end !== null && end <= reader.now) {
    finding("skipped", "layer_ended", at(place, "end"), `ended ${new Date(end).toISOString()}, in the past; not imported`);
    return null;
  }
  if (end !== null && end <= start) throw invalid(at(place, "end"), "must be after start");
  if (users.length === 0) throw invalid(at(place, "users"), "must name at least one user");

  const turn = turnOf(seconds, at(place, "rotation_turn_length_seconds"), finding);
  const clock = reader.context.clock(timeZone);
  const first = firstHandoff(clock, virtualStart, start, turn, users.length);
  if (clock.resolve(floorMinute(clock.localMs(first.anchor)), "start") !== first.anchor) {
    finding(
      "approximated",
      "virtual_start_rounded",
      at(place, "rotation_virtual_start"),
      `hand-offs at ${new Date(first.anchor).toISOString()} are not a local HH:mm in ${timeZone} (seconds, or the second ` +
        `of two equal local times); Rota hands off at ${formatLocalTime(first.minutes)} local`,
    );
  }
  if (first.cycles > 0) {
    finding(
      "note",
      "virtual_start_after_start",
      at(place, "rotation_virtual_start"),
      "rotation_virtual_start is after start; the turns before it are taken to continue the same order backwards",
    );
  }
  if (turn.unit !== "hours") {
    const date = handoffAtDstChange(clock, first.day, first.minutes, turn, Math.max(start, reader.now), end);
    if (date !== null) {
      finding(
        "approximated",
        "handoff_at_dst_change",
        at(place, "rotation_virtual_start"),
        `the ${formatLocalTime(first.minutes)} hand-off on ${date} falls in a DST change in ${timeZone}; Rota hands off at ` +
          "the first instant that exists (the earlier one if it occurs twice); PagerDuty does not document its rule",
      );
    }
  }
  return {
    ref: optional(string, o, "id", place) ?? place,
    name,
    place,
    participants: users.map((u, i) => mention(u, at(at(at(place, "users"), i), "user"), scheduleRef, reader)),
    turn,
    handoffTime: formatLocalTime(first.minutes),
    startDate: formatLocalDate(first.day),
    timeZone,
    ...(start > first.instant ? { start: new Date(start) } : {}),
    ...(end !== null ? { end: new Date(end) } : {}),
    ...(windows.length > 0 ? { restrictions: windows } : {}),
  };
}

type Report = (kind: Finding["kind"], code: string, place: string, message: string) => void;

/** Whole weeks or days: wall-clock turns; whole hours: elapsed; anything else is rounded to hours. */
function turnOf(seconds: number, place: string, report: Report): SourceLayer["turn"] {
  if (seconds % WEEK_S === 0) return { unit: "weeks", count: seconds / WEEK_S };
  if (seconds % DAY_S === 0) return { unit: "days", count: seconds / DAY_S };
  if (seconds % 3600 === 0) return { unit: "hours", count: seconds / 3600 };
  const count = Math.max(1, Math.round(seconds / 3600));
  report(
    "approximated",
    "turn_length_rounded",
    place,
    `turns of ${seconds} s are not whole hours; imported as ${count} h, so hand-offs drift from PagerDuty's`,
  );
  return { unit: "hours", count };
}

const floorMinute = (local: number) => Math.floor(local / MINUTE_MS) * MINUTE_MS;

/**
 * Rota's first hand-off (startDate + handoffTime) for a layer: at the virtual
 * start, or whole cycles (n turns) earlier when the layer starts before it, so
 * that turn k still belongs to users[k mod n].
 */
function firstHandoff(clock: ZoneClock, virtualStart: number, start: number, turn: SourceLayer["turn"], users: number) {
  const candidate = (cycles: number) => {
    // Hour turns are elapsed time: move the instant. Day turns keep their local time: move the date.
    const anchor = turn.unit === "hours" ? virtualStart - cycles * users * turn.count * HOUR_MS : virtualStart;
    const local = floorMinute(clock.localMs(anchor));
    const days = turn.unit === "hours" ? 0 : cycles * users * turn.count * (turn.unit === "weeks" ? 7 : 1);
    const day = Math.floor(local / DAY_MS) - days;
    const minutes = (local - Math.floor(local / DAY_MS) * DAY_MS) / MINUTE_MS;
    return { cycles, anchor, day, minutes, instant: clock.resolve(day * DAY_MS + minutes * MINUTE_MS, "start") };
  };
  const cycleMs = users * turn.count * (turn.unit === "hours" ? HOUR_MS : turn.unit === "days" ? DAY_MS : 7 * DAY_MS);
  // Jump close (a DST hour may leave one more cycle to go), then step.
  let first = candidate(Math.max(0, Math.floor((virtualStart - start) / cycleMs)));
  while (first.instant > start) first = candidate(first.cycles + 1);
  return first;
}

/** The first date (within a year from `from`) whose wall-clock hand-off is skipped or repeated by DST. */
function handoffAtDstChange(
  clock: ZoneClock,
  firstDay: number,
  minutes: number,
  turn: SourceLayer["turn"],
  from: number,
  end: number | null,
): string | null {
  const period = turn.count * (turn.unit === "weeks" ? 7 : 1);
  const fromDay = clock.localDay(from);
  const until = Math.min(fromDay + 366, end === null ? Number.POSITIVE_INFINITY : clock.localDay(end) + 1);
  for (let day = firstDay + Math.max(0, Math.ceil((fromDay - firstDay) / period)) * period; day <= until; day += period) {
    const local = day * DAY_MS + minutes * MINUTE_MS;
    const early = clock.resolve(local, "start");
    if (early !== clock.resolve(local, "end") || clock.localMs(early) !== local) return formatLocalDate(day);
  }
  return null;
}

const TIME_OF_DAY_RE = /^(\d{2}):(\d{2}):(\d{2})$/;

/**
 * A restriction as Rota weekly windows (each at most 24 h): a daily one opens
 * every day; a weekly one opens once a week from start_day_of_week and is cut
 * into day-long pieces. Ends are wall-clock times (see NOTES.md).
 */
function readRestriction(r: unknown, place: string, scheduleRef: string, reader: Reader): WeeklyWindow[] {
  const o = object(r, place);
  onlyKnown(o, RESTRICTION_FIELDS, place, REFERENCE);
  const type = string(o, "type", place);
  if (type !== "daily_restriction" && type !== "weekly_restriction") {
    throw invalid(at(place, "type"), "must be daily_restriction or weekly_restriction");
  }
  const time = TIME_OF_DAY_RE.exec(string(o, "start_time_of_day", place));
  const [h, m, s] = time ? [Number(time[1]), Number(time[2]), Number(time[3])] : [99, 99, 99];
  if (h > 23 || m > 59 || s > 59) throw invalid(at(place, "start_time_of_day"), "must be HH:mm:ss");
  const weekly = type === "weekly_restriction";
  const duration = Math.min(integer(o, "duration_seconds", place, 1, Number.MAX_SAFE_INTEGER), weekly ? WEEK_S : DAY_S);
  const firstDay = weekly ? integer(o, "start_day_of_week", place, 1, 7) - 1 : 0;
  const startS = h * 3600 + m * 60 + s;
  if (s !== 0 || duration % 60 !== 0) {
    reader.findings.push({
      kind: "approximated",
      code: "restriction_seconds",
      place,
      scheduleRef,
      message: "Rota restrictions are whole minutes; the start and end are rounded down to the minute",
    });
  }
  // Day-long pieces from the start: piece i opens on day firstDay + i at the same time.
  const pieces = new Map<string, WeeklyWindow & { days: (typeof WEEKDAYS)[number][] }>();
  const startMin = Math.floor(startS / 60);
  for (let i = 0; i * DAY_S < duration; i++) {
    // At least a minute: a piece rounded to nothing would read as 24 h (end == start).
    const endMin = Math.max(startMin + 1, Math.floor((startS + Math.min(DAY_S, duration - i * DAY_S)) / 60)) % 1440;
    const window = { start: formatLocalTime(startMin), end: formatLocalTime(endMin) };
    const key = `${window.start}-${window.end}`;
    const piece = pieces.get(key) ?? { ...window, days: [] };
    const days = weekly ? [WEEKDAYS[(firstDay + i) % 7]!] : [...WEEKDAYS];
    piece.days.push(...days);
    pieces.set(key, piece);
  }
  return [...pieces.values()];
}

function readOverride(v: unknown, place: string, scheduleRef: string, reader: Reader): SourceOverride {
  const o = object(v, place);
  onlyKnown(o, OVERRIDE_FIELDS, place, REFERENCE);
  const start = instant(o, "start", place);
  const end = instant(o, "end", place);
  if (end <= start) throw invalid(at(place, "end"), "must be after start");
  const personRef = mention(userRef(o, "user", place), at(place, "user"), scheduleRef, reader);
  return { ref: optional(string, o, "id", place) ?? place, personRef, start: new Date(start), end: new Date(end), place };
}

/**
 * PagerDuty: "the last created override will have priority", but the list has
 * no creation time. Rota takes the file order (later wins); say so where it matters.
 */
function noteOverlaps(overrides: readonly SourceOverride[], scheduleRef: string, reader: Reader): void {
  const sorted = [...overrides].sort((a, b) => a.start.getTime() - b.start.getTime());
  let reach: SourceOverride | undefined; // of the overrides so far, the one ending last
  for (const o of sorted) {
    if (reach !== undefined && reach.end > o.start) {
      reader.findings.push({
        kind: "approximated",
        code: "overlapping_overrides",
        place: o.place,
        scheduleRef,
        message:
          `Overrides ${reach.ref} and ${o.ref} overlap; PagerDuty lets the last created win but exports ` +
          "no creation time, so the later one in the file wins",
      });
    }
    if (reach === undefined || o.end > reach.end) reach = o;
  }
}

// ---------------------------------------------------------------------------
// The old system's answers

/**
 * Parses PagerDuty's own on-call answers: a GET /oncalls body, or a GET
 * /schedules/{id}?since&until body (or a list of them), optionally with
 * top-level "since"/"until" giving the window asked for (see NOTES.md).
 */
export function parsePagerDutyOnCalls(doc: unknown): OldAnswers {
  expectFile(doc, ["pagerduty-answers"]);
  const root = isObject(doc) ? doc : {};
  const answers: OldAnswer[] = [];
  if (Array.isArray(doc)) {
    doc.forEach((body, i) => answers.push(...renderedSchedule(object(body, at("", i)), at("", i))));
  } else if ("oncalls" in root) {
    if (root.more === true) {
      throw new ImportError("truncated_export", "/more", "This is one page of /oncalls (more: true): join every page's oncalls first");
    }
    answers.push(...onCalls(root));
  } else if ("schedule" in root) {
    answers.push(...renderedSchedule(root, ""));
  } else {
    throw new ImportError("wrong_system", "", "Not PagerDuty on-call answers: expected GET /oncalls or GET /schedules/{id} output");
  }
  const since = optional(instant, root, "since", "");
  const until = optional(instant, root, "until", "");
  const windows = new Map<string, { start: Date; end: Date }>();
  for (const a of answers) {
    const w = windows.get(a.scheduleRef);
    const start = since ?? Math.min(a.start.getTime(), w?.start.getTime() ?? Number.POSITIVE_INFINITY);
    const end = until ?? Math.max(a.end.getTime(), w?.end.getTime() ?? Number.NEGATIVE_INFINITY);
    windows.set(a.scheduleRef, { start: new Date(start), end: new Date(end) });
  }
  return { windows, answers };
}

/** GET /oncalls: entries without a schedule (a user as a direct escalation target) answer for no schedule. */
function onCalls(root: Json): OldAnswer[] {
  const out: OldAnswer[] = [];
  list(root, "oncalls", "").forEach((v, i) => {
    const place = at("/oncalls", i);
    const o = object(v, place);
    const schedule = optional(objectAt, o, "schedule", place);
    if (schedule === null) return;
    out.push({
      scheduleRef: string(schedule, "id", at(place, "schedule")),
      personRefs: [userRef(o, "user", place).id],
      start: new Date(instant(o, "start", place)),
      end: new Date(instant(o, "end", place)),
      place,
    });
  });
  return out;
}

/** GET /schedules/{id}: final_schedule.rendered_schedule_entries; an entry without a user is nobody. */
function renderedSchedule(body: Json, pointer: string): OldAnswer[] {
  const schedule = objectAt(body, "schedule", pointer);
  const ref = string(schedule, "id", at(pointer, "schedule"));
  const finalPlace = at(at(pointer, "schedule"), "final_schedule");
  const final = objectAt(schedule, "final_schedule", at(pointer, "schedule"));
  return list(final, "rendered_schedule_entries", finalPlace).map((v, i) => {
    const place = at(at(finalPlace, "rendered_schedule_entries"), i);
    const o = object(v, place);
    const user = optional(userRef, o, "user", place);
    return {
      scheduleRef: ref,
      personRefs: user === null ? [] : [user.id],
      start: new Date(instant(o, "start", place)),
      end: new Date(instant(o, "end", place)),
      place,
    };
  });
}
