import type { TurnUnit } from "../domain/rotation.ts";
import type { WeeklyWindow } from "../domain/weekly.ts";

/*
 * What every importer produces from another system's export, before anything
 * touches the database: people, schedules as Rota layers (highest priority
 * first) and overrides, all naming people by the old system's id ("ref"), and
 * the findings: what could not be represented exactly, and why.
 *
 * `place` is where in the file a thing came from: a JSON pointer
 * ("/schedules/0/schedule_layers/1/rotation_turn_length_seconds") or, for
 * iCal, "line 12" / "VEVENT 3". Errors and findings name it so a user can find
 * the spot in their file.
 */

export type SourceSystem = "pagerduty" | "opsgenie" | "grafana" | "ical";

export interface SourcePerson {
  /** The old system's id of the user (PagerDuty "PXPGF42", Opsgenie uuid, Grafana "U4DNY931HHJS5"). */
  ref: string;
  /** Lower-cased; null when the export has none (such a person can only be matched by `mapping`). */
  email: string | null;
  name: string;
  timeZone: string | null;
  place: string;
}

export interface SourceLayer {
  ref: string;
  name: string;
  place: string;
  /** Person refs in turn order; null is a turn with nobody on from this layer (lower layers show through). */
  participants: (string | null)[];
  /** Days and weeks follow the wall clock in `timeZone`; hours are elapsed time. */
  turn: { unit: TurnUnit; count: number };
  /** "HH:mm": the first turn starts at handoffTime on startDate in timeZone. */
  handoffTime: string;
  startDate: string;
  timeZone: string;
  /** Nothing from this layer before this instant (a layer that starts in the middle of a turn). */
  start?: Date;
  /** Nothing from this layer at or after this instant. */
  end?: Date;
  /** Weekly windows in timeZone: only inside them is anyone from this layer on. */
  restrictions?: WeeklyWindow[];
}

export interface SourceOverride {
  ref: string;
  personRef: string;
  start: Date;
  end: Date;
  place: string;
  /** Where overrides overlap, the newest wins (Rota's rule); importers give the old system's order here. */
  createdAt?: Date;
}

export interface SourceSchedule {
  ref: string;
  name: string;
  description: string | null;
  timeZone: string;
  place: string;
  /** Highest priority first. */
  layers: SourceLayer[];
  overrides: SourceOverride[];
}

export type FindingKind =
  /** Left out: the thing is not imported (e.g. a layer that ended in the past). */
  | "skipped"
  /** Imported differently from the old system (e.g. a turn length rounded); the replay shows where it matters. */
  | "approximated"
  /** Cannot be represented at all; the replay will disagree where it matters. */
  | "not_represented"
  /** Imported as-is; worth knowing (e.g. an Opsgenie `none` participant became an explicit gap). */
  | "note";

export interface Finding {
  kind: FindingKind;
  /** A stable machine code: "layer_ended", "none_participant", "concurrent_rotations", … */
  code: string;
  place: string;
  message: string;
  scheduleRef?: string;
}

export interface SourceExport {
  system: SourceSystem;
  people: SourcePerson[];
  schedules: SourceSchedule[];
  findings: Finding[];
}

/**
 * The old system's own answer: who was on call for a schedule over [start, end).
 * `personRefs` is empty where nobody was on; Opsgenie can name several at once.
 */
export interface OldAnswer {
  scheduleRef: string;
  personRefs: string[];
  start: Date;
  end: Date;
  place: string;
}

export interface OldAnswers {
  /** The window the answers cover, per schedule ref; the replay compares exactly this window. */
  windows: Map<string, { start: Date; end: Date }>;
  answers: OldAnswer[];
}

export type ImportErrorCode =
  /** The file is another system's export (or not an export at all). */
  | "wrong_system"
  /** Not valid JSON / iCal, or cut off. */
  | "truncated_export"
  /** A field the importer does not know, where ignoring it could change who is on call. */
  | "unknown_field"
  /** A field with the wrong type or an impossible value. */
  | "invalid_export"
  /** A user the schedules need has no email, and no mapping names them. */
  | "missing_email"
  | "unknown_time_zone";

/** A bad export: 4xx with the code, and `place` naming where in the file. */
export class ImportError extends Error {
  readonly code: ImportErrorCode;
  readonly place: string;
  constructor(code: ImportErrorCode, place: string, message: string) {
    super(message);
    this.name = "ImportError";
    this.code = code;
    this.place = place;
  }
}

/** Appends a segment to a JSON pointer (RFC 6901 escaping). */
export function at(pointer: string, key: string | number): string {
  return `${pointer}/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`;
}
