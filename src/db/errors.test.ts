import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { constraintViolationOf, domainErrorFromDatabase } from "./errors.ts";
import * as schema from "./schema/index.ts";

/** What the drivers raise (node-postgres and PGlite alike): a message with a SQLSTATE, wrapped by drizzle. */
function driverError(code: string, constraint?: string): Error {
  return new Error("Failed query", { cause: Object.assign(new Error("violation"), { code, constraint }) });
}

describe("domainErrorFromDatabase", () => {
  it("a duplicate schedule name is schedule_name_taken naming `name`", () => {
    const error = domainErrorFromDatabase(driverError("23505", "schedules_name_lower_uq"));
    expect(error).toMatchObject({ code: "schedule_name_taken", field: "name" });
  });

  it("every unique index and unique constraint in the schema has its own entry", () => {
    const names = (Object.values(schema) as unknown[])
      .filter((value): value is PgTable => value instanceof PgTable)
      .flatMap((table) => {
        const config = getTableConfig(table);
        return [
          ...config.indexes.filter((index) => index.config.unique).map((index) => index.config.name),
          ...config.uniqueConstraints.map((unique) => unique.name),
          ...config.columns.filter((column) => column.isUnique).map((column) => column.uniqueName),
        ];
      });
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) {
      const error = domainErrorFromDatabase(driverError("23505", name));
      expect(error?.message, name).not.toMatch(/conflicts with existing data/);
    }
  });

  it("the child tables' keys and person/team references have entries: a clash is a retry, an unknown id names its field", () => {
    const children = [schema.swapLegs, schema.scheduleLayerParticipants, schema.scheduleLayerChangeParticipants, schema.dutyProgramTeams, schema.dutyProgramPeople];
    let references = 0;
    for (const table of children) {
      const config = getTableConfig(table);
      expect(config.primaryKeys.length, config.name).toBe(1);
      for (const key of config.primaryKeys) {
        expect(domainErrorFromDatabase(driverError("23505", key.getName()))?.message, key.getName()).not.toMatch(/conflicts with existing data/);
      }
      // References to people and teams: an id that names nobody (the parent reference is the repository's own).
      for (const fk of config.foreignKeys.filter((fk) => [schema.people, schema.teams].includes(fk.reference().foreignTable as never))) {
        expect(domainErrorFromDatabase(driverError("23503", fk.getName()))?.message, fk.getName()).not.toMatch(/conflicts with existing data/);
        references++;
      }
    }
    expect(references).toBe(4);
  });

  it("an unknown participant is unknown_person on `layers`, as the service's own check answers", () => {
    expect(domainErrorFromDatabase(driverError("23503", "schedule_layer_participants_person_id_people_id_fk"))).toMatchObject({ code: "unknown_person", field: "layers" });
    expect(domainErrorFromDatabase(driverError("23503", "duty_program_teams_team_id_teams_id_fk"))).toMatchObject({ code: "not_found", field: "eligibleTeamIds" });
  });

  it.each([
    ["23P01", "overlap"],
    ["23505", "duplicate"],
    ["23503", "reference"],
    ["23001", "reference"],
    ["23514", "check"],
    ["23502", "not_null"],
    ["40001", undefined],
  ])("constraintViolationOf(SQLSTATE %s) → %s", (code, expected) => {
    expect(constraintViolationOf(driverError(code))).toBe(expected);
  });

  it.each([
    ["40001", "serialization_failure"],
    ["40P01", "serialization_failure"],
    ["57014", "timeout"],
    ["22P02", "invalid_request"],
    ["22007", "invalid_request"],
    ["22008", "invalid_request"],
    ["23514", "invalid_input"],
    ["23503", "conflict"],
  ])("SQLSTATE %s → %s", (code, expected) => {
    expect(domainErrorFromDatabase(driverError(code))?.code).toBe(expected);
  });

  it("anything else is not the client's doing: undefined (a 500)", () => {
    expect(domainErrorFromDatabase(driverError("53300"))).toBeUndefined();
    expect(domainErrorFromDatabase(new Error("no SQLSTATE"))).toBeUndefined();
  });
});
