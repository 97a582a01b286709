import { Ajv, type Options } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifyInstance } from "fastify";
import { FIRST_SUPPORTED_YEAR, LAST_SUPPORTED_YEAR, isSupportedInstant, isSupportedYear } from "../domain/supported-range.ts";
import { rejectNulBytes } from "./nul-bytes.ts";

// ajv-formats is CommonJS; under NodeNext its default import is the function itself.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const range = `${FIRST_SUPPORTED_YEAR}–${LAST_SUPPORTED_YEAR}`;

/** What a value of each of our string formats must look like, as the 400 says it. */
export const formatMessages: Record<string, string> = {
  "date-time": `must be an instant such as 2026-03-01T09:00:00Z (seconds 00–59, a Z or ±hh:mm offset, years ${range})`,
  date: `must be a date YYYY-MM-DD that exists (years ${range})`,
  "year-month": `must be a month YYYY-MM (years ${range})`,
  "local-date-time": `must be a local date-time YYYY-MM-DDTHH:mm that exists (years ${range})`,
};

function isRealDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A real date in a supported year (for dates, months and local date-times, which have no offset). */
function isCalendarDate(year: number, month: number, day: number): boolean {
  return isSupportedYear(year) && isRealDate(year, month, day);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEAR_MONTH = /^(\d{4})-(\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 instant that `new Date()` represents exactly: no leap second
 * (PostgreSQL and Date cannot hold 23:59:60), no hour 24, no 30 February, an
 * offset under a day, and inside the supported range once in UTC.
 */
export function isInstant(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // The range applies to the instant, once the offset is applied, not to the local fields.
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return false;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const [h, mi] = [Number(m[10]), Number(m[11])];
    if (h > 23 || mi > 59) return false;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (h * 60 + mi);
  }
  const millis = m[7] ? Number(m[7].slice(1, 4).padEnd(3, "0")) : 0;
  const expected = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  // Whatever the route does next is `new Date(value)`: it must read the same instant.
  return new Date(value).getTime() === expected && isSupportedInstant(expected);
}

function isDate(value: string): boolean {
  const m = DATE.exec(value);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

function isYearMonth(value: string): boolean {
  const m = YEAR_MONTH.exec(value);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), 1);
}

function isLocalDateTime(value: string): boolean {
  const m = LOCAL_DATE_TIME.exec(value);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) && Number(m[4]) <= 23 && Number(m[5]) <= 59;
}

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    // Fastify's default strips unknown fields silently; we reject them so typos surface.
    removeAdditional: false,
    strict: false,
    ...options,
  });
  addFormats(ajv);
  // Ours replace ajv-formats' date-time and date: every date field is checked once, here.
  ajv.addFormat("date-time", { type: "string", validate: isInstant });
  ajv.addFormat("date", { type: "string", validate: isDate });
  ajv.addFormat("year-month", { type: "string", validate: isYearMonth });
  ajv.addFormat("local-date-time", { type: "string", validate: isLocalDateTime });
  return ajv;
}

/**
 * Bodies are JSON and must have the declared types ("5" is not a number);
 * query strings and path parameters are text, so they are coerced.
 */
export function configureValidation(app: FastifyInstance): void {
  const body = makeAjv({ coerceTypes: false });
  const text = makeAjv({ coerceTypes: "array" });
  // Fastify hands a custom compiler no shared schemas: a `$ref` resolves against the root's `addSchema`s, copied in here.
  const added = new Set<string>();
  app.setValidatorCompiler(({ schema, httpPart }) => {
    for (const [id, shared] of Object.entries(app.getSchemas())) {
      if (added.has(id)) continue;
      body.addSchema(shared as object, id);
      text.addSchema(shared as object, id);
      added.add(id);
    }
    return (httpPart === "body" ? body : text).compile(schema);
  });
  app.addHook("preValidation", rejectNulBytes);
}
