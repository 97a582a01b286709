import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { createPattern, deletePattern, getPattern, listPatterns } from "../../../services/shift-patterns.ts";
import { IdParams, Instant, Label, LocalTime, Page, PageQuery, Uuid, errorResponses, named } from "../../schemas.ts";

const tags = ["shifts"];

const ShiftPattern = named(
  "ShiftPattern",
  Type.Object(
    {
      id: Uuid,
      teamId: Uuid,
      personId: Uuid,
      rrule: Type.String(),
      start: Type.String({ description: "First occurrence, local YYYY-MM-DDTHH:mm in the team's zone" }),
      endTime: Type.String(),
      label: Type.Union([Type.String(), Type.Null()]),
      outsideSupportHours: Type.Boolean(),
      skippedOccurrences: Type.Array(Type.String(), { description: "Occurrences deleted one by one" }),
      materializedUntil: Type.Union([Instant, Type.Null()], { description: "Shifts exist for occurrences starting before this" }),
      createdBy: Type.Union([Uuid, Type.Null()]),
      createdAt: Instant,
      updatedAt: Instant,
      version: Type.Integer(),
    },
    { additionalProperties: false },
  ),
);

const Skipped = Type.Object(
  { occurrence: Type.String(), start: Instant, end: Instant, code: Type.String(), detail: Type.String() },
  { additionalProperties: false },
);

type PatternRow = Awaited<ReturnType<typeof getPattern>>;
function patternView({ startLocal, ...rest }: PatternRow) {
  return { ...rest, start: startLocal };
}

const ShiftPatternPage = Page(ShiftPattern);

export const shiftPatternRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/shift-patterns",
    {
      schema: {
        tags,
        summary: "List recurring shift patterns",
        querystring: Type.Object({ ...PageQuery, teamId: Type.Optional(Uuid), personId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 200: ShiftPatternPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      const page = await listPatterns(request.ctx, filter, { limit, cursor });
      return { ...page, items: page.items.map(patternView) };
    },
  );

  app.post(
    "/shift-patterns",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Create a recurring shift pattern and its shifts for the next 8 weeks",
        description:
          "\"Alice, Mon/Wed 07:00–11:00 team time, from 2026-12-01 until 2027-03-31\" is `{ rrule: \"FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270331\", start: \"2026-12-01T07:00\", endTime: \"11:00\" }`. Occurrences are evaluated on the wall clock in the team's zone (DST-correct) and become shifts, checked like any shift; ones that cannot be placed are skipped and listed. A job keeps shifts materialised 8 weeks ahead.",
        body: Type.Object(
          {
            teamId: Uuid,
            personId: Type.Optional(Uuid),
            rrule: Type.String({ minLength: 6, maxLength: 500, examples: ["FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270331"] }),
            start: Type.String({ format: "local-date-time", description: "First occurrence, local YYYY-MM-DDTHH:mm (1970–2199)" }),
            endTime: LocalTime,
            label: Type.Optional(Type.Union([Label, Type.Null()])),
            outsideSupportHours: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object(
            { pattern: ShiftPattern, created: Type.Integer({ description: "Shifts created now" }), skipped: Type.Array(Skipped) },
            { additionalProperties: false },
          ),
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const { pattern, materialization } = await createPattern(request.ctx, request.body);
      reply.code(201).header("location", `/v1/shift-patterns/${pattern.id}`);
      return { pattern: patternView(pattern), created: materialization.created, skipped: materialization.skipped };
    },
  );

  app.get(
    "/shift-patterns/:id",
    { schema: { tags, summary: "Get a shift pattern", params: IdParams, response: { 200: ShiftPattern, ...errorResponses(400, 401, 404) } } },
    async (request) => patternView(await getPattern(request.ctx, request.params.id)),
  );

  app.delete(
    "/shift-patterns/:id",
    {
      schema: {
        tags,
        summary: "Delete a pattern and its future unedited shifts (past and edited ones stay)",
        params: IdParams,
        response: { 200: Type.Object({ deletedShifts: Type.Integer() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => deletePattern(request.ctx, request.params.id),
  );
};
