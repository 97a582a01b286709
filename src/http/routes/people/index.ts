import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { createPerson, deactivatePerson, getPerson, listPeople, updatePerson } from "../../../services/people.ts";
import { ifMatchVersions, withEtag } from "../../etag.ts";
import { IdParams, Page, errorResponses } from "../../schemas.ts";
import { peopleImportRoutes } from "./import.ts";
import { PeopleQuery, Person, PersonCreate, PersonPatch } from "./schemas.ts";

const tags = ["people"];

const PersonPage = Page(Person);

export const peopleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/people",
    {
      schema: {
        tags,
        summary: "List people (the company directory)",
        querystring: PeopleQuery,
        response: { 200: PersonPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      return listPeople(request.ctx, filter, { limit, cursor });
    },
  );

  app.post(
    "/people",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Add a person (admin; a lead may add members)",
        description: "Accepts `Idempotency-Key`.",
        body: PersonCreate,
        response: { 201: Person, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const person = await createPerson(request.ctx, request.body);
      reply.code(201).header("location", `/v1/people/${person.id}`);
      return withEtag(reply, person);
    },
  );

  app.get(
    "/people/:id",
    {
      schema: { tags, summary: "Get a person", params: IdParams, response: { 200: Person, ...errorResponses(400, 401, 404) } },
    },
    async (request, reply) => withEtag(reply, await getPerson(request.ctx, request.params.id)),
  );

  app.patch(
    "/people/:id",
    {
      schema: {
        tags,
        summary: "Change a person",
        description:
          "Admins change anything; people change their own name, email, timeZone, title and chatUserId; leads change title, skills and trainedAt of their teams' members. `If-Match` is optional (as on every write): send the ETag you read to avoid overwriting someone else's change (412 when stale).",
        params: IdParams,
        body: PersonPatch,
        response: { 200: Person, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await updatePerson(request.ctx, request.params.id, request.body, ifMatchVersions(request))),
  );

  app.delete(
    "/people/:id",
    {
      schema: {
        tags,
        summary: "Deactivate a person (admin)",
        description: "People are never deleted, so their history stays readable; this sets `active` to false and their tokens stop working.",
        params: IdParams,
        response: { 200: Person, ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await deactivatePerson(request.ctx, request.params.id, ifMatchVersions(request))),
  );

  // Its own scope: the CSV parser and the larger body limit apply to the import alone.
  await app.register(peopleImportRoutes);
};
