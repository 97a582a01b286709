import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { errorForLog } from "./error-log.ts";

/** What node-postgres raises: a message, a SQLSTATE, and fields that may repeat the data. */
function databaseError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error(String(fields.message)), fields);
}

describe("errorForLog", () => {
  const secret = "rota_Qm9vdHN0cmFwVG9rZW4tc2VjcmV0LXZhbHVl";

  it("keeps a failed query's SQL, SQLSTATE and constraint, drops its parameters and detail", () => {
    const cause = databaseError({
      message: 'duplicate key value violates unique constraint "api_tokens_hash_uq"',
      code: "23505",
      constraint: "api_tokens_hash_uq",
      table: "api_tokens",
      detail: `Key (token_hash)=(${secret}) already exists.`,
      where: `SQL statement with ${secret}`,
    });
    const error = new DrizzleQueryError('insert into "api_tokens" ("token_hash") values ($1)', [secret], cause);
    const logged = errorForLog(error);
    expect(JSON.stringify(logged)).not.toContain(secret);
    expect(logged).toMatchObject({ type: "DrizzleQueryError", message: 'Failed query: insert into "api_tokens" ("token_hash") values ($1)' });
    expect(logged.cause).toMatchObject({
      type: "DatabaseError",
      code: "23505",
      constraint: "api_tokens_hash_uq",
      message: 'duplicate key value violates unique constraint "api_tokens_hash_uq"',
    });
    expect(logged.stack).toMatch(/^DrizzleQueryError: Failed query: insert[^\n]*\n\s+at /);
  });

  it("masks the values PostgreSQL quotes in its message, keeps the identifiers it names", () => {
    const logged = errorForLog(databaseError({ message: `invalid input syntax for type uuid: "${secret}"`, code: "22P02", routine: "string_to_uuid" }));
    expect(logged.message).toBe('invalid input syntax for type uuid: "…"');
    const named = errorForLog(databaseError({ message: 'null value in column "name" of relation "teams" violates not-null constraint', code: "23502", column: "name", table: "teams" }));
    expect(named.message).toBe('null value in column "name" of relation "teams" violates not-null constraint');
  });

  it("leaves an ordinary error's message and frames alone", () => {
    const logged = errorForLog(new RangeError("Invalid time value"));
    expect(logged).toMatchObject({ type: "RangeError", message: "Invalid time value" });
    expect(logged.stack).toMatch(/^RangeError: Invalid time value\n\s+at /);
  });
});
