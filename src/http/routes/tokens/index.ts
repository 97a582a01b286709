import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { signOut } from "../../../services/sign-in.ts";
import { createToken, listTokens, revokeToken } from "../../../services/tokens.ts";
import { IdParams, Instant, PageQuery, Page, Uuid, errorResponses, named } from "../../schemas.ts";

const tags = ["tokens"];

const tokenFields = {
  id: Uuid,
  personId: Uuid,
  name: Type.String(),
  prefix: Type.String({ description: "The token's first characters, to tell tokens apart" }),
  createdAt: Instant,
  lastUsedAt: Type.Union([Instant, Type.Null()], { description: "Updated at most once a minute" }),
  revokedAt: Type.Union([Instant, Type.Null()]),
};

const ApiToken = named("ApiToken", Type.Object(tokenFields, { additionalProperties: false }));

export const NewApiToken = named(
  "NewApiToken",
  Type.Object(
    { ...tokenFields, token: Type.String({ description: "The secret. Shown only in this response; store it now." }) },
    { additionalProperties: false },
  ),
);

const ApiTokenPage = Page(ApiToken);

export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/tokens",
    {
      schema: {
        tags,
        summary: "List API tokens (yours; an admin may pass personId)",
        querystring: Type.Object({ ...PageQuery, personId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 200: ApiTokenPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, personId } = request.query;
      return listTokens(request.ctx, personId, { limit, cursor });
    },
  );

  app.post(
    "/tokens",
    {
      // The secret is shown once: never stored with the key, so a retry cannot replay it.
      config: { idempotent: { secretFields: ["token"] } },
      schema: {
        tags,
        summary: "Create an API token (for yourself; an admin may create one for anyone)",
        description:
          "The secret (`token`) is in this response only and is never stored. Accepts `Idempotency-Key`; a retry cannot return the secret again and answers 409 `idempotency_secret_unavailable` with `createdId`: revoke that token and create another with a new key.",
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100, description: "What the token is for, e.g. `slack bot`" }), personId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: { 201: NewApiToken, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const token = await createToken(request.ctx, request.body);
      return reply.code(201).send(token);
    },
  );

  app.delete(
    "/tokens/current",
    {
      schema: {
        tags,
        summary: "Sign out: revoke the token this request is made with",
        response: { 200: ApiToken, ...errorResponses(401) },
      },
    },
    async (request) => signOut(request.ctx),
  );

  app.delete(
    "/tokens/:id",
    {
      schema: {
        tags,
        summary: "Revoke an API token (yours, or any as admin)",
        params: IdParams,
        response: { 200: ApiToken, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => revokeToken(request.ctx, request.params.id),
  );
};
