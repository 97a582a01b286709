import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getMe } from "../../../services/people.ts";
import { withEtag } from "../../etag.ts";
import { Uuid, errorResponses, named } from "../../schemas.ts";
import { personFields } from "../people/schemas.ts";

const Me = named(
  "Me",
  Type.Object(
    {
      ...personFields,
      ledTeamIds: Type.Array(Uuid, { description: "Teams this person leads" }),
    },
    { additionalProperties: false },
  ),
);

export const meRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/me",
    { schema: { tags: ["people"], summary: "The caller", response: { 200: Me, ...errorResponses(401) } } },
    async (request, reply) => {
      const ctx = request.ctx;
      return withEtag(reply, { ...(await getMe(ctx)), ledTeamIds: [...ctx.actor.ledTeamIds] });
    },
  );
};
