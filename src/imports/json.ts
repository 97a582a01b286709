import { requireZone } from "../domain/wallclock.ts";
import { ImportError, type SourceSystem, at } from "./model.ts";

/*
 * What the importers share: reading JSON with every error naming its place
 * as a JSON pointer (`place` is the object's pointer, readers of a member
 * append the key), and telling the systems' files apart, so that a file
 * given to the wrong importer is refused as wrong_system naming whose it
 * looks like.
 */

export type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------
// Reading JSON with pointers

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** invalid_export naming the place: `${place} ${what}`. */
export const invalid = (place: string, what: string) => new ImportError("invalid_export", place, `${place || "the file"} ${what}`);

export function object(v: unknown, place: string): Json {
  if (!isObject(v)) throw invalid(place, "must be an object");
  return v;
}

/** A missing member means the file was cut off or built wrong. */
export function required(o: Json, key: string, place: string): unknown {
  if (o[key] === undefined) throw new ImportError("truncated_export", at(place, key), `${at(place, key)} is missing`);
  return o[key];
}

/** What `read` makes of o[key], or null where it is missing or null. */
export function optional<A extends unknown[], T>(
  read: (o: Json, key: string, place: string, ...rest: A) => T,
  o: Json,
  key: string,
  place: string,
  ...rest: A
): T | null {
  return o[key] === undefined || o[key] === null ? null : read(o, key, place, ...rest);
}

export function objectAt(o: Json, key: string, place: string): Json {
  return object(required(o, key, place), at(place, key));
}

export function list(o: Json, key: string, place: string): unknown[] {
  const v = required(o, key, place);
  if (!Array.isArray(v)) throw invalid(at(place, key), "must be a list");
  return v;
}

export function string(o: Json, key: string, place: string): string {
  const v = required(o, key, place);
  if (typeof v !== "string" || v === "") throw invalid(at(place, key), "must be a non-empty string");
  return v;
}

export function integer(o: Json, key: string, place: string, min: number, max = Number.POSITIVE_INFINITY): number {
  const v = required(o, key, place);
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
    throw invalid(at(place, key), max === Number.POSITIVE_INFINITY ? `must be a whole number >= ${min}` : `must be a whole number from ${min} to ${max}`);
  }
  return v as number;
}

export function oneOf<T extends string>(o: Json, key: string, place: string, values: readonly T[]): T {
  const v = required(o, key, place);
  if (!values.includes(v as T)) throw invalid(at(place, key), `must be one of ${values.join(", ")}`);
  return v as T;
}

// ISO 8601 with an offset, as the APIs write every date-time ("2015-11-06T20:00:00-05:00", "…Z", "….150Z").
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A date-time with an offset, as epoch ms. */
export function instant(o: Json, key: string, place: string): number {
  const v = required(o, key, place);
  const ms = typeof v === "string" && INSTANT_RE.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(at(place, key), "must be a date-time with an offset, e.g. 2017-01-15T08:00:00+02:00");
  return ms;
}

export function zoneName(o: Json, key: string, place: string): string {
  const v = required(o, key, place);
  try {
    return requireZone(v, at(place, key));
  } catch {
    throw new ImportError("unknown_time_zone", at(place, key), `${at(place, key)}: ${JSON.stringify(v)} is not an IANA time zone`);
  }
}

/** For zones that decide nobody's turns (a user's own): null where it is not a zone. */
export function zoneOrNull(v: unknown): string | null {
  try {
    return requireZone(v, "timeZone");
  } catch {
    return null;
  }
}

/**
 * unknown_field for a member not in `known` (the fields `reference` documents):
 * it could change who is on call, so it is refused rather than ignored.
 */
export function onlyKnown(o: Json, known: readonly string[], place: string, reference: string): void {
  const unknown = Object.keys(o).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new ImportError("unknown_field", at(place, unknown), `${at(place, unknown)} is not in ${reference}; it could change who is on call, so it is not ignored`);
  }
}

// ---------------------------------------------------------------------------
// Whose file is it?

/**
 * What a file looks like: a system's export; "<system>-answers", one of the
 * system's API responses as fetched (its on-call answers are these), not an
 * export put together from them; "ical"; or "text", neither JSON nor iCal.
 */
export type FileKind = SourceSystem | "pagerduty-answers" | "opsgenie-answers" | "grafana-answers" | "text";

// Keys only one system's files have (PagerDuty REST v2, Opsgenie API v2, Grafana OnCall API v1), looked for in
// this order. Not `timezone`: Opsgenie schedules and Grafana OnCall users both have it.
// prettier-ignore
const MARKERS: [Exclude<SourceSystem, "ical">, string[]][] = [
  ["pagerduty", [
    "schedule_layers", "rotation_virtual_start", "rotation_turn_length_seconds", "final_schedule", "rendered_schedule_entries",
    "oncalls", "escalation_policy",
  ]],
  ["opsgenie", ["rotations", "timeRestriction", "ownerTeam", "requestId", "onCallParticipants", "onCallRecipients"]],
  ["grafana", [
    "rolling_users", "start_rotation_from_user_index", "frequency", "by_day", "week_start", "on_call_now", "shifts",
    "ical_url_primary", "ical_url_overrides", "shift_start", "user_pk", "priority_level",
  ]],
];
// Every export is an object of list endpoints' bodies (each system's NOTES.md); a single body has none of these.
const EXPORT_KEYS = ["users", "schedules", "on_call_shifts"];

const DESCRIPTIONS: Record<FileKind, string> = {
  pagerduty: "a PagerDuty export",
  "pagerduty-answers": "PagerDuty on-call answers (GET /oncalls or /schedules/{id})",
  opsgenie: "an Opsgenie export",
  "opsgenie-answers": "Opsgenie API output (a schedule or its timeline)",
  grafana: "a Grafana OnCall export",
  "grafana-answers": "Grafana OnCall API output (a list page or final_shifts)",
  ical: "an iCal calendar",
  text: "plain text",
};

/** What `doc` (parsed JSON, or a file's text) looks like; null where nothing tells. */
export function detectSystem(doc: unknown): FileKind | null {
  if (typeof doc === "string") return detectText(doc);
  const keys = keysOf(doc, 5);
  const system = MARKERS.find(([, markers]) => markers.some((k) => keys.has(k)))?.[0];
  if (system === undefined) return null;
  return isObject(doc) && EXPORT_KEYS.some((k) => k in doc) ? system : `${system}-answers`;
}

/**
 * wrong_system unless `doc` looks like one of `kinds` (the first is what the
 * importer reads) or like nothing in particular: the importer's own checks
 * then say what is wrong.
 */
export function expectFile(doc: unknown, kinds: readonly [FileKind, ...FileKind[]], place = ""): void {
  const kind = detectSystem(doc);
  if (kind !== null && !kinds.includes(kind)) {
    throw new ImportError("wrong_system", place, `This looks like ${DESCRIPTIONS[kind]}, not ${DESCRIPTIONS[kinds[0]]}`);
  }
}

/** iCal, another system's JSON (given as text), or just text. */
function detectText(text: string): FileKind {
  if (/^\s*BEGIN:VCALENDAR/i.test(text)) return "ical";
  if (!/^\s*[[{]/.test(text)) return "text";
  try {
    return detectSystem(JSON.parse(text)) ?? "text";
  } catch {
    return "text";
  }
}

/** Object keys down to `depth` objects deep (a list is no level; its first items): enough to tell the systems apart. */
function keysOf(v: unknown, depth: number, into = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const item of v.slice(0, 5)) keysOf(item, depth, into);
  if (!isObject(v) || depth === 0) return into;
  for (const [key, child] of Object.entries(v)) {
    into.add(key);
    keysOf(child, depth - 1, into);
  }
  return into;
}
