import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { createSignInLink, exchangeSignInLink } from "../../../services/sign-in.ts";
import { baseUrl } from "../../public-url.ts";
import { IdParams, Instant, Uuid, errorResponses, named } from "../../schemas.ts";
import { NewApiToken } from "../tokens/index.ts";

const tags = ["sign-in"];

const SignInLink = named(
  "SignInLink",
  Type.Object(
    {
      id: Uuid,
      personId: Uuid,
      expiresAt: Instant,
      url: Type.String({ description: "Open once, within 24 hours, to sign in to the web app. Shown only in this response." }),
    },
    { additionalProperties: false },
  ),
);

export const signInRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    "/people/:id/sign-in-links",
    {
      config: { idempotent: { secretFields: ["url"] } },
      schema: {
        tags,
        summary: "Make a one-time web sign-in link for a person (an admin, or a lead of their team)",
        description: "Valid for 24 hours and one use. The secret is in the URL's fragment (`/sign-in#rotalink_…`), which browsers never send to a server. Send it to the person over a channel you trust.",
        params: IdParams,
        response: { 201: SignInLink, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { secret, ...link } = await createSignInLink(request.ctx, request.params.id);
      return reply.code(201).send({ ...link, url: `${baseUrl(request, app.publicUrl)}/sign-in#${secret}` });
    },
  );

  app.post(
    "/sign-in",
    {
      config: { auth: false, ipRateLimit: true },
      schema: {
        tags,
        summary: "Exchange a sign-in link's secret for an API token (what the web app does when the link is opened)",
        description: "Once per link: an unknown, used or expired link is 401 `invalid_sign_in_link`. The token is in this response only; `DELETE /v1/tokens/current` signs out.",
        security: [],
        body: Type.Object({ link: Type.String({ minLength: 1, maxLength: 200, description: "The part of the link after `#`" }) }, { additionalProperties: false }),
        response: { 201: NewApiToken, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => reply.code(201).send(await exchangeSignInLink(app.db, request.body.link, request.now)),
  );
};
