/** Database errors as the drivers raise them (pg and PGlite alike), and what they mean as DomainErrors. */
import { DomainError } from "../domain/errors.ts";

export interface DriverError {
  code?: string;
  constraint?: string;
  detail?: string;
  message?: string;
  cause?: unknown;
}

/** drizzle wraps driver errors (pg and PGlite alike); find the one with a SQLSTATE. */
export function sqlStateOf(error: unknown): DriverError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const candidate = current as DriverError;
    if (typeof candidate.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/**
 * Which kind of constraint a write ran into, for the services that answer
 * an expected violation in their own words (a booking that overlaps names
 * the person): they branch on this, never on a SQLSTATE.
 */
export type ConstraintViolation = "overlap" | "duplicate" | "reference" | "check" | "not_null";

const violationBySqlState: Record<string, ConstraintViolation> = {
  "23P01": "overlap", // exclusion_violation: commitments_no_overlap
  "23505": "duplicate", // unique_violation
  "23503": "reference", // foreign_key_violation
  "23001": "reference", // restrict_violation
  "23514": "check", // check_violation
  "23502": "not_null", // not_null_violation
};

/** The constraint violation behind a (drizzle-wrapped) driver error, or undefined for anything else. */
export function constraintViolationOf(error: unknown): ConstraintViolation | undefined {
  const code = sqlStateOf(error)?.code;
  return code ? violationBySqlState[code] : undefined;
}

/**
 * Database constraint names → what the client did wrong. Services catch the
 * violations they expect; this is the net under them, so a race that a
 * service could not pre-check still ends as a clear 409 naming the field,
 * never a 500. Every unique index and primary key of src/db/schema that a
 * request can hit has an entry.
 */
const constraintErrors: Record<string, { code: string; field?: string; message: string }> = {
  people_email_lower_uq: { code: "email_taken", field: "email", message: "A person with this email already exists" },
  teams_name_lower_uq: { code: "team_name_taken", field: "name", message: "A team with this name already exists" },
  team_members_pk: { code: "already_member", field: "personId", message: "This person is already a member of the team" },
  schedules_name_lower_uq: { code: "schedule_name_taken", field: "name", message: "A schedule with this name already exists" },
  schedule_layers_position_uq: { code: "conflict", field: "layers", message: "Two layers of the schedule were written at the same position; retry" },
  duty_programs_name_lower_uq: { code: "conflict", field: "name", message: "A duty program with this name already exists" },
  duty_slots_program_start_uq: { code: "conflict", field: "start", message: "The duty program already has a slot starting then" },
  duty_bookings_slot_person_uq: { code: "already_booked", field: "slotId", message: "The person already holds a seat in that slot" },
  shifts_pattern_occurrence_uq: { code: "conflict", field: "patternId", message: "This occurrence of the pattern already has a shift" },
  slack_workspaces_team_uq: { code: "conflict", field: "slackTeamId", message: "This Slack workspace is already connected" },
  api_tokens_hash_uq: { code: "conflict", message: "The generated token collided with an existing one; retry" },
  calendar_targets_subject_calendar_uq: { code: "calendar_target_exists", field: "calendarId", message: "This subject is already pushed to that calendar: change the existing target instead" },
  calendar_target_events_pk: { code: "conflict", message: "Two syncs of the same target crossed; retry" },
  sign_in_links_hash_uq: { code: "conflict", message: "The generated sign-in link collided with an existing one; retry" },
  calendar_feeds_token_hash_uq: { code: "conflict", message: "The generated feed token collided with an existing one; retry" },
  commitments_no_overlap: { code: "shift_overlaps", field: "start", message: "The person already has something at that time" },
  // Child tables written only by their parent's repository, in the parent's transaction: a clash is a concurrent rewrite.
  swap_legs_pk: { code: "conflict", message: "The swap's assignments were written twice at once; retry" },
  schedule_layer_participants_pk: { code: "conflict", field: "layers", message: "Two writes of the schedule's participants crossed; retry" },
  schedule_layer_change_participants_pk: { code: "conflict", field: "layers", message: "Two writes of the schedule's participant changes crossed; retry" },
  duty_program_teams_pk: { code: "conflict", field: "eligibleTeamIds", message: "Two writes of the program's teams crossed; retry" },
  duty_program_people_pk: { code: "conflict", field: "eligiblePersonIds", message: "Two writes of the program's people crossed; retry" },
  imported_refs_pk: { code: "conflict", field: "export", message: "Two imports of the same export crossed; retry (the second finds the first's work and changes nothing)" },
  // Ids that name nobody: the services check them first (with the same codes); this is the net.
  schedule_layer_participants_person_id_people_id_fk: { code: "unknown_person", field: "layers", message: "A participant is not a known person" },
  schedule_layer_change_participants_person_id_people_id_fk: { code: "unknown_person", field: "layers", message: "A participant is not a known person" },
  duty_program_teams_team_id_teams_id_fk: { code: "not_found", field: "eligibleTeamIds", message: "A team the program names does not exist" },
  duty_program_people_person_id_people_id_fk: { code: "not_found", message: "A person the program names does not exist" },
};

/**
 * A driver error as the DomainError it means (pg and PGlite alike), or
 * undefined when it is not the client's doing (the caller answers 500).
 * The HTTP layer maps the code to a status like any other DomainError.
 */
export function domainErrorFromDatabase(error: unknown): DomainError | undefined {
  const db = sqlStateOf(error);
  if (!db) return undefined;
  switch (db.code) {
    case "23505": // unique_violation
    case "23P01": // exclusion_violation
    case "23503": // foreign_key_violation
    case "23001": // restrict_violation: still referenced
    case "23514": { // check_violation
      const known = db.constraint ? constraintErrors[db.constraint] : undefined;
      if (known) return new DomainError(known.code, known.message, known.field ? { field: known.field } : {});
      const code = db.code === "23514" ? "invalid_input" : "conflict";
      return new DomainError(code, `The change conflicts with existing data (${db.constraint ?? "constraint"})`);
    }
    case "40001": // serialization_failure
    case "40P01": // deadlock_detected
      return new DomainError("serialization_failure", "A concurrent change got there first; retry the request");
    case "57014": // statement_timeout (ROTA_STATEMENT_TIMEOUT_MS): the database was too slow or a lock was held too long
      return new DomainError("timeout", "The database did not answer in time; retry the request later");
    case "22P02": // invalid_text_representation
    case "22007": // invalid_datetime_format
    case "22008": // datetime_field_overflow
      return new DomainError("invalid_request", "A value has the wrong format");
    default:
      return undefined;
  }
}
