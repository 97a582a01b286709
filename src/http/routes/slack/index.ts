import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { DomainError } from "../../../domain/errors.ts";
import { answerOnCallCommand, authenticateSlackRequest, createWorkspace, listWorkspaces } from "../../../services/slack.ts";
import { Instant, Uuid, errorResponses, named } from "../../schemas.ts";

const tags = ["on-call"];

const Workspace = named(
  "SlackWorkspace",
  Type.Object(
    {
      id: Uuid,
      slackTeamId: Type.String(),
      name: Type.String(),
      defaultScheduleId: Type.Union([Uuid, Type.Null()]),
      signingSecretSet: Type.Boolean({ description: "The secret itself is never returned" }),
      createdAt: Instant,
      updatedAt: Instant,
    },
    { additionalProperties: false },
  ),
);

export const slackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Slack signs the exact bytes it sent: keep the form body as text and parse it after verifying.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => done(null, body));

  app.post(
    "/slack/commands",
    {
      config: { auth: false, ipRateLimit: true },
      schema: {
        tags,
        summary: "Slack slash command: /oncall [<schedule or team>] [at <time> | next | week], /oncall duty [skill], /oncall help",
        description:
          "Called by Slack, not by people: authenticated by `X-Slack-Signature` (v0 HMAC-SHA256 of `v0:{timestamp}:{body}` with the workspace's signing secret, constant-time compare) and `X-Slack-Request-Timestamp` within 5 minutes. Answers in Slack's message format, times in the caller's zone (the person whose chatUserId is `user_id`, else the schedule's); an unknown or ambiguous name gets an ephemeral message with close names. An answer not ready within ROTA_SLACK_DEADLINE_MS (2.5 s) is acknowledged with an ephemeral \"Working on it…\" and POSTed to `response_url` when ready, only if that URL starts with ROTA_SLACK_RESPONSE_URL_PREFIX (https://hooks.slack.com/); otherwise the answer is given inline.",
        security: [],
        consumes: ["application/x-www-form-urlencoded"],
        body: Type.String({ description: "The form Slack posts: token, team_id, channel_id, user_id, command, text, response_url, …" }),
        response: {
          200: Type.Object(
            { response_type: Type.String(), text: Type.String(), blocks: Type.Array(Type.Record(Type.String(), Type.Unknown())) },
            { description: "A Slack message" },
          ),
          ...errorResponses(400, 401, 415),
        },
      },
    },
    async (request) => {
      const { now } = request;
      const header = (name: string) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const result = await authenticateSlackRequest(app.db, app.secrets, {
        rawBody: request.body,
        timestamp: header("x-slack-request-timestamp"),
        signature: header("x-slack-signature"),
        now,
      });
      if ("failure" in result) {
        const { failure } = result;
        // The caller may be Slack itself: a secret this server cannot open is our fault, logged loudly, yet still a 401.
        if (!failure.ok && failure.reason === "secret_unreadable") {
          request.log.error({ reason: failure.reason, workspaceId: failure.workspaceId }, `rejected Slack request: ${failure.detail} (was ROTA_SECRET_KEY changed or unset? restore the key it was sealed with)`);
        } else request.log.warn({ reason: failure.ok ? "ok" : failure.reason }, "rejected Slack request");
        throw new DomainError("unauthorized", `The request is not a valid signed Slack request (${failure.ok ? "" : failure.reason})`);
      }
      const { workspace, form } = result;
      return app.slackResponder.respond(form, () => answerOnCallCommand(app.db, app.onCallCache, workspace, form, now), request.log);
    },
  );

  app.get(
    "/slack/workspaces",
    { schema: { tags, summary: "Connected Slack workspaces (admin)", response: { 200: Type.Object({ items: Type.Array(Workspace) }), ...errorResponses(401, 403) } } },
    async (request) => listWorkspaces(request.ctx),
  );

  app.post(
    "/slack/workspaces",
    {
      schema: {
        tags,
        summary: "Connect a Slack workspace: its team id, signing secret and default schedule (admin)",
        description: "The signing secret is stored encrypted (AES-256-GCM with `ROTA_SECRET_KEY`). A server without that key refuses with 503 `secret_key_missing` rather than store it in clear.",
        body: Type.Object(
          {
            slackTeamId: Type.String({ minLength: 1, maxLength: 50, examples: ["T0001"] }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            signingSecret: Type.String({ minLength: 16, maxLength: 200, description: "From the Slack app's Basic Information page; stored encrypted with ROTA_SECRET_KEY, never returned" }),
            defaultScheduleId: Type.Optional(Type.Union([Uuid, Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 201: Workspace, ...errorResponses(400, 401, 403, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => reply.code(201).send(await createWorkspace(request.ctx, request.body)),
  );
};
