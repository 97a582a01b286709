import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { expandSupportHours, getSupportHours, putSupportHours } from "../../../services/support-hours.ts";
import { windowCapText } from "../../../services/windows.ts";
import { ifMatchVersions, withEtag } from "../../etag.ts";
import { HoursException, IdParams, IntervalSchema, LocalTime, Uuid, Weekday, WindowQuery, errorResponses, named } from "../../schemas.ts";

const tags = ["coverage"];

const SupportHoursWindow = named(
  "SupportHoursWindow",
  Type.Object(
    {
      days: Type.Array(Weekday, { minItems: 1, maxItems: 7 }),
      start: LocalTime,
      end: Type.Unsafe<string>({ ...LocalTime, description: "HH:mm; at or before start means the next day (22:00–06:00)" }),
    },
    { additionalProperties: false },
  ),
);

const SupportHours = named(
  "SupportHours",
  Type.Object(
    {
      teamId: Uuid,
      timeZone: Type.String(),
      configured: Type.Boolean({ description: "False when the team has none: shifts are then not checked against support hours" }),
      allWeek: Type.Boolean(),
      windows: Type.Array(SupportHoursWindow),
      exceptions: Type.Array(HoursException),
      version: Type.Integer(),
    },
    { additionalProperties: false },
  ),
);

const SupportHoursInput = Type.Object(
  {
    allWeek: Type.Optional(Type.Boolean({ description: "24/7 (apart from exceptions); windows must then be empty" })),
    windows: Type.Optional(Type.Array(SupportHoursWindow, { maxItems: 50 })),
    exceptions: Type.Optional(Type.Array(HoursException, { maxItems: 500, description: "Closed days, or special hours replacing that day's windows" })),
  },
  { additionalProperties: false },
);

/** A team's support hours: weekly windows and dated exceptions in the team's zone, and their expansion to instants. */
export const supportHoursRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/teams/:id/support-hours",
    { schema: { tags, summary: "A team's support hours", params: IdParams, response: { 200: SupportHours, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => withEtag(reply, await getSupportHours(request.ctx, request.params.id)),
  );

  app.put(
    "/teams/:id/support-hours",
    {
      schema: {
        tags,
        summary: "Replace a team's support hours (admin or team lead)",
        description:
          "Weekly windows in the team's zone (`end` at or before `start` crosses midnight), or `allWeek` for 24/7, plus dated exceptions. An empty body clears them. Shares the team's ETag: `If-Match` (optional, as on every write) carries the team's version; a stale one is 412.",
        params: IdParams,
        body: SupportHoursInput,
        response: { 200: SupportHours, ...errorResponses(400, 401, 403, 404, 412, 422) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await putSupportHours(request.ctx, request.params.id, request.body, ifMatchVersions(request))),
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
    async (request) => expandSupportHours(request.ctx, request.params.id, new Date(request.query.from), new Date(request.query.to)),
  );
};
