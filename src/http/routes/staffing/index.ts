import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { createRequirement, deleteRequirement, listRequirements, updateRequirement } from "../../../services/staffing.ts";
import { ifMatchVersions, withEtag } from "../../etag.ts";
import { IdParams, Instant, Label, LocalTime, NoContent, TimeZoneName, Uuid, Weekday, errorResponses, named } from "../../schemas.ts";
import { Skill } from "../people/schemas.ts";

const tags = ["coverage"];

const Requirement = named(
  "StaffingRequirement",
  Type.Object(
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
  ),
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
function requirementView(r: Awaited<ReturnType<typeof listRequirements>>[number]) {
  const { startTime, endTime, ...rest } = r;
  return { ...rest, start: startTime, end: endTime };
}
/** A team's staffing requirements: "≥ N people (with label, with skill) then". */
export const staffingRoutes: FastifyPluginAsyncTypebox = async (app) => {

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
    async (request) => ({ items: (await listRequirements(request.ctx, request.params.id)).map(requirementView) }),
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
      const requirement = await createRequirement(request.ctx, request.params.id, request.body);
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
          await updateRequirement(request.ctx, request.params.id, request.params.requirementId, request.body, ifMatchVersions(request)),
        ),
      ),
  );

  app.delete(
    "/teams/:id/staffing-requirements/:requirementId",
    {
      schema: { tags, summary: "Delete a staffing requirement (admin or team lead)", params: RequirementParams, response: { 204: NoContent, ...errorResponses(400, 401, 403, 404) } },
    },
    async (request, reply) => {
      await deleteRequirement(request.ctx, request.params.id, request.params.requirementId);
      return reply.code(204).send(null);
    },
  );
};
