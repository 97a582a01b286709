import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Db } from "../../../db/client.ts";
import { coverageCandidates, teamCoverage, teamHours } from "../../../services/coverage.ts";
import { createRequirement, deleteRequirement, listRequirements, updateRequirement } from "../../../services/staffing.ts";
import { expandSupportHours, getSupportHours, putSupportHours } from "../../../services/support-hours.ts";
import { windowCapText } from "../../../services/windows.ts";
import { ifMatchVersions, withEtag } from "../../etag.ts";
import { contextOf } from "../../plugins/auth.ts";
import {
  IdParams,
  Instant,
  IntervalSchema,
  Label,
  LocalDate,
  LocalTime,
  NoContent,
  Uuid,
  Weekday,
  WindowQuery,
  TimeZoneName,
  errorResponses,
} from "../../schemas.ts";
import { Person, Skill } from "../people/schemas.ts";

const tags = ["coverage"];

const WeeklyWindow = Type.Object(
  {
    days: Type.Array(Weekday, { minItems: 1, maxItems: 7 }),
    start: LocalTime,
    end: Type.Unsafe<string>({ ...LocalTime, description: "HH:mm; at or before start means the next day (22:00–06:00)" }),
  },
  { additionalProperties: false },
);

const HoursException = Type.Union([
  Type.Object({ date: LocalDate, closed: Type.Literal(true) }, { additionalProperties: false }),
  Type.Object({ date: LocalDate, start: LocalTime, end: LocalTime, closed: Type.Optional(Type.Literal(false)) }, { additionalProperties: false }),
]);

const SupportHours = Type.Object(
  {
    teamId: Uuid,
    timeZone: Type.String(),
    configured: Type.Boolean({ description: "False when the team has none: shifts are then not checked against support hours" }),
    allWeek: Type.Boolean(),
    windows: Type.Array(WeeklyWindow),
    exceptions: Type.Array(HoursException),
    version: Type.Integer(),
  },
  { additionalProperties: false },
);

const SupportHoursInput = Type.Object(
  {
    allWeek: Type.Optional(Type.Boolean({ description: "24/7 (apart from exceptions); windows must then be empty" })),
    windows: Type.Optional(Type.Array(WeeklyWindow, { maxItems: 50 })),
    exceptions: Type.Optional(Type.Array(HoursException, { maxItems: 500, description: "Closed days, or special hours replacing that day's windows" })),
  },
  { additionalProperties: false },
);

const Requirement = Type.Object(
  {
    id: Uuid,
    teamId: Uuid,
    days: Type.Array(Type.String()),
    start: Type.String(),
    end: Type.String(),
    timeZone: Type.Union([Type.String(), Type.Null()], { description: "null: the team's zone" }),
    headcount: Type.Integer(),
    label: Type.Union([Type.String(), Type.Null()]),
    skill: Type.Union([Type.String(), Type.Null()]),
    createdAt: Instant,
    updatedAt: Instant,
    version: Type.Integer(),
  },
  { additionalProperties: false },
);

const requirementFields = {
  days: Type.Array(Weekday, { minItems: 1, maxItems: 7 }),
  start: LocalTime,
  end: LocalTime,
  timeZone: Type.Union([TimeZoneName, Type.Null()]),
  headcount: Type.Integer({ minimum: 1, maximum: 1000 }),
  label: Type.Union([Label, Type.Null()]),
  skill: Type.Union([Skill, Type.Null()]),
};

const RequirementCreate = Type.Object(
  {
    days: requirementFields.days,
    start: requirementFields.start,
    end: requirementFields.end,
    headcount: requirementFields.headcount,
    timeZone: Type.Optional(requirementFields.timeZone),
    label: Type.Optional(requirementFields.label),
    skill: Type.Optional(requirementFields.skill),
  },
  { additionalProperties: false },
);

const RequirementParams = Type.Object({ id: Uuid, requirementId: Uuid }, { additionalProperties: false });

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

const Coverage = Type.Object(
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
);

const Candidates = Type.Object(
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
);

const Hours = Type.Object(
  {
    teamId: Uuid,
    timeZone: Type.String(),
    from: Instant,
    to: Instant,
    people: Type.Array(
      Type.Object(
        {
          personId: Uuid,
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
);

function requirementView(r: Awaited<ReturnType<typeof listRequirements>>[number]) {
  const { startTime, endTime, ...rest } = r;
  return { ...rest, start: startTime, end: endTime };
}

export const teamScheduleRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    "/teams/:id/support-hours",
    { schema: { tags, summary: "A team's support hours", params: IdParams, response: { 200: SupportHours, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => withEtag(reply, await getSupportHours(contextOf(request, db), request.params.id)),
  );

  app.put(
    "/teams/:id/support-hours",
    {
      schema: {
        tags,
        summary: "Replace a team's support hours (admin or team lead)",
        description:
          "Weekly windows in the team's zone (`end` at or before `start` crosses midnight), or `allWeek` for 24/7, plus dated exceptions. An empty body clears them. Shares the team's ETag: send `If-Match`.",
        params: IdParams,
        body: SupportHoursInput,
        response: { 200: SupportHours, ...errorResponses(400, 401, 403, 404, 412, 422) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await putSupportHours(contextOf(request, db), request.params.id, request.body, ifMatchVersions(request))),
  );

  app.get(
    "/teams/:id/support-hours/expanded",
    {
      schema: {
        tags,
        summary: "Support hours as UTC intervals in [from, to)",
        description: windowCapText("supportHours"),
        params: IdParams,
        querystring: Type.Object(WindowQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ timeZone: Type.String(), intervals: Type.Array(IntervalSchema) }), ...errorResponses(400, 401, 404, 422) },
      },
    },
    async (request) => expandSupportHours(contextOf(request, db), request.params.id, new Date(request.query.from), new Date(request.query.to)),
  );

  app.get(
    "/teams/:id/staffing-requirements",
    {
      schema: {
        tags,
        summary: "A team's staffing requirements",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Requirement) }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => ({ items: (await listRequirements(contextOf(request, db), request.params.id)).map(requirementView) }),
  );

  app.post(
    "/teams/:id/staffing-requirements",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Add a staffing requirement (admin or team lead)",
        description: "“≥ headcount people (with label, with skill) on these days between start and end local time”, e.g. ≥ 1 `french` 08:00–12:00 Europe/Paris.",
        params: IdParams,
        body: RequirementCreate,
        response: { 201: Requirement, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const requirement = await createRequirement(contextOf(request, db), request.params.id, request.body);
      reply.code(201).header("location", `/v1/teams/${request.params.id}/staffing-requirements/${requirement.id}`);
      return withEtag(reply, requirementView(requirement));
    },
  );

  app.patch(
    "/teams/:id/staffing-requirements/:requirementId",
    {
      schema: {
        tags,
        summary: "Change a staffing requirement (admin or team lead)",
        params: RequirementParams,
        body: Type.Partial(Type.Object(requirementFields), { additionalProperties: false, minProperties: 1 }),
        response: { 200: Requirement, ...errorResponses(400, 401, 403, 404, 412, 422) },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        requirementView(
          await updateRequirement(contextOf(request, db), request.params.id, request.params.requirementId, request.body, ifMatchVersions(request)),
        ),
      ),
  );

  app.delete(
    "/teams/:id/staffing-requirements/:requirementId",
    {
      schema: { tags, summary: "Delete a staffing requirement (admin or team lead)", params: RequirementParams, response: { 204: NoContent, ...errorResponses(400, 401, 403, 404) } },
    },
    async (request, reply) => {
      await deleteRequirement(contextOf(request, db), request.params.id, request.params.requirementId);
      return reply.code(204).send(null);
    },
  );

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
    async (request) => teamCoverage(contextOf(request, db), request.params.id, new Date(request.query.from), new Date(request.query.to)),
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
      coverageCandidates(contextOf(request, db), request.params.id, new Date(request.query.start), new Date(request.query.end), request.query.skill),
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
    async (request) => teamHours(contextOf(request, db), request.params.id, new Date(request.query.from), new Date(request.query.to)),
  );
};
