import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { runImport } from "../../../services/imports.ts";
import { Instant, StringEnum, TimeZoneName, Uuid, errorResponses, named } from "../../schemas.ts";

/*
 * POST /v1/imports: moving schedules in from PagerDuty, Opsgenie, Grafana
 * OnCall or an iCal rota (services/imports.ts). Its own plugin for its larger
 * body limit: a company's export with a quarter of overrides runs to megabytes.
 */

export const IMPORT_EXPORT_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

const ImportRequest = named(
  "ImportRequest",
  Type.Object(
    {
      from: StringEnum(["pagerduty", "opsgenie", "grafana", "ical"] as const, { description: "The system the export comes from" }),
      export: Type.Unknown({
        description: "The export: the JSON the old system's API returned, gathered as README “Moving from PagerDuty / Opsgenie / Grafana OnCall” shows (an object, or that JSON as a string); for `ical`, the calendar's text",
      }),
      oncalls: Type.Optional(
        Type.Unknown({
          description: "The old system's own on-call answers for a window (PagerDuty `/oncalls` or a schedule's `final_schedule`, Opsgenie's schedule `timeline`, Grafana OnCall's `final_shifts`): replayed against Rota's answers instant by instant. Not needed for `ical` (the calendar answers for itself).",
        }),
      ),
      apply: Type.Optional(Type.Boolean({ default: false, description: "false (default): a dry run that writes nothing; true: write it all in one transaction" })),
      createPeople: Type.Optional(Type.Boolean({ default: false, description: "Create the people no Rota person has the email of (as members, in the old system's zone)" })),
      mapping: Type.Optional(
        Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.String({ format: "email", maxLength: 320 }), {
          maxProperties: 10000,
          description: "Old user id (or, for iCal, a name as the events spell it) → the email of the person in Rota",
        }),
      ),
      teamId: Type.Optional(Type.Union([Uuid, Type.Null()], { description: "The team the imported schedules belong to" })),
      window: Type.Optional(
        Type.Object({ from: Type.String({ format: "date-time" }), to: Type.String({ format: "date-time" }) }, {
          additionalProperties: false,
          description: "The replay window where the answers do not carry one; for `ical`, the events to read (required). At most 400 days.",
        }),
      ),
      scheduleName: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "iCal: the imported schedule's name (default: the calendar's name)" })),
      timeZone: Type.Optional(TimeZoneName),
    },
    { additionalProperties: false },
  ),
);

const Finding = Type.Object(
  {
    kind: StringEnum(["skipped", "approximated", "not_represented", "note"] as const),
    code: Type.String(),
    place: Type.String({ description: "Where in the export: a JSON pointer, or “line N” / “VEVENT n” in iCal" }),
    message: Type.String(),
    scheduleRef: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const Replay = Type.Object(
  {
    scheduleRef: Type.String(),
    window: Type.Object({ start: Instant, end: Instant }),
    agreeHours: Type.Number(),
    disagreeHours: Type.Number(),
    verified: Type.Boolean({ description: "0 disagreements over the window" }),
    disagreements: Type.Array(
      Type.Object({
        start: Instant,
        end: Instant,
        expected: Type.Array(Type.String(), { description: "Who the old system had on (its user ids; empty: nobody)" }),
        actual: Type.Union([Type.String(), Type.Null()], { description: "Who Rota has on (the old user id; null: nobody)" }),
        rota: Type.Object({ kind: StringEnum(["layer", "override", "gap"] as const), layer: Type.Optional(Type.String()), override: Type.Optional(Type.String()) }),
        likelyBecause: Type.Array(Type.String(), { description: "Codes of the findings about this schedule" }),
      }),
    ),
  },
  { additionalProperties: false },
);

const ImportResult = named(
  "ImportResult",
  Type.Object(
    {
      system: Type.String(),
      applied: Type.Boolean(),
      people: Type.Array(
        Type.Object({
          ref: Type.String(),
          name: Type.String(),
          email: Type.String(),
          action: StringEnum(["match", "create", "missing"] as const),
          personId: Type.Union([Uuid, Type.Null()]),
        }),
      ),
      schedules: Type.Array(
        Type.Object({
          ref: Type.String(),
          name: Type.String(),
          action: StringEnum(["create", "update", "unchanged"] as const),
          id: Type.Union([Uuid, Type.Null()]),
          layers: Type.Integer(),
          overrides: Type.Object({ create: Type.Integer(), replace: Type.Integer(), unchanged: Type.Integer() }),
          nameTakenBy: Type.Union([Uuid, Type.Null()], {
            description: "Another schedule, not made by an import of this one, already has the name: `apply` answers 409 `schedule_name_taken` until one is renamed",
          }),
        }),
      ),
      findings: Type.Array(Finding),
      replay: Type.Array(Replay),
      verified: Type.Boolean({ description: "Every imported schedule replayed with 0 disagreements" }),
    },
    { additionalProperties: false },
  ),
);

export const importRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    "/imports",
    {
      bodyLimit: Math.max(IMPORT_EXPORT_BODY_LIMIT_BYTES, app.initialConfig.bodyLimit ?? 0),
      schema: {
        tags: ["imports"],
        summary: "Move schedules in from PagerDuty, Opsgenie, Grafana OnCall or an iCal rota, with a replay proof (admin)",
        description: [
          "Reads another system's export into Rota schedules: people by email, layers with their priority, restrictions and overrides, and lists in `findings` everything that could not be carried over exactly, with its place in the file.",
          "",
          "- **Dry run by default**: the answer shows what would be created, updated or left unchanged, and writes nothing. `apply: true` writes it all in one transaction.",
          "- **Replay proof**: with the old system's own answers (`oncalls`), each schedule is compared with Rota's answer instant by instant over their window: agreement in hours and every disagreement (who the old system had, who Rota has, where Rota's answer comes from, the findings that likely explain it). `verified` is true only at 0 disagreements. After `apply` the replay runs on the stored schedules.",
          "- **Idempotent**: imported schedules and overrides remember their old ids, so the same export again changes nothing (`unchanged`); a changed one updates them.",
          "- **People** are matched by email (any case). Missing ones are listed as `missing`, and `apply` refuses (422 `people_missing`) unless `createPeople` is true or `mapping` names an existing email.",
          "- **Bad exports** answer 422 naming the place in the file (`place`, and `errors[0].field` as `export/<JSON pointer>`): `wrong_system`, `truncated_export`, `unknown_field`, `invalid_export`, `missing_email`, `unknown_time_zone`. Nothing is written.",
          "",
          "The body may be up to 20 MB.",
        ].join("\n"),
        body: ImportRequest,
        response: { 200: ImportResult, ...errorResponses(400, 401, 403, 409, 413, 422) },
      },
    },
    async (request) => runImport(request.ctx, request.body),
  );
};
