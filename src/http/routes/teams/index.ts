import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  addMember,
  createTeam,
  deleteTeam,
  getTeam,
  listMembers,
  listTeams,
  removeMember,
  updateMember,
  updateTeam,
} from "../../../services/teams.ts";
import { ifMatchVersions, withEtag } from "../../etag.ts";
import { IdParams, NoContent, Page, errorResponses } from "../../schemas.ts";
import { MemberCreate, MemberParams, MemberPatch, MembersQuery, Membership, Team, TeamCreate, TeamPatch, TeamsQuery } from "./schemas.ts";

const tags = ["teams"];

const TeamPage = Page(Team);
const MembershipPage = Page(Membership);

export const teamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/teams",
    { schema: { tags, summary: "List teams", querystring: TeamsQuery, response: { 200: TeamPage, ...errorResponses(400, 401) } } },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      return listTeams(request.ctx, filter, { limit, cursor });
    },
  );

  app.post(
    "/teams",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Create a team (admin or lead; a lead becomes its lead)",
        description: "Accepts `Idempotency-Key`.",
        body: TeamCreate,
        response: { 201: Team, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const team = await createTeam(request.ctx, request.body);
      reply.code(201).header("location", `/v1/teams/${team.id}`);
      return withEtag(reply, team);
    },
  );

  app.get(
    "/teams/:id",
    { schema: { tags, summary: "Get a team", params: IdParams, response: { 200: Team, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => withEtag(reply, await getTeam(request.ctx, request.params.id)),
  );

  app.patch(
    "/teams/:id",
    {
      schema: {
        tags,
        summary: "Change a team (admin or team lead)",
        description: "`If-Match` is optional (as on every write): send the ETag you read and a stale one is a 412.",
        params: IdParams,
        body: TeamPatch,
        response: { 200: Team, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await updateTeam(request.ctx, request.params.id, request.body, ifMatchVersions(request))),
  );

  app.delete(
    "/teams/:id",
    {
      schema: {
        tags,
        summary: "Delete a team (admin or team lead)",
        description: "Removes the team and its memberships; the audit log keeps the record. Refused with 409 while the team has future assignments.",
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      await deleteTeam(request.ctx, request.params.id, ifMatchVersions(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/teams/:id/members",
    {
      schema: {
        tags,
        summary: "List a team's members",
        params: IdParams,
        querystring: MembersQuery,
        response: { 200: MembershipPage, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { limit = 50, cursor } = request.query;
      return listMembers(request.ctx, request.params.id, { limit, cursor });
    },
  );

  app.post(
    "/teams/:id/members",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Add a member (admin; a team lead adds people in no team or only in teams they lead, never an admin)",
        params: IdParams,
        body: MemberCreate,
        response: { 201: Membership, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const membership = await addMember(request.ctx, request.params.id, request.body);
      reply.code(201).header("location", `/v1/teams/${membership.teamId}/members/${membership.personId}`);
      return membership;
    },
  );

  app.patch(
    "/teams/:id/members/:personId",
    {
      schema: {
        tags,
        summary: "Make a member lead or not (admin or team lead; an admin's membership: admins only)",
        params: MemberParams,
        body: MemberPatch,
        response: { 200: Membership, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => updateMember(request.ctx, request.params.id, request.params.personId, request.body),
  );

  app.delete(
    "/teams/:id/members/:personId",
    {
      schema: {
        tags,
        summary: "Remove a member (admin or team lead, not of an admin; anyone may leave)",
        params: MemberParams,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await removeMember(request.ctx, request.params.id, request.params.personId);
      return reply.code(204).send(null);
    },
  );
};
