import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { coverageCandidates, teamCoverage, teamHours } from "../../../services/coverage.ts";
import { windowCapText } from "../../../services/windows.ts";
import { IdParams, Instant, IntervalSchema, PersonName, Uuid, WindowQuery, errorResponses, named } from "../../schemas.ts";
import { Person, Skill } from "../people/schemas.ts";

const tags = ["coverage"];

const Shortfall = Type.Object(
  {
    requirementId: Uuid,
    label: Type.Union([Type.String(), Type.Null()]),
    skill: Type.Union([Type.String(), Type.Null()]),
    start: Instant,
    end: Instant,
    required: Type.Integer(),
    scheduled: Type.Integer(),
    shortfall: Type.Integer(),
    capacityChats: Type.Integer({ description: "scheduled × maxConcurrentChats" }),
    personIds: Type.Array(Uuid),
  },
  { additionalProperties: false },
);

const Coverage = named(
  "Coverage",
  Type.Object(
    {
      teamId: Uuid,
      timeZone: Type.String(),
      from: Instant,
      to: Instant,
      maxConcurrentChats: Type.Integer(),
      shortfalls: Type.Array(Shortfall, { description: "Per requirement, where scheduled headcount (net of approved time off) is below it" }),
      unstaffed: Type.Array(IntervalSchema, { description: "Support hours with nobody scheduled at all" }),
      capacity: Type.Array(
        Type.Object({ start: Instant, end: Instant, agents: Type.Integer(), chats: Type.Integer() }, { additionalProperties: false }),
        { description: "Agents on and chats they can take, over support hours (the whole window without them)" },
      ),
    },
    { additionalProperties: false },
  ),
);

const Candidates = named(
  "CoverageCandidates",
  Type.Object(
    {
      teamId: Uuid,
      start: Instant,
      end: Instant,
      week: Type.Object({ from: Instant, to: Instant }, { additionalProperties: false }),
      candidates: Type.Array(
        Type.Object({ person: Person, weekScheduledMinutes: Type.Number({ description: "Minutes already scheduled that week (team time)" }) }, { additionalProperties: false }),
      ),
    },
    { additionalProperties: false },
  ),
);

const Hours = named(
  "TeamHours",
  Type.Object(
    {
      teamId: Uuid,
      timeZone: Type.String(),
      from: Instant,
      to: Instant,
      people: Type.Array(
        Type.Object(
          {
            personId: Uuid,
            person: Type.Union([PersonName, Type.Null()]),
            totalMinutes: Type.Number(),
            weekdayMinutes: Type.Number(),
            weekendMinutes: Type.Number(),
            outsideSupportMinutes: Type.Number(),
            shiftCount: Type.Integer(),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
);
/** Coverage questions over a window: gaps against requirements and support hours, who could fill one, hours per person. */
export const coverageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/teams/:id/coverage",
    {
      schema: {
        tags,
        summary: "Coverage gaps: where scheduled headcount is below each requirement, and support hours with nobody on",
        description: `${windowCapText("coverage")} Intervals are cut exactly at requirement, shift and time-off boundaries.`,
        params: IdParams,
        querystring: Type.Object(WindowQuery, { additionalProperties: false }),
        response: { 200: Coverage, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => teamCoverage(request.ctx, request.params.id, new Date(request.query.from), new Date(request.query.to)),
  );

  app.get(
    "/teams/:id/coverage/candidates",
    {
      schema: {
        tags,
        summary: "Who could fill [start, end): free active members (with the skill), fewest hours that week first",
        description: windowCapText("candidates"),
        params: IdParams,
        querystring: Type.Object(
          {
            start: Type.String({ format: "date-time" }),
            end: Type.String({ format: "date-time" }),
            skill: Type.Optional(Skill),
          },
          { additionalProperties: false },
        ),
        response: { 200: Candidates, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) =>
      coverageCandidates(request.ctx, request.params.id, new Date(request.query.start), new Date(request.query.end), request.query.skill),
  );

  app.get(
    "/teams/:id/hours",
    {
      schema: {
        tags,
        summary: "Scheduled hours per person: weekday, weekend (team-local days) and outside support hours",
        description: windowCapText("hours"),
        params: IdParams,
        querystring: Type.Object(WindowQuery, { additionalProperties: false }),
        response: { 200: Hours, ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => teamHours(request.ctx, request.params.id, new Date(request.query.from), new Date(request.query.to)),
  );
};
