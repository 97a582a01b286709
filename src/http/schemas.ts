import { Type, type Static, type TSchema, type TUnsafe } from "typebox";

/** Every schema given a name with `named`, by `$id`, in the order they were named. */
const namedSchemas = new Map<string, TSchema & { $id: string }>();
/** Set once an app has read the names: Fastify copies its schemas into each plugin as it is registered. */
let sealed = false;

/**
 * A schema shared by `$ref`: it is listed once in openapi.yaml's
 * components.schemas (under its `$id`) and every use refers to it. Give
 * resources a name; leave one-off shapes inline. The reference keeps the
 * schema's static type, so handlers are typed as if it were inline.
 * src/http/plugins/schemas.ts hands the named schemas to Fastify (for
 * fast-json-stringify and @fastify/swagger), which hands them to Ajv
 * (src/http/validation.ts). Name schemas at module level, not inside a
 * route plugin: by then the app has been given the names.
 */
export function named<T extends TSchema>(id: string, schema: T): TUnsafe<Static<T>> {
  if (namedSchemas.has(id)) throw new Error(`Two schemas are named ${id}`);
  if (sealed) throw new Error(`Schema ${id} is named after an app was built: name it at module level`);
  namedSchemas.set(id, { ...schema, $id: id });
  return ref<Static<T>>(id);
}

function ref<T>(id: string): TUnsafe<T> {
  return Type.Unsafe<T>({ $ref: id });
}

/** The schemas `named` has collected, each with its `$id`. */
export function sharedSchemas(): (TSchema & { $id: string })[] {
  sealed = true;
  return [...namedSchemas.values()];
}

/** A string enum that shows as `type: string, enum: [...]` in OpenAPI. */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

export const Uuid = Type.String({ format: "uuid" });
/** An instant: ISO 8601 with `Z` or an offset, 1970–2199 (src/domain/supported-range.ts); responses always use UTC with `Z`. */
export const Instant = Type.Unsafe<Date | string>({ type: "string", format: "date-time" });
export const TimeZoneName = Type.String({
  minLength: 1,
  maxLength: 64,
  description: "IANA time zone name, e.g. `Europe/London` (abbreviations such as `PST` are rejected)",
  examples: ["America/Los_Angeles"],
});
export const Email = Type.String({ format: "email", maxLength: 320 });

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

/** Who a report line is about, so a reader needs no second lookup (their times are best read in their zone). */
export const PersonName = named(
  "PersonName",
  Type.Object({ id: Uuid, name: Type.String(), timeZone: Type.String() }, { additionalProperties: false }),
);

export const Problem = named(
  "Problem",
  Type.Object(
    {
      type: Type.String({ description: "Stable URI naming the failure, e.g. https://rota.dev/problems/validation" }),
      title: Type.String(),
      status: Type.Integer(),
      detail: Type.String(),
      code: Type.String({ description: "snake_case error code, the last segment of `type`" }),
      instance: Type.Optional(Type.String()),
      errors: Type.Optional(
        Type.Array(
          Type.Object({
            field: Type.String(),
            in: Type.Optional(Type.String()),
            line: Type.Optional(Type.Integer({ description: "For a batch (POST /v1/people/import): the row's line in a CSV file (the header is line 1), or its index in a JSON array (from 0)" })),
            message: Type.String(),
          }),
        ),
      ),
    },
    { additionalProperties: true, description: "RFC 9457 problem details (application/problem+json)" },
  ),
);

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: "Page size (1–200, default 50)" })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: "`nextCursor` from the previous page" })),
};

/** A page of items; a page of a named schema is named too (`PersonPage` for `Person`), so call it at module level. */
export function Page<T extends TSchema>(item: T) {
  const page = Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: "Pass as `cursor` for the next page; null on the last page" }),
  });
  const itemId = (item as { $ref?: unknown }).$ref;
  if (typeof itemId !== "string") return page;
  const id = `${itemId}Page`;
  return namedSchemas.has(id) ? ref<Static<typeof page>>(id) : named(id, page);
}

/** The standard error responses: each is components.responses.<name> in openapi.yaml (src/http/openapi.ts). */
export const problemResponses: Record<number, { name: string; description: string }> = {
  400: { name: "BadRequest", description: "Malformed request: a field, parameter or the JSON itself (problem+json names the fields)" },
  401: { name: "Unauthorized", description: "No token, or an unknown or revoked one" },
  403: { name: "Forbidden", description: "Your role does not allow this" },
  404: { name: "NotFound", description: "Not found" },
  409: { name: "Conflict", description: "Conflicts with the current state (duplicate, overlap, concurrent change)" },
  412: { name: "PreconditionFailed", description: "If-Match does not match the current version" },
  413: { name: "PayloadTooLarge", description: "Body too large" },
  415: { name: "UnsupportedMediaType", description: "Body is not JSON" },
  422: { name: "UnprocessableContent", description: "Well-formed but not acceptable (e.g. an unknown time zone); problem+json names the field" },
  429: { name: "TooManyRequests", description: "Too many requests: over the per-token write or per-IP limit; Retry-After says when to retry" },
  503: { name: "Unavailable", description: "Unavailable" },
};

/** Standard error responses for a route, so the OpenAPI document lists them. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: problemResponses[s]?.description ?? "Error", content: { "application/problem+json": { schema: Problem } } },
    ]),
  ) as Record<number, { description: string; content: { "application/problem+json": { schema: typeof Problem } } }>;
}

/** 204 responses. */
export const NoContent = Type.Null({ description: "No content" });

export const LocalTime = Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", description: "Local wall-clock time HH:mm (24:00 = end of day)", examples: ["07:00"] });
export const LocalDate = Type.String({ format: "date", description: "Local calendar date YYYY-MM-DD (1970–2199)" });
export const Weekday = StringEnum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const);
export const Label = Type.String({ pattern: "^[a-z0-9][a-z0-9_-]{0,39}$", description: "Queue or role label, e.g. `chat`, `email`" });
/** Weekly hours in some zone (a duty program's, a rotation layer's restrictions): these days, start to end local time. */
export const WeeklyWindow = named(
  "WeeklyWindow",
  Type.Object({ days: Type.Array(Weekday, { minItems: 1, maxItems: 7 }), start: LocalTime, end: LocalTime }, { additionalProperties: false }),
);
/** A dated exception to weekly hours: closed that day, or these hours instead. */
export const HoursException = named(
  "HoursException",
  Type.Union([
    Type.Object({ date: LocalDate, closed: Type.Literal(true) }, { additionalProperties: false }),
    Type.Object({ date: LocalDate, start: LocalTime, end: LocalTime, closed: Type.Optional(Type.Literal(false)) }, { additionalProperties: false }),
  ]),
);
export const IntervalSchema = Type.Object({ start: Instant, end: Instant }, { additionalProperties: false });
/** `from`/`to` query parameters: a half-open window of instants. */
export const WindowQuery = {
  from: Type.String({ format: "date-time", description: "Window start (inclusive), ISO 8601" }),
  to: Type.String({ format: "date-time", description: "Window end (exclusive), ISO 8601" }),
};

/** What a published calendar (an iCal feed, a Google sync target) is of. */
export const CalendarSubjectKind = StringEnum(["person", "team", "schedule", "duty_program"] as const);

/** The same options, each optional: the body of a create or a change. */
export function optionalEventOptions(options: ReturnType<typeof calendarEventOptions>) {
  return {
    includeTimeOff: Type.Optional(options.includeTimeOff),
    includeGaps: Type.Optional(options.includeGaps),
    includeFreeSeats: Type.Optional(options.includeFreeSeats),
    includeCoworkers: Type.Optional(options.includeCoworkers),
    showAsFree: Type.Optional(options.showAsFree),
    pastDays: Type.Optional(options.pastDays),
    futureDays: Type.Optional(options.futureDays),
  };
}

/** The options that pick a published calendar's events; `what` names the calendar in the descriptions. */
export function calendarEventOptions(what: string, defaults: { pastDays: number; futureDays: number }) {
  return {
    includeTimeOff: Type.Boolean({ description: `Person ${what}: approved time off as “Away” events (default false)` }),
    includeGaps: Type.Boolean({ description: `Schedule ${what}: gaps as “No one on call” events (default false)` }),
    includeFreeSeats: Type.Boolean({ description: `Duty program ${what}: slots with free seats too (default false: booked slots only)` }),
    includeCoworkers: Type.Boolean({ description: "Name who else is on the same shift or slot (default true)" }),
    showAsFree: Type.Boolean({ description: "The events do not block the calendar (iCal TRANSP:TRANSPARENT, Google transparency transparent; default false)" }),
    pastDays: Type.Integer({ minimum: 0, maximum: 366, description: `Days back (default ${defaults.pastDays}, at most 366)` }),
    futureDays: Type.Integer({ minimum: 1, maximum: 732, description: `Days ahead (default ${defaults.futureDays}, at most 732)` }),
  };
}
