import { Type, type TSchema, type TUnsafe } from "typebox";

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

export const Problem = Type.Object(
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
          message: Type.String(),
        }),
      ),
    ),
  },
  { additionalProperties: true, description: "RFC 9457 problem details (application/problem+json)" },
);

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: "Page size (1–200, default 50)" })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: "`nextCursor` from the previous page" })),
};

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: "Pass as `cursor` for the next page; null on the last page" }),
  });
}

const problemDescriptions: Record<number, string> = {
  400: "Malformed request: a field, parameter or the JSON itself (problem+json names the fields)",
  401: "No token, or an unknown or revoked one",
  403: "Your role does not allow this",
  404: "Not found",
  409: "Conflicts with the current state (duplicate, overlap, concurrent change)",
  412: "If-Match does not match the current version",
  413: "Body too large",
  415: "Body is not JSON",
  422: "Well-formed but not acceptable (e.g. an unknown time zone); problem+json names the field",
  429: "Too many requests: over the per-token write or per-IP limit; Retry-After says when to retry",
  503: "Unavailable",
};

/** Standard error responses for a route, so the OpenAPI document lists them. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: problemDescriptions[s] ?? "Error", content: { "application/problem+json": { schema: Problem } } },
    ]),
  ) as Record<number, { description: string; content: { "application/problem+json": { schema: typeof Problem } } }>;
}

/** 204 responses. */
export const NoContent = Type.Null({ description: "No content" });

export const LocalTime = Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", description: "Local wall-clock time HH:mm (24:00 = end of day)", examples: ["07:00"] });
export const LocalDate = Type.String({ format: "date", description: "Local calendar date YYYY-MM-DD (1970–2199)" });
export const Weekday = StringEnum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const);
export const Label = Type.String({ pattern: "^[a-z0-9][a-z0-9_-]{0,39}$", description: "Queue or role label, e.g. `chat`, `email`" });
export const IntervalSchema = Type.Object({ start: Instant, end: Instant }, { additionalProperties: false });
/** `from`/`to` query parameters: a half-open window of instants. */
export const WindowQuery = {
  from: Type.String({ format: "date-time", description: "Window start (inclusive), ISO 8601" }),
  to: Type.String({ format: "date-time", description: "Window end (exclusive), ISO 8601" }),
};
