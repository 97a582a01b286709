/**
 * How an error appears in the log: its class, a message with no values in
 * it, its code (a SQLSTATE for database errors), the constraint, table and
 * column it names, and the stack. Never the query's parameters, PostgreSQL's
 * `detail` ("Key (token_hash)=(…)", "Failing row contains (…)") or `where`:
 * those carry whatever the request wrote, a token's hash or a Slack signing
 * secret included.
 */

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  cause?: unknown;
  code?: unknown;
  statusCode?: unknown;
  query?: unknown;
  params?: unknown;
  constraint?: unknown;
  schema?: unknown;
  table?: unknown;
  column?: unknown;
  dataType?: unknown;
  routine?: unknown;
}

/** Fields a database error may carry that name the schema, never the data. */
const SCHEMA_FIELDS = ["constraint", "schema", "table", "column", "dataType", "routine"] as const;
const MAX_CAUSES = 4;

function isErrorLike(value: unknown): value is ErrorLike {
  return value instanceof Error || (typeof value === "object" && value !== null && "message" in value && "stack" in value);
}

function isSqlState(code: unknown): code is string {
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * drizzle's "Failed query: <sql>\nparams: <values>" keeps only the SQL (its
 * values are bind parameters, never inlined). PostgreSQL quotes the values it
 * echoes (`invalid input syntax for type uuid: "…"`): a quoted part stays only
 * when it is one of the identifiers the error names.
 */
function safeMessage(error: ErrorLike): string {
  const message = typeof error.message === "string" ? error.message : "";
  if (typeof error.query === "string" && message.startsWith("Failed query: ")) return `Failed query: ${error.query}`;
  const withoutParams = message.split(/\nparams:/)[0] ?? "";
  if (!isSqlState(error.code)) return withoutParams;
  const identifiers = new Set(SCHEMA_FIELDS.map((f) => error[f]).filter((v): v is string => typeof v === "string"));
  return withoutParams.replace(/"([^"]*)"/g, (quoted, inner: string) => (identifiers.has(inner) ? quoted : '"…"'));
}

/** The frames only: the stack's first lines repeat the message, params included. */
function safeStack(error: ErrorLike, header: string): string | undefined {
  if (typeof error.stack !== "string") return undefined;
  const message = typeof error.message === "string" ? error.message : "";
  const name = typeof error.name === "string" ? error.name : "Error";
  const start = `${name}: ${message}`;
  const rest = error.stack.startsWith(start) ? error.stack.slice(start.length) : error.stack;
  const frames = rest.split("\n").filter((line) => /^\s+at /.test(line));
  return [header, ...frames].join("\n");
}

interface LoggedError {
  type: string;
  message: string;
  stack: string;
  [field: string]: unknown;
}

function describe(error: ErrorLike, depth: number): LoggedError {
  // Both drivers raise pg-protocol's DatabaseError; PGlite's bundle minifies the class name.
  const type = isSqlState(error.code)
    ? "DatabaseError"
    : typeof error.constructor === "function" && error.constructor.name
      ? error.constructor.name
      : String(error.name ?? "Error");
  const message = safeMessage(error);
  const out: LoggedError = { type, message, stack: safeStack(error, `${type}: ${message}`) ?? "" };
  if (typeof error.code === "string" || typeof error.code === "number") out.code = error.code;
  if (typeof error.statusCode === "number") out.statusCode = error.statusCode;
  for (const field of SCHEMA_FIELDS) if (typeof error[field] === "string") out[field] = error[field];
  if (depth < MAX_CAUSES && isErrorLike(error.cause)) out.cause = describe(error.cause, depth + 1);
  return out;
}

/** pino's `serializers.err`. */
export function errorForLog(error: unknown): LoggedError {
  return isErrorLike(error) ? describe(error, 0) : { type: typeof error, message: String(error), stack: "" };
}
