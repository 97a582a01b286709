import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { domainErrorFromDatabase } from "../../db/errors.ts";
import { DomainError } from "../../domain/errors.ts";
import { formatMessages } from "../validation.ts";

const PROBLEM_BASE = "https://rota.dev/problems/";

/** Every stable error code and its HTTP status. Unlisted codes are a bug: they log and map to 422. */
export const statusByCode: Record<string, number> = {
  // The request does not match its schema (types, formats, required fields): `errors` names each field.
  validation: 400,
  // Time-engine input errors (src/domain): well-formed requests with values that cannot work.
  invalid_input: 422,
  invalid_date: 422,
  invalid_instant: 422,
  invalid_interval: 422,
  invalid_rrule: 422,
  invalid_time: 422,
  invalid_turn_length: 422,
  invalid_window: 422,
  never_matches: 422,
  no_participants: 422,
  unknown_time_zone: 422,
  window_too_large: 422,
  // People, teams and schedules.
  incomplete_working_hours: 422,
  invalid_shift_rules: 422,
  unknown_person: 422,
  // Shifts and coverage.
  person_not_member: 422,
  shift_too_short: 422,
  shift_misaligned: 422,
  outside_support_hours: 422,
  self_scheduling_disabled: 403,
  shift_overlaps: 409,
  person_on_time_off: 409,
  // Chat duty.
  invalid_month: 422,
  hours_required: 422,
  same_slot: 422,
  slot_of_other_program: 422,
  not_eligible: 422,
  training_required: 409,
  booking_not_open: 409,
  booking_closed: 409,
  quota_exceeded: 409,
  slot_full: 409,
  slot_closed: 409,
  slot_started: 409,
  booking_overlaps: 409,
  already_booked: 409,
  cutoff_passed: 409,
  seats_below_bookings: 409,
  // Time off and swaps.
  invalid_transition: 409,
  time_off_started: 409,
  time_off_in_past: 422,
  invalid_time_off_window: 422,
  not_in_time_off: 422,
  invalid_substitute: 422,
  invalid_swap: 422,
  oncall_window_required: 422,
  // Calendars.
  unknown_subject_kind: 422,
  time_off_needs_person: 422,
  invalid_calendar_target: 422,
  invalid_idempotency_key: 422,
  swap_exists: 409,
  not_your_assignment: 422,
  assignment_started: 409,
  assignment_changed: 409,
  assignment_overlaps: 409,
  invalid_request: 400,
  malformed_json: 400,
  invalid_cursor: 400,
  unauthorized: 401,
  invalid_sign_in_link: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  unsupported_media_type: 415,
  body_too_large: 413,
  too_many_rows: 413,
  // Imports (POST /v1/imports): the export itself is wrong; `place` points into the file.
  wrong_system: 422,
  truncated_export: 422,
  unknown_field: 422,
  invalid_export: 422,
  missing_email: 422,
  people_missing: 422,
  invalid_rows: 422,
  conflict: 409,
  email_taken: 409,
  team_name_taken: 409,
  schedule_name_taken: 409,
  already_member: 409,
  last_admin: 409,
  team_has_future_assignments: 409,
  team_in_use: 409,
  calendar_target_exists: 409,
  idempotency_in_progress: 409,
  idempotency_secret_unavailable: 409,
  precondition_failed: 412,
  idempotency_key_reused: 422,
  person_not_lead: 422,
  person_inactive: 422,
  serialization_failure: 409,
  // Limits (src/http/plugins/limits.ts, server timeouts, PostgreSQL statement_timeout).
  rate_limited: 429,
  timeout: 503,
  // Server configuration: no ROTA_SECRET_KEY, so secrets cannot be stored (never in clear).
  secret_key_missing: 503,
  request_timeout: 408,
  uri_too_long: 414,
  headers_too_large: 431,
};

const titles: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  412: "Precondition failed",
  413: "Payload too large",
  415: "Unsupported media type",
  422: "Unprocessable content",
  500: "Internal server error",
  503: "Service unavailable",
  408: "Request timeout",
  414: "URI too long",
  429: "Too many requests",
  431: "Request header fields too large",
};

export interface FieldError {
  field: string;
  in?: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

/** The standard members always win over extras, so a detail named `status` cannot corrupt the response. */
export function problem(code: string, status: number, detail: string, extra: Record<string, unknown> = {}): ProblemBody {
  return { ...extra, type: PROBLEM_BASE + code, title: titles[status] ?? "Error", status, detail, code };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type("application/problem+json").send(body);
}

export interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Ajv's errors as fields and messages (nested fields dotted: `teams.0.team`), each once. */
export function fieldErrors(validation: AjvError[], context: string | undefined): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const e of validation) {
    let path = (e.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".");
    let message = e.message ?? "is invalid";
    if (e.keyword === "required" && typeof e.params?.missingProperty === "string") {
      path = path ? `${path}.${e.params.missingProperty}` : e.params.missingProperty;
      message = "is required";
    } else if (e.keyword === "additionalProperties" && typeof e.params?.additionalProperty === "string") {
      path = path ? `${path}.${e.params.additionalProperty}` : e.params.additionalProperty;
      message = "is not a known field";
    } else if (e.keyword === "enum" && Array.isArray(e.params?.allowedValues)) {
      message = `must be one of ${(e.params.allowedValues as unknown[]).join(", ")}`;
    } else if (e.keyword === "format" && typeof e.params?.format === "string" && formatMessages[e.params.format]) {
      message = formatMessages[e.params.format]!;
    }
    const field = path || (context ?? "body");
    const key = `${field}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ field, in: context, message });
  }
  return result;
}

/** Fastify's own client errors (bad JSON, body too large, wrong media type). */
function fromFastify(error: FastifyError): ProblemBody | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return problem("malformed_json", 400, "The request body is not valid JSON");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return problem("malformed_json", 400, "The request has a JSON content type but an empty body");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return problem("body_too_large", 413, "The request body is larger than the server accepts");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return problem("unsupported_media_type", 415, "Send the request body as application/json");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return problem("invalid_request", 400, "Content-Length does not match the body");
    case "FST_ERR_MAX_PARAM_LENGTH":
      return problem("uri_too_long", 414, "A path segment is longer than the server accepts (100 characters)");
    case "FST_ERR_BAD_URL":
      return problem("invalid_request", 400, "The URL is not valid (bad percent-encoding?)");
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return problem("malformed_json", 400, "The request body is not valid JSON");
  }
  if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
    return problem("invalid_request", error.statusCode, error.message);
  }
  return undefined;
}

export function problemFor(error: unknown, request: FastifyRequest): ProblemBody {
  // A database error the client caused (src/db/errors.ts) answers like any other DomainError.
  if (!(error instanceof DomainError)) error = domainErrorFromDatabase(error) ?? error;
  if (error instanceof DomainError) {
    let status = statusByCode[error.code];
    if (status === undefined) {
      request.log.warn({ code: error.code }, "domain error code has no HTTP status; add it to statusByCode");
      status = 422;
    }
    const extra: Record<string, unknown> = { ...error.details };
    if (error.field) extra.errors = [{ field: error.field, message: error.message }];
    return problem(error.code, status, error.message, extra);
  }
  const fastifyError = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const errors = fieldErrors(fastifyError.validation, fastifyError.validationContext);
    const detail = errors.map((e) => `${e.field} ${e.message}`).join("; ");
    return problem("validation", 400, detail || "The request is invalid", { errors });
  }
  return fromFastify(fastifyError) ?? problem("internal", 500, "Something went wrong on our side; the request id identifies it in the logs");
}

/**
 * Fastify's `frameworkErrors`: the router's own refusals (a path segment over
 * maxParamLength → 414, bad percent-encoding → 400) answer through the same map.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const body = problemFor(error, request);
  request.log.info({ code: body.code, status: body.status }, "request rejected");
  void sendProblem(reply, { ...body, instance: request.url.split("?")[0] });
}

/**
 * Fastify's `clientErrorHandler`: errors Node's HTTP parser raises before
 * there is a request (headers over maxHeaderSize → 431, a request not sent in
 * time → 408, malformed HTTP → 400) are written to the socket as problem+json.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: { destroyed: boolean; writable: boolean; write(data: string): unknown; destroy(error?: Error): unknown }): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const body =
    error.code === "HPE_HEADER_OVERFLOW"
      ? problem("headers_too_large", 431, "The request line and headers are larger than the server accepts (16 KiB)")
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? problem("request_timeout", 408, "The request was not received in time")
        : problem("invalid_request", 400, "The request is not valid HTTP");
  if (socket.writable) {
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${body.status} ${body.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}

/** One place turning every failure into RFC 9457 problem+json. */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error, request, reply) => {
    const body = problemFor(error, request);
    if (body.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: body.code, status: body.status }, "request rejected");
    return sendProblem(reply, { ...body, instance: request.url.split("?")[0] });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem("not_found", 404, `No route ${request.method} ${request.url.split("?")[0]}`)),
  );
});
