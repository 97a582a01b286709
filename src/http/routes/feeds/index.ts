import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { createFeed, getFeed, listFeeds, revokeFeed, serveFeed } from "../../../services/feeds.ts";
import { problem, sendProblem } from "../../plugins/errors.ts";
import { matchesEtag } from "../../etag.ts";
import { baseUrl } from "../../public-url.ts";
import { CalendarSubjectKind, IdParams, Instant, NoContent, Page, PageQuery, Uuid, calendarEventOptions, errorResponses, optionalEventOptions, named } from "../../schemas.ts";

const tags = ["calendars"];

const SubjectKind = CalendarSubjectKind;

const options = calendarEventOptions("feeds", { pastDays: 30, futureDays: 180 });

const feedFields = {
  id: Uuid,
  name: Type.String(),
  ownerId: Uuid,
  subject: Type.Object({ kind: SubjectKind, id: Uuid }, { additionalProperties: false }),
  prefix: Type.String({ description: "The token's first characters, to tell feeds apart" }),
  ...options,
  createdAt: Instant,
  revokedAt: Type.Union([Instant, Type.Null()]),
};

const Feed = named("CalendarFeed", Type.Object(feedFields, { additionalProperties: false }));

const NewFeed = named(
  "NewCalendarFeed",
  Type.Object(
    {
      ...feedFields,
      token: Type.String({ description: "The secret. Shown only in this response." }),
      url: Type.String({ description: "The feed's https URL (shown only now)" }),
      webcalUrl: Type.String({ description: "The same as webcal://, which opens the calendar app's subscribe dialog" }),
    },
    { additionalProperties: false },
  ),
);

const FeedPage = Page(Feed);

const FeedCreate = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Calendar name (default: the subject's name)" })),
    subject: feedFields.subject,
    ...optionalEventOptions(options),
  },
  { additionalProperties: false },
);

export const feedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/feeds",
    {
      schema: {
        tags,
        summary: "List iCal feed subscriptions (yours; an admin may pass ownerId)",
        querystring: Type.Object({ ...PageQuery, ownerId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 200: FeedPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ownerId } = request.query;
      return listFeeds(request.ctx, ownerId, { limit, cursor });
    },
  );

  app.post(
    "/feeds",
    {
      config: { idempotent: { secretFields: ["token", "url", "webcalUrl"] } },
      schema: {
        tags,
        summary: "Subscribe a calendar: a secret iCal URL for a person, team, schedule or duty program",
        description:
          "A person's feed: their shifts, duty slots and on-call turns (and optionally their approved time off) — theirs, their leads' or an admin's to create. A team's: its shifts with names (members and leads). A schedule's: its final timeline. A duty program's: every booked slot with who is on it. The URL is in this response only; add it to Google Calendar, Apple Calendar, Outlook or Thunderbird (README “Calendar feeds”).",
        body: FeedCreate,
        response: { 201: NewFeed, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const feed = await createFeed(request.ctx, request.body);
      const url = `${baseUrl(request, app.publicUrl)}/v1/feeds/${feed.token}.ics`;
      reply.code(201).header("location", `/v1/feeds/${feed.id}`);
      return { ...feed, url, webcalUrl: url.replace(/^https?:\/\//, "webcal://") };
    },
  );

  app.get(
    "/feeds/:id",
    { schema: { tags, summary: "One feed subscription (not its secret)", params: IdParams, response: { 200: Feed, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => getFeed(request.ctx, request.params.id),
  );

  app.delete(
    "/feeds/:id",
    {
      schema: {
        tags,
        summary: "Revoke a feed: its URL answers 404 from now on (the owner, a lead of its subject, or an admin)",
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeFeed(request.ctx, app.feedCache, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/feeds/:token.ics",
    {
      // Read by calendar servers, never rendered as a page: the document headers helmet adds
      // (CSP, COOP, CORP…) mean nothing to them and were a third of a 304's cost. nosniff stays.
      helmet: false,
      config: { auth: false },
      schema: {
        tags,
        summary: "The iCal feed behind a secret URL (what calendar apps fetch)",
        description:
          "`text/calendar`. A strong `ETag` from the content and `Last-Modified`; `If-None-Match` or `If-Modified-Since` answer 304 when nothing changed. A change to what the feed shows changes its ETag within a second. An unknown or revoked token is a 404.",
        security: [],
        params: Type.Object({ token: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          200: { description: "An iCalendar (RFC 5545) document", content: { "text/calendar": { schema: Type.String() } } },
          304: { description: "Not modified: the feed is what the client has (no body)" },
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const rendered = await serveFeed(app.db, app.feedCache, request.params.token, { apiBase: baseUrl(request, app.publicUrl), now: request.now });
      if (!rendered) return sendProblem(reply, problem("not_found", 404, "No such calendar feed"));
      reply.header("x-content-type-options", "nosniff").header("etag", rendered.etag).header("last-modified", rendered.lastModifiedHttp).header("cache-control", "private, max-age=0, must-revalidate");
      const inm = request.headers["if-none-match"];
      const ims = request.headers["if-modified-since"];
      const notModified = inm !== undefined ? matchesEtag(inm, rendered.etag) : ims !== undefined && Date.parse(ims) >= rendered.lastModified.getTime();
      if (notModified) return reply.code(304).send();
      const file = rendered.name.replace(/[^A-Za-z0-9 _-]+/g, "").trim() || "rota";
      return reply.type("text/calendar; charset=utf-8").header("content-disposition", `inline; filename="${file}.ics"`).send(rendered.body);
    },
  );
};
