import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { parse as parseCsv } from "csv-parse/sync";
import type { FastifyRequest } from "fastify";
import { DomainError } from "../../../domain/errors.ts";
import {
  MAX_IMPORT_ROWS,
  importPeople,
  type ImportInput,
  type ImportPerson,
  type ImportRow,
  type ImportRowError,
  type PeopleImport,
} from "../../../services/people-import.ts";
import { charsetOf } from "../../plugins/json-body.ts";
import { fieldErrors, type AjvError } from "../../plugins/errors.ts";
import { baseUrl } from "../../public-url.ts";
import { errorResponses } from "../../schemas.ts";
import { PeopleImportCsv, PeopleImportJson, PeopleImportQuery, PeopleImportResult } from "./schemas.ts";

/*
 * POST /v1/people/import reads the file (JSON or CSV) into rows, checks each
 * row against the same schema as POST /v1/people (so formats are the same),
 * and hands the rows with their format errors, by line, to the service,
 * which adds every other error before deciding. Its own plugin, so the CSV
 * parser and the larger body limit stop at this route.
 */

/** 5,000 people of a few hundred bytes each fit with room to spare; the server's own limit applies if larger. */
export const IMPORT_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

type ValidationError = Error & { validation?: AjvError[]; validationContext?: string };

/** A CSV user knows columns, not the JSON paths their cells became: `teams.1.team` is the teams column. */
const column = (field: string) => field.split(".")[0]!;

/** One message per field: a union's alternatives ("must be string", "must be null") joined, anyOf's own summary dropped. */
function rowFieldErrors(errors: AjvError[], line: number, csv: boolean): ImportRowError[] {
  const byField = new Map<string, string[]>();
  for (const e of fieldErrors(
    errors.filter((e) => e.keyword !== "anyOf"),
    "body",
  )) {
    const field = e.field === "body" ? "row" : csv ? column(e.field) : e.field;
    byField.set(field, [...(byField.get(field) ?? []), e.message]);
  }
  return [...byField].map(([field, messages]) => ({ line, field, message: [...new Set(messages)].join(" or ") }));
}

/** Ajv's errors about `/people/<i>/…` as row errors; anything else is about the whole body. */
function splitErrors(validation: AjvError[], lineOf: (index: number) => number, csv: boolean) {
  const byRow = new Map<number, AjvError[]>();
  const body: AjvError[] = [];
  for (const e of validation) {
    const m = /^\/people\/(\d+)(\/.*)?$/.exec(e.instancePath ?? "");
    if (m) byRow.set(Number(m[1]), [...(byRow.get(Number(m[1])) ?? []), { ...e, instancePath: m[2] ?? "" }]);
    // Too many rows is the service's 413, which names the limit.
    else if (!(e.keyword === "maxItems" && e.instancePath === "/people")) body.push(e);
  }
  const rows = [...byRow].flatMap(([index, errors]) => rowFieldErrors(errors, lineOf(index), csv));
  return { rows, body };
}

/**
 * The rows for the service: a row's fields with format errors are left out,
 * so the service still checks the rest of it (a bad role and an unknown team
 * on one line are both reported); a row without a usable email is left out whole.
 */
function rowsOf(people: unknown[], errors: readonly ImportRowError[], lineOf: (index: number) => number): ImportRow[] {
  const badFields = new Map<number, Set<string>>();
  for (const e of errors) badFields.set(e.line, (badFields.get(e.line) ?? new Set()).add(e.field.split(".")[0]!));
  return people.map((value, i) => {
    const line = lineOf(i);
    const bad = badFields.get(line);
    if (!bad) return { line, person: value as ImportPerson };
    if (bad.has("email") || bad.has("row") || typeof value !== "object" || value === null) return { line, person: null };
    return { line, person: Object.fromEntries(Object.entries(value).filter(([field]) => !bad.has(field))) as ImportPerson, malformed: [...bad] };
  });
}

/** A JSON body, which Fastify validated with `attachValidation`: row errors go on by index, body errors are the usual 400. */
function readJson(request: FastifyRequest): ImportInput {
  const failed = request.validationError as ValidationError | undefined;
  const { rows: errors, body } = splitErrors(failed?.validation ?? [], (i) => i, false);
  if (body.length > 0) throw Object.assign(new Error("invalid body"), { validation: body, validationContext: "body", statusCode: 400 });
  // `null` or a bare list is refused above by the schema; read defensively all the same.
  const people = (request.body as { people?: unknown[] } | null)?.people ?? [];
  return { rows: rowsOf(people, errors, (i) => i), errors };
}

const CSV_FIELDS = ["name", "email", "timeZone", "role", "title", "skills", "active", "chatUserId", "trainedAt", "workingDays", "workingStart", "workingEnd", "teams"] as const;
type CsvField = (typeof CSV_FIELDS)[number];
/** `Time zone`, `time_zone` and `TIMEZONE` all name timeZone. */
const columnKey = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, "");
const FIELD_BY_COLUMN = new Map<string, CsvField>(CSV_FIELDS.map((f) => [columnKey(f), f]));

const list = (cell: string) =>
  cell
    .split(";")
    .map((v) => v.trim())
    .filter((v) => v !== "");

/** A cell as the JSON value it stands for; what cannot be read stays text, and the schema says why. */
function cellValue(field: CsvField, cell: string): unknown {
  switch (field) {
    case "skills":
    case "workingDays":
      return list(cell);
    case "teams":
      return list(cell).map((ref) => {
        const colon = ref.lastIndexOf(":");
        const flag = colon > 0 ? ref.slice(colon + 1).trim().toLowerCase() : "";
        return flag === "lead" || flag === "member" ? { team: ref.slice(0, colon).trim(), lead: flag === "lead" } : { team: ref };
      });
    case "active":
      return /^(true|yes|1)$/i.test(cell) ? true : /^(false|no|0)$/i.test(cell) ? false : cell;
    default:
      return cell;
  }
}

/** A CSV body: a header row, then a person a row. Errors name the file's line numbers. */
function readCsv(request: FastifyRequest): ImportInput {
  const errors: ImportRowError[] = [];
  const records = parseCsv(request.body as string, {
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    // A malformed line (a stray quote, a cell too many) is one more bad row, not the end of the report.
    skip_records_with_error: true,
    on_skip: (error) => {
      if (error) errors.push({ line: Number(error.lines), field: "row", message: error.message });
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  // info.lines is where a record ends; a quoted cell may span lines, and the record starts that many lines up.
  const startLine = ({ record, info }: (typeof records)[number]) => info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
  const [header, ...body] = records;
  if (!header) throw new DomainError("invalid_rows", "The file is empty: it needs a header row (name,email,timeZone,…) and a row per person", { field: "body" });

  const headerLine = startLine(header);
  const columns: (CsvField | undefined)[] = header.record.map((name) => FIELD_BY_COLUMN.get(columnKey(name)));
  header.record.forEach((name, i) => {
    const field = columns[i];
    if (!field) errors.push({ line: headerLine, field: name || `column ${i + 1}`, message: `is not a known column (use ${CSV_FIELDS.join(", ")})` });
    else if (columns.indexOf(field) !== i) errors.push({ line: headerLine, field, message: "is a column twice" });
  });
  if (!columns.includes("email")) errors.push({ line: headerLine, field: "email", message: "The header has no email column: people are matched by email" });
  if (errors.some((e) => e.line === headerLine)) return { rows: [], errors };

  const lines = body.map(startLine);
  const people = body.map(({ record }) => {
    const person: Record<string, unknown> = {};
    record.forEach((cell, i) => {
      const field = columns[i]!;
      if (cell !== "") person[field] = cellValue(field, cell);
    });
    return person;
  });
  if (people.length > MAX_IMPORT_ROWS) return { rows: rowsOf(people, [], (i) => lines[i]!), errors };
  const validate = request.compileValidationSchema(PeopleImportJson, "body");
  validate({ people });
  const split = splitErrors((validate.errors ?? []) as AjvError[], (i) => lines[i]!, true);
  // A malformed line (on_skip) is not among `records`, so it has no row of its own here.
  return { rows: rowsOf(people, split.rows, (i) => lines[i]!), errors: [...errors, ...split.rows], fieldOf: column };
}

const isCsv = (request: FastifyRequest) => /^text\/csv\s*(;|$)/i.test(String(request.headers["content-type"] ?? ""));

/** A created person's link secret as the URL to hand them (the secret after `#`, never sent to a server). */
function withLinkUrls(result: PeopleImport, base: string) {
  return {
    ...result,
    rows: result.rows.map(({ signInLink, ...row }) => (signInLink ? { ...row, signInLink: { url: `${base}/sign-in#${signInLink.secret}`, expiresAt: signInLink.expiresAt } } : row)),
  };
}

export const peopleImportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addContentTypeParser("text/csv", { parseAs: "buffer" }, (request, body, done) => {
    const charset = charsetOf(request.headers["content-type"]);
    if (charset !== undefined && charset !== "utf-8") {
      done(new DomainError("unsupported_media_type", `Send CSV as UTF-8 (charset=${charset} is not accepted)`), undefined);
      return;
    }
    try {
      done(null, utf8.decode(body as Buffer));
    } catch {
      done(new DomainError("invalid_request", "The CSV file is not valid UTF-8 (save it as \"CSV UTF-8\")"), undefined);
    }
  });

  app.post(
    "/people/import",
    {
      bodyLimit: Math.max(IMPORT_BODY_LIMIT_BYTES, app.initialConfig.bodyLimit ?? 0),
      // Format errors of rows are reported with the service's, by line, in one answer.
      attachValidation: true,
      schema: {
        tags: ["people"],
        summary: "Import people from a JSON or CSV file (admin; a lead within a lead's rights)",
        description: [
          "Creates and updates up to 5,000 people at once, matched by email (any case), with their team memberships and lead flags. Running the same file again changes nothing (every row `unchanged`, no audit entries, no version bumps).",
          "",
          "- **All or nothing**: any bad row (a bad zone, email, role or working hours, an unknown team, the same email twice) answers 422 `validation` listing **every** bad row in `errors` as `{ line, field, message }`, and nothing is written. `line` is the CSV line (the header is line 1) or the index in `people` (from 0).",
          "- **Rights**: each row is judged as the single writes it amounts to (adding a person, changing their fields, adding them to a team, setting a lead flag, making a sign-in link), by the rules of those routes. A row that asks for what you may not do makes the answer 403 `forbidden`, listing every refused row (and any other bad row) the same way. Rows that change nothing need no right.",
          "- **Teams** are named by name (any case) or id and must exist. Listed teams are joined and their lead flag set as listed (`lead` defaults to false); memberships the file does not list are left alone.",
          "- `?dryRun=true` answers the same plan (each row `create`, `update` with its changes old → new, or `unchanged`, and the membership changes) or the same errors, writing nothing.",
          "- `?issueSignInLinks=true` returns a one-time sign-in link (valid 24 h) in the row of each person created.",
          "",
          "No `Idempotency-Key`: the import is idempotent by email, so send the same file again (links are made only for people created, so a repeat makes none; use `POST /v1/people/{id}/sign-in-links`). The body may be up to 5 MB; more than 5,000 rows is 413 `too_many_rows`.",
        ].join("\n"),
        querystring: PeopleImportQuery,
        body: { content: { "application/json": { schema: PeopleImportJson }, "text/csv": { schema: PeopleImportCsv } } } as never,
        response: { 200: PeopleImportResult, ...errorResponses(400, 401, 403, 413, 415, 422) },
      },
    },
    async (request) => {
      if (request.validationError && (request.validationError as ValidationError).validationContext !== "body") throw request.validationError;
      const batch = isCsv(request) ? readCsv(request) : readJson(request);
      return withLinkUrls(await importPeople(request.ctx, batch, request.query), baseUrl(request, app.publicUrl));
    },
  );
};
