import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import {
  createCalendarTarget,
  getCalendarTarget,
  listCalendarTargets,
  removeCalendarTarget,
  requestCalendarSync,
  updateCalendarTarget,
} from "../../../services/calendar-targets.ts";
import { ifMatchVersions, withEtag } from "../../etag.ts";
import { CalendarSubjectKind, IdParams, Instant, NoContent, Page, PageQuery, StringEnum, Uuid, calendarEventOptions, errorResponses, optionalEventOptions, named } from "../../schemas.ts";

const tags = ["calendars"];

const SubjectKind = CalendarSubjectKind;
const Status = StringEnum(["pending", "ok", "retrying", "failed", "removing"] as const, {
  description:
    "pending: not synced yet; ok: the last sync succeeded; retrying: the last attempt failed and a retry is queued; failed: it stopped (retries used up: the job is in the dead-letter queue; or a fault only a person can mend, such as revoked credentials) — `lastError` says which, POST …/sync tries again; removing: deleted, Rota's events are being taken out of the calendar",
});

const options = calendarEventOptions("targets", { pastDays: 7, futureDays: 90 });

const Credentials = Type.Union([
  Type.Object(
    {
      kind: Type.Literal("service_account"),
      serviceAccountKey: Type.Record(Type.String(), Type.Unknown(), {
        description: "The service account's JSON key file as downloaded from Google Cloud (type, client_email, private_key…)",
      }),
      delegatedUser: Type.Optional(
        Type.String({ format: "email", maxLength: 320, description: "Domain-wide delegation: act as this Google Workspace user (else the calendar must be shared with the service account)" }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal("oauth"),
      clientId: Type.String({ minLength: 1, maxLength: 500 }),
      clientSecret: Type.String({ minLength: 1, maxLength: 500 }),
      refreshToken: Type.String({ minLength: 1, maxLength: 2000 }),
    },
    { additionalProperties: false },
  ),
]);

const TargetSchema = named(
  "CalendarTarget",
  Type.Object(
    {
      id: Uuid,
      name: Type.String(),
      ownerId: Uuid,
      subject: Type.Object({ kind: SubjectKind, id: Uuid }, { additionalProperties: false }),
      calendarId: Type.String({ description: "The Google calendar's id (e.g. team@group.calendar.google.com, or an email for a primary calendar)" }),
      credentials: Type.Object(
        {
          kind: StringEnum(["service_account", "oauth"] as const),
          clientEmail: Type.Optional(Type.String({ description: "The service account (never its key)" })),
          delegatedUser: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          clientId: Type.Optional(Type.String({ description: "The OAuth client (never its secret or the refresh token)" })),
        },
        { additionalProperties: false, description: "What the credentials are, never the secrets themselves" },
      ),
      ...options,
      status: Status,
      lastSyncedAt: Type.Union([Instant, Type.Null()], { description: "When the calendar was last made exact" }),
      lastAttemptAt: Type.Union([Instant, Type.Null()]),
      lastError: Type.Union([Type.String(), Type.Null()], { description: "Why the last attempt failed, in words" }),
      failures: Type.Integer({ description: "Failed attempts since the last success" }),
      eventsInSync: Type.Integer({ description: "Events in the calendar as Rota last made them" }),
      lastReconciledAt: Type.Union([Instant, Type.Null()], { description: "When the calendar was last checked for events edited or deleted by hand" }),
      version: Type.Integer(),
      createdAt: Instant,
      updatedAt: Instant,
    },
    { additionalProperties: false },
  ),
);

const TargetPage = Page(TargetSchema);

const optional = optionalEventOptions(options);

const TargetCreate = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Default: the subject's name" })),
    subject: Type.Object({ kind: SubjectKind, id: Uuid }, { additionalProperties: false }),
    calendarId: Type.String({ minLength: 1, maxLength: 1024, pattern: "^[^\\s/]+$", description: "The Google calendar's id (Settings → Integrate calendar → Calendar ID)" }),
    credentials: Credentials,
    ...optional,
  },
  { additionalProperties: false },
);

const TargetPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    credentials: Type.Optional(Credentials),
    ...optional,
  },
  { additionalProperties: false, minProperties: 1 },
);

export const calendarTargetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/calendar-targets",
    {
      schema: {
        tags,
        summary: "List Google Calendar sync targets you manage (yours, your leads' view of their teams', all for an admin)",
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: TargetPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { limit = 50, cursor } = request.query;
      return listCalendarTargets(request.ctx, { limit, cursor });
    },
  );

  app.post(
    "/calendar-targets",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Push a person's, team's, schedule's or duty program's events into a Google calendar",
        description:
          "Rota writes the events into the calendar within seconds of every change, as exact diffs (README “Google Calendar sync”). Credentials: a service account key (share the calendar with its email, or use domain-wide delegation with `delegatedUser`) or an OAuth client with a refresh token. They are encrypted with ROTA_SECRET_KEY (503 `secret_key_missing` without it) and never shown again. A person may push their own events, a lead their team's, an admin anything.",
        body: TargetCreate,
        response: { 201: TargetSchema, ...errorResponses(400, 401, 403, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const target = await createCalendarTarget(request.ctx, request.body);
      reply.code(201).header("location", `/v1/calendar-targets/${target.id}`);
      return withEtag(reply, target);
    },
  );

  app.get(
    "/calendar-targets/:id",
    {
      schema: {
        tags,
        summary: "One sync target with its sync state (status, last sync, last error, events in sync)",
        params: IdParams,
        response: { 200: TargetSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => withEtag(reply, await getCalendarTarget(request.ctx, request.params.id)),
  );

  app.patch(
    "/calendar-targets/:id",
    {
      schema: {
        tags,
        summary: "Change a target's name, options or credentials (If-Match); it resyncs",
        description: "The calendar cannot change: remove the target and make a new one. New credentials reset the status and a failure's count.",
        params: IdParams,
        body: TargetPatch,
        response: { 200: TargetSchema, ...errorResponses(400, 401, 403, 404, 409, 412, 422, 503) },
      },
    },
    async (request, reply) => withEtag(reply, await updateCalendarTarget(request.ctx, request.params.id, request.body, ifMatchVersions(request))),
  );

  app.post(
    "/calendar-targets/:id/sync",
    {
      schema: {
        tags,
        summary: "Sync now, checking the calendar for events edited or deleted by hand (also retries a failed target)",
        params: IdParams,
        response: { 202: TargetSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const target = await requestCalendarSync(request.ctx, request.params.id);
      return reply.code(202).send(target);
    },
  );

  app.delete(
    "/calendar-targets/:id",
    {
      schema: {
        tags,
        summary: "Remove a target: Rota deletes its own events from the calendar, then forgets the target",
        description:
          "202 with status `removing` until Rota's events are out of the calendar (events without Rota's tags, the owner's own, are never touched). `keepEvents=true` forgets the target at once and leaves the calendar as it is: 204.",
        params: IdParams,
        querystring: Type.Object({ keepEvents: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
        response: { 202: TargetSchema, 204: NoContent, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const target = await removeCalendarTarget(request.ctx, request.params.id, request.query.keepEvents ?? false);
      return target ? reply.code(202).send(target) : reply.code(204).send(null);
    },
  );
};
