import { type Interval, mergeIntervals } from "../domain/interval.ts";
import { TimeContext, instantToLocal, localToInstant } from "../domain/wallclock.ts";
import { WEEKDAYS, type WeeklyWindow, expandWeeklyHours } from "../domain/weekly.ts";
import { type Finding, ImportError, type OldAnswer, type OldAnswers, type SourceExport, type SourceLayer } from "./model.ts";
import { type SourceOverride, type SourcePerson, type SourceSchedule, at } from "./model.ts";
import { type Json, expectFile, instant, integer, isObject, list, object, objectAt, oneOf, onlyKnown, optional } from "./json.ts";
import { string, zoneName, zoneOrNull } from "./json.ts";

/*
 * Opsgenie (REST API v2) → Rota. The export is the API's own response bodies
 * put together (tests/fixtures/imports/opsgenie/NOTES.md):
 *   { "users": GET /v2/users,
 *     "schedules": [{ "schedule": GET /v2/schedules/{id}, "overrides": GET /v2/schedules/{id}/overrides }] }
 * Field names and meaning, from the API reference and its OpenAPI definition:
 *   https://docs.opsgenie.com/docs/schedule-api (Schedule, ScheduleTimeline)
 *   https://docs.opsgenie.com/docs/schedule-rotation-api (ScheduleRotation, TimeRestrictionInterval)
 *   https://docs.opsgenie.com/docs/schedule-override-api (ScheduleOverride)
 *   github.com/opsgenie/opsgenie-oas definitions/{schedule,scheduleRotation,scheduleOverride,common}.yaml
 *
 * Semantics, and what Rota cannot say the same way:
 * - "When a schedule is being used to determine who is notified, all on-call
 *   users from different rotations are notified" (support.atlassian.com/opsgenie/
 *   docs/manage-on-call-schedules-and-rotations): rotations are on call at the
 *   same time. Rota has one person at a time, so rotations become layers in the
 *   listed order (first = highest). Where rotations can be active at the same
 *   wall-clock time that is "concurrent_rotations"; where they never are (a
 *   business-hours and an after-hours rotation, or one ending where the next
 *   starts) the layers are exact.
 * - daily/weekly turns hand off at the start's wall-clock time in the schedule
 *   zone; hourly turns are elapsed time (Rota's rule for days/weeks/hours).
 * - time restrictions are wall-clock windows in the schedule zone; a turn keeps
 *   running behind them.
 * - an override applies inside the rotations it names (all when it names
 *   none), where they are active: overrides are periods of rotation timelines.
 */

const WEEK_MIN = 7 * 1440;
const OPSGENIE_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const RECIPIENT_TYPES = ["user", "none", "team", "escalation", "schedule", "group", "all"];
// Documented fields of the objects that decide who is on call; anything else is refused.
const REFERENCE = "the Opsgenie API reference";
const ROTATION_FIELDS = ["id", "name", "startDate", "endDate", "type", "length", "participants", "timeRestriction", "_parent"];
const RECIPIENT_FIELDS = ["type", "id", "username", "name"];
const OVERRIDE_FIELDS = ["_parent", "alias", "user", "startDate", "endDate", "rotations"];
const OVERRIDE_USER_FIELDS = ["type", "id", "username", "name", "forwardedFrom"];
const TIME_OF_DAY_FIELDS = ["startHour", "startMin", "endHour", "endMin"];
const WEEKDAY_TIME_FIELDS = ["startDay", "startHour", "startMin", "endDay", "endHour", "endMin"];

interface Reader {
  context: TimeContext;
  findings: Finding[];
  people: Map<string, SourcePerson>;
  /** Lower-cased username (the email) → user id, for participants named by username only. */
  idByUsername: Map<string, string>;
}

/** A rotation as a layer, plus what the concurrency check and override clipping need. */
interface Rotation {
  id: string | undefined;
  name: string | undefined;
  layer: SourceLayer;
  /** Active from startDate until endDate (ms; Infinity: no end). */
  from: number;
  to: number;
  /** Active week minutes [start, end) from Monday 00:00, end may pass the week's end. */
  week: [number, number][];
}

/** The export (format above) → people, schedules as layers and overrides, and findings; ImportError for bad input. */
export function parseOpsgenieExport(doc: unknown): SourceExport {
  expectFile(doc, ["opsgenie", "opsgenie-answers"]);
  if (!isObject(doc) || !("schedules" in doc || "users" in doc)) {
    if (isObject(doc) && isObject(doc.data)) {
      throw new ImportError("invalid_export", "", "this is a single Opsgenie API response, not an export: see the export format (users + schedules)");
    }
    throw new ImportError("wrong_system", "", "not an Opsgenie export: expected an object with users and schedules");
  }
  const reader: Reader = { context: new TimeContext(), findings: [], people: new Map(), idByUsername: new Map() };
  readUsers(objectAt(doc, "users", ""), "/users", reader);
  const schedules = list(doc, "schedules", "").map((entry, i) => readSchedule(entry, at("/schedules", i), reader));
  return { system: "opsgenie", people: [...reader.people.values()], schedules, findings: reader.findings };
}

/**
 * GET /v2/schedules/{id}/timeline responses (one, or a list of them): each
 * rotation's final periods are the old answers, data.startDate/endDate the window.
 */
export function parseOpsgenieOnCalls(doc: unknown): OldAnswers {
  expectFile(doc, ["opsgenie-answers", "opsgenie"]);
  const bodies = Array.isArray(doc) ? doc : [doc];
  const windows = new Map<string, { start: Date; end: Date }>();
  const answers: OldAnswer[] = [];
  bodies.forEach((raw, i) => {
    const place = Array.isArray(doc) ? `/${i}` : "";
    const body = object(raw, place);
    if (!("data" in body) && "schedules" in body) throw new ImportError("invalid_export", place, "this is an Opsgenie export, not timeline answers");
    const dataPlace = at(place, "data");
    const data = objectAt(body, "data", place);
    const scheduleRef = string(objectAt(data, "_parent", dataPlace), "id", at(dataPlace, "_parent"));
    if (windows.has(scheduleRef)) throw new ImportError("invalid_export", dataPlace, `a second timeline for schedule ${scheduleRef}`);
    windows.set(scheduleRef, span(data, dataPlace));
    const finalPlace = at(dataPlace, "finalTimeline");
    list(objectAt(data, "finalTimeline", dataPlace), "rotations", finalPlace).forEach((rawRotation, j) => {
      const rotationPlace = at(at(finalPlace, "rotations"), j);
      const periods = optional(list, object(rawRotation, rotationPlace), "periods", rotationPlace) ?? [];
      periods.forEach((rawPeriod, k) => {
        const periodPlace = at(at(rotationPlace, "periods"), k);
        const period = object(rawPeriod, periodPlace);
        answers.push({ scheduleRef, personRefs: recipientRefs(period, periodPlace), ...span(period, periodPlace), place: periodPlace });
      });
    });
  });
  return { windows, answers };
}

/** A user is their id; nobody (`none`, or no recipient) is empty; a team or escalation keeps its type so it never matches a person. */
function recipientRefs(period: Json, place: string): string[] {
  const recipient = optional(objectAt, period, "recipient", place);
  if (recipient === null) return [];
  const type = string(recipient, "type", at(place, "recipient"));
  if (type === "none") return [];
  const id = string(recipient, "id", at(place, "recipient"));
  return [type === "user" ? id : `${type}:${id}`];
}

/** startDate..endDate (ISO 8601 with an offset, as the API writes them: "2017-01-15T08:00:00+02:00"). */
function span(o: Json, place: string): { start: Date; end: Date } {
  const start = instant(o, "startDate", place);
  const end = instant(o, "endDate", place);
  if (end <= start) throw new ImportError("invalid_export", at(place, "endDate"), "endDate must be after startDate");
  return { start: new Date(start), end: new Date(end) };
}

// ---------------------------------------------------------------------------
// Users and schedules

/** Lenient: users never decide who is on call, so odd entries are skipped rather than refused. */
function readUsers(body: Json, place: string, reader: Reader): void {
  list(body, "data", place).forEach((user, i) => {
    if (!isObject(user) || typeof user.id !== "string") return;
    const email = typeof user.username === "string" && user.username !== "" ? user.username.toLowerCase() : null;
    const name = typeof user.fullName === "string" && user.fullName !== "" ? user.fullName : (email ?? user.id);
    reader.people.set(user.id, { ref: user.id, email, name, timeZone: zoneOrNull(user.timeZone), place: at(at(place, "data"), i) });
    if (email !== null) reader.idByUsername.set(email, user.id);
  });
}

function readSchedule(raw: unknown, place: string, reader: Reader): SourceSchedule {
  const entry = object(raw, place);
  const bodyPlace = at(place, "schedule");
  const dataPlace = at(bodyPlace, "data");
  const data = objectAt(objectAt(entry, "schedule", place), "data", bodyPlace);
  const ref = string(data, "id", dataPlace);
  const timeZone = zoneName(data, "timezone", dataPlace);
  const note = (finding: Omit<Finding, "scheduleRef">) => reader.findings.push({ ...finding, scheduleRef: ref });
  if (data.enabled === false) {
    note({
      kind: "note",
      code: "schedule_disabled",
      place: at(dataPlace, "enabled"),
      message: "the schedule is disabled in Opsgenie (it notifies nobody); it is imported with its rotations",
    });
  }
  const rotationsPlace = at(dataPlace, "rotations");
  const rotations = list(data, "rotations", dataPlace).map((r, j) =>
    readRotation(r, at(rotationsPlace, j), j, timeZone, reader, note),
  );
  flagConcurrency(rotations, note);
  const overridesPlace = at(place, "overrides");
  const overrides = list(objectAt(entry, "overrides", place), "data", overridesPlace)
    .flatMap((o, k) => readOverride(o, at(at(overridesPlace, "data"), k), rotations, reader, note));
  return {
    ref,
    name: typeof data.name === "string" ? data.name : ref,
    description: typeof data.description === "string" && data.description !== "" ? data.description : null,
    timeZone,
    place: dataPlace,
    layers: rotations.map((r) => r.layer),
    overrides,
  };
}

type Note = (finding: Omit<Finding, "scheduleRef">) => void;

function readRotation(raw: unknown, place: string, index: number, timeZone: string, reader: Reader, note: Note): Rotation {
  const rotation = object(raw, place);
  onlyKnown(rotation, ROTATION_FIELDS, place, REFERENCE);
  const start = instant(rotation, "startDate", place);
  if (start % 60_000 !== 0) throw new ImportError("invalid_export", at(place, "startDate"), "a rotation starts on a whole minute (Opsgenie keeps :00 or :30)");
  const end = optional(instant, rotation, "endDate", place);
  if (end !== null && end <= start) throw new ImportError("invalid_export", at(place, "endDate"), "endDate must be after startDate");
  const type = oneOf(rotation, "type", place, ["hourly", "daily", "weekly"]);
  const count = rotation.length === undefined ? 1 : integer(rotation, "length", place, 1, 10_000);
  const participantsPlace = at(place, "participants");
  const raws = list(rotation, "participants", place);
  if (raws.length === 0) throw new ImportError("invalid_export", participantsPlace, "a rotation needs at least one participant");
  const participants = raws.map((p, k) => readParticipant(p, at(participantsPlace, k), reader, note));
  const { windows, week } = readTimeRestriction(optional(objectAt, rotation, "timeRestriction", place), at(place, "timeRestriction"));
  const local = instantToLocal(new Date(start), timeZone, reader.context);
  // Only a start in the second pass of a fall-back hour resolves elsewhere: `start` keeps the first turn exact.
  const ambiguous = localToInstant(local, "start", reader.context).getTime() !== start;
  if (ambiguous && type === "hourly") {
    note({
      kind: "approximated",
      code: "ambiguous_start",
      place: at(place, "startDate"),
      message: `the rotation starts in the repeated hour of a fall-back night (${local.date} ${local.time}); Rota counts its hourly turns from the first ${local.time}, an hour early`,
    });
  }
  const id = typeof rotation.id === "string" ? rotation.id : undefined;
  const name = typeof rotation.name === "string" ? rotation.name : undefined;
  const layer: SourceLayer = {
    ref: id ?? place,
    name: name ?? `Rotation ${index + 1}`,
    place,
    participants,
    turn: { unit: type === "hourly" ? "hours" : type === "daily" ? "days" : "weeks", count },
    handoffTime: local.time,
    startDate: local.date,
    timeZone,
    ...(ambiguous ? { start: new Date(start) } : {}),
    ...(end !== null ? { end: new Date(end) } : {}),
    ...(windows ? { restrictions: windows } : {}),
  };
  return { id, name, layer, from: start, to: end ?? Number.POSITIVE_INFINITY, week };
}

function readParticipant(raw: unknown, place: string, reader: Reader, note: Note): string | null {
  const participant = object(raw, place);
  onlyKnown(participant, RECIPIENT_FIELDS, place, REFERENCE);
  const type = oneOf(participant, "type", place, RECIPIENT_TYPES);
  if (type === "user") return personRef(participant, place, reader);
  if (type === "none") {
    note({ kind: "note", code: "none_participant", place, message: "turns of `none` become an explicit gap" });
  } else {
    const label = typeof participant.name === "string" ? ` "${participant.name}"` : "";
    note({
      kind: "not_represented",
      code: `${type}_participant`,
      place,
      message: `turns of the ${type}${label} become a gap: Rota rotations take people, and Opsgenie notifies whoever the ${type} names there`,
    });
  }
  return null;
}

/** The user's id, found by username when only that is given; users not in GET /v2/users are added from what the reference says. */
function personRef(recipient: Json, place: string, reader: Reader): string {
  const username = typeof recipient.username === "string" ? recipient.username.toLowerCase() : undefined;
  const id = typeof recipient.id === "string" ? recipient.id : username === undefined ? undefined : reader.idByUsername.get(username);
  if (id === undefined) throw new ImportError("invalid_export", place, "a user needs an id, or a username found in users");
  if (!reader.people.has(id)) reader.people.set(id, { ref: id, email: username ?? null, name: username ?? id, timeZone: null, place });
  return id;
}

// ---------------------------------------------------------------------------
// Time restrictions → weekly windows (at most 24 h each, in the schedule zone)

function readTimeRestriction(restriction: Json | null, place: string): { windows?: WeeklyWindow[]; week: [number, number][] } {
  if (restriction === null) return { week: [[0, WEEK_MIN]] };
  const type = oneOf(restriction, "type", place, ["time-of-day", "weekday-and-time-of-day"]);
  if (type === "time-of-day") {
    onlyKnown(restriction, ["type", "restriction"], place, REFERENCE);
    const daily = objectAt(restriction, "restriction", place);
    onlyKnown(daily, TIME_OF_DAY_FIELDS, at(place, "restriction"), REFERENCE);
    const start = minutes(daily, "start", at(place, "restriction"));
    const end = minutes(daily, "end", at(place, "restriction"));
    // end <= start runs into the next day, equal is the whole day: Rota's window rule exactly.
    const length = (end - start + 1440) % 1440 || 1440;
    return {
      windows: [{ days: [...WEEKDAYS], start: clock(start), end: clock(end) }],
      week: WEEKDAYS.map((_, d) => [d * 1440 + start, d * 1440 + start + length]),
    };
  }
  onlyKnown(restriction, ["type", "restrictions"], place, REFERENCE);
  const intervals = list(restriction, "restrictions", place);
  if (intervals.length === 0) throw new ImportError("invalid_export", at(place, "restrictions"), "a weekday restriction needs at least one interval");
  const week = intervals.map((r, i): [number, number] => {
    const itemPlace = at(at(place, "restrictions"), i);
    const item = object(r, itemPlace);
    onlyKnown(item, WEEKDAY_TIME_FIELDS, itemPlace, REFERENCE);
    const start = OPSGENIE_DAYS.indexOf(oneOf(item, "startDay", itemPlace, OPSGENIE_DAYS)) * 1440 + minutes(item, "start", itemPlace);
    const end = OPSGENIE_DAYS.indexOf(oneOf(item, "endDay", itemPlace, OPSGENIE_DAYS)) * 1440 + minutes(item, "end", itemPlace);
    // An interval ending where it starts is read as the whole week (NOTES.md).
    return [start, start + ((end - start + WEEK_MIN) % WEEK_MIN || WEEK_MIN)];
  });
  return { windows: weeklyWindows(week), week };
}

/** Week-minute intervals cut at local midnights, same hours on several days joined into one window. */
function weeklyWindows(week: [number, number][]): WeeklyWindow[] {
  const byHours = new Map<string, WeeklyWindow>();
  for (const [from, to] of week) {
    for (let t = from; t < to; ) {
      const dayEnd = (Math.floor(t / 1440) + 1) * 1440;
      const end = Math.min(to, dayEnd);
      const day = WEEKDAYS[Math.floor(t / 1440) % 7]!;
      const hours = { start: clock(t % 1440), end: end === dayEnd ? "24:00" : clock(end % 1440) };
      const key = `${hours.start}-${hours.end}`;
      const window = byHours.get(key) ?? { days: [], ...hours };
      if (!window.days.includes(day)) byHours.set(key, { ...window, days: [...window.days, day] });
      t = end;
    }
  }
  return [...byHours.values()].map((w) => ({ ...w, days: WEEKDAYS.filter((d) => w.days.includes(d)) }));
}

function minutes(item: Json, edge: "start" | "end", place: string): number {
  return integer(item, `${edge}Hour`, place, 0, 23) * 60 + integer(item, `${edge}Min`, place, 0, 59);
}

function clock(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, "0")}:${String(minuteOfDay % 60).padStart(2, "0")}`;
}

// ---------------------------------------------------------------------------
// Rotations on call at the same time

function flagConcurrency(rotations: Rotation[], note: Note): void {
  rotations.forEach((low, j) => {
    rotations.slice(0, j).forEach((high) => {
      if (high.from >= low.to || low.from >= high.to || !weeksOverlap(high.week, low.week)) return;
      note({
        kind: "approximated",
        code: "concurrent_rotations",
        place: low.layer.place,
        message:
          `Opsgenie has "${high.layer.name}" and "${low.layer.name}" on call at the same time (it notifies every rotation's on-call user); ` +
          `Rota has one person at a time, so "${high.layer.name}", listed first, is the higher layer and "${low.layer.name}" only shows where it has nobody`,
      });
    });
  });
}

/** Week-minute intervals overlap, the week read as a circle (Sunday night runs into Monday). */
function weeksOverlap(a: [number, number][], b: [number, number][]): boolean {
  return a.some(([s1, e1]) => b.some(([s2, e2]) => [-WEEK_MIN, 0, WEEK_MIN].some((k) => s1 < e2 + k && s2 + k < e1)));
}

// ---------------------------------------------------------------------------
// Overrides

function readOverride(raw: unknown, place: string, rotations: Rotation[], reader: Reader, note: Note): SourceOverride[] {
  const override = object(raw, place);
  onlyKnown(override, OVERRIDE_FIELDS, place, REFERENCE);
  const alias = string(override, "alias", place);
  const { start, end } = span(override, place);
  const userPlace = at(place, "user");
  const user = objectAt(override, "user", place);
  onlyKnown(user, OVERRIDE_USER_FIELDS, userPlace, REFERENCE);
  const type = oneOf(user, "type", userPlace, RECIPIENT_TYPES);
  if (type !== "user") {
    note({
      kind: "not_represented",
      code: "override_not_user",
      place: userPlace,
      message: `an override to ${type === "none" ? "nobody (`none`)" : `a ${type}`} is not imported: a Rota override puts a person on`,
    });
    return [];
  }
  const who = personRef(user, userPlace, reader);
  const named = optional(list, override, "rotations", place) ?? [];
  const targets = named.length === 0 ? rotations : named.map((r, i) => findRotation(r, at(at(place, "rotations"), i), rotations));
  const spans = activeSpans(targets, start, end, reader.context);
  const names = targets.map((r) => `"${r.layer.name}"`).join(", ");
  const are = targets.length > 1 ? "are" : "is";
  if (named.length > 0 && named.length < rotations.length) {
    note({
      kind: "note",
      code: "override_rotations",
      place: at(place, "rotations"),
      message: `Opsgenie applies this override to ${names} only; a Rota override takes the whole schedule, so it is imported for the time ${names} ${are} active (exact where no other rotation is on then)`,
    });
  }
  const covered = spans.reduce((sum, s) => sum + s.end.getTime() - s.start.getTime(), 0);
  if (covered < end.getTime() - start.getTime()) {
    note({
      kind: "note",
      code: "override_outside_rotations",
      place,
      message: `the part of the override where ${names} ${are} not active is left out: Opsgenie applies overrides inside rotations`,
    });
  }
  return spans.map((s, i) => ({ ref: i === 0 ? alias : `${alias}#${i + 1}`, personRef: who, start: s.start, end: s.end, place }));
}

function findRotation(raw: unknown, place: string, rotations: Rotation[]): Rotation {
  const ref = object(raw, place);
  onlyKnown(ref, ["id", "name"], place, REFERENCE);
  const found = rotations.find((r) => (typeof ref.id === "string" ? r.id === ref.id : r.name === ref.name));
  if (found === undefined) throw new ImportError("invalid_export", place, "the override names a rotation this schedule does not have");
  return found;
}

/** When the rotations are active within [start, end): their own start/end, then their restrictions. */
function activeSpans(rotations: Rotation[], start: Date, end: Date, context: TimeContext): Interval[] {
  const pieces = rotations.flatMap((rotation) => {
    const { layer } = rotation;
    const from = Math.max(start.getTime(), rotation.from);
    const to = Math.min(end.getTime(), rotation.to);
    if (to <= from) return [];
    const window = { from: new Date(from), to: new Date(to) };
    return layer.restrictions ? expandWeeklyHours({ zone: layer.timeZone, windows: layer.restrictions }, window, context) : [{ start: window.from, end: window.to }];
  });
  return mergeIntervals(pieces);
}
