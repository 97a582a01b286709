import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import {
  createOverride,
  createSchedule,
  deleteOverride,
  deleteSchedule,
  getSchedule,
  listOverrides,
  listSchedules,
  scheduleGaps,
  scheduleHandoffs,
  scheduleSegments,
  updateSchedule,
} from "../../../services/schedules.ts";
import { windowCapText } from "../../../services/windows.ts";
import { ifMatchVersions, withEtag } from "../../etag.ts";
import { IdParams, Instant, LocalDate, NoContent, Page, PageQuery, StringEnum, TimeZoneName, Uuid, WeeklyWindow, WindowQuery, errorResponses, named } from "../../schemas.ts";

const tags = ["on-call"];

const LayerInput = named(
  "ScheduleLayerInput",
  Type.Object(
    {
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      participants: Type.Array(Type.Union([Uuid, Type.Null()]), {
        minItems: 1,
        maxItems: 500,
        description: "Person ids in rotation order; null is a turn with nobody on from this layer (lower layers show through), as Opsgenie's `none`",
      }),
      turn: Type.Object(
        { unit: StringEnum(["hours", "days", "weeks"] as const), count: Type.Integer({ minimum: 1, maximum: 10000 }) },
        { additionalProperties: false, description: "Days/weeks follow the calendar (a daily turn is 23 h or 25 h across DST); hours are real elapsed time" },
      ),
      handoffTime: Type.String({
        pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description: "Local wall-clock time HH:mm of the hand-off, 00:00–23:59 (a hand-off at midnight is 00:00; 24:00 is refused)",
        examples: ["09:00"],
      }),
      timeZone: Type.Optional(Type.Union([TimeZoneName, Type.Null()])),
      startDate: LocalDate,
      start: Type.Optional(
        Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
          description: "Nothing from this layer before this instant, though its turns are counted from startDate (a layer that takes over mid-turn)",
        }),
      ),
      end: Type.Optional(Type.Union([Type.String({ format: "date-time" }), Type.Null()])),
      restrictions: Type.Optional(Type.Array(WeeklyWindow, { maxItems: 50, description: "Only inside these weekly windows is anyone on from this layer" })),
      participantChanges: Type.Optional(
        Type.Array(Type.Object({ effectiveFrom: LocalDate, participants: Type.Array(Uuid, { minItems: 1 }) }, { additionalProperties: false }), {
          description: "From the first handoff on or after effectiveFrom, rotate through these people instead (past turns unchanged)",
        }),
      ),
    },
    { additionalProperties: false },
  ),
);

const Layer = named(
  "ScheduleLayer",
  Type.Object(
    {
      id: Uuid,
      name: Type.String(),
      participants: Type.Array(Type.Union([Uuid, Type.Null()])),
      turn: Type.Object({ unit: Type.String(), count: Type.Integer() }),
      handoffTime: Type.String(),
      timeZone: Type.Union([Type.String(), Type.Null()]),
      startDate: Type.String(),
      start: Type.Union([Instant, Type.Null()]),
      end: Type.Union([Instant, Type.Null()]),
      restrictions: Type.Array(Type.Object({ days: Type.Array(Type.String()), start: Type.String(), end: Type.String() })),
      participantChanges: Type.Array(Type.Object({ effectiveFrom: Type.String(), participants: Type.Array(Uuid) })),
    },
    { additionalProperties: false },
  ),
);

const Schedule = named(
  "Schedule",
  Type.Object(
    {
      id: Uuid,
      name: Type.String(),
      description: Type.Union([Type.String(), Type.Null()]),
      timeZone: Type.String(),
      teamId: Type.Union([Uuid, Type.Null()]),
      layers: Type.Array(Layer, { description: "Highest priority first" }),
      createdAt: Instant,
      updatedAt: Instant,
      version: Type.Integer(),
    },
    { additionalProperties: false },
  ),
);

const scheduleFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
  timeZone: TimeZoneName,
  teamId: Type.Union([Uuid, Type.Null()]),
  layers: Type.Array(LayerInput, { maxItems: 20, description: "Highest priority first; replaces all layers" }),
};

const Source = Type.Union([
  Type.Object({
    kind: Type.Literal("layer"),
    layerId: Uuid,
    rotationId: Type.Optional(Type.String({ description: "The layer's rotation; each layer is one rotation, so this equals `layerId` (kept for clients that read it)" })),
  }),
  Type.Object({ kind: Type.Literal("override"), overrideId: Uuid }),
  Type.Object({ kind: Type.Literal("gap") }),
]);

const Segment = named(
  "ScheduleSegment",
  Type.Object(
    {
      personId: Type.Union([Uuid, Type.Null()], { description: "null: nobody on call (a gap)" }),
      start: Instant,
      end: Instant,
      source: Source,
      conflicts: Type.Array(Type.Object({ kind: Type.Literal("time_off"), timeOffId: Uuid, start: Instant, end: Instant }), {
        description: "The person has approved time off here: on call but away, so uncovered",
      }),
    },
    { additionalProperties: false },
  ),
);

const overrideFields = {
  id: Uuid,
  scheduleId: Uuid,
  personId: Uuid,
  replacesPersonId: Type.Union([Uuid, Type.Null()]),
  start: Instant,
  end: Instant,
  note: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.Union([Uuid, Type.Null()]),
  createdAt: Instant,
};
const Override = named("Override", Type.Object(overrideFields, { additionalProperties: false }));

const OverrideParams = Type.Object({ id: Uuid, overrideId: Uuid }, { additionalProperties: false });
const Window2 = Type.Object(WindowQuery, { additionalProperties: false });

function overrideView<T extends { startAt: Date; endAt: Date }>({ startAt, endAt, ...rest }: T) {
  return { ...rest, start: startAt, end: endAt };
}

const SchedulePage = Page(Schedule);

export const scheduleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/schedules",
    {
      schema: {
        tags,
        summary: "List on-call schedules",
        querystring: Type.Object({ ...PageQuery, teamId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 200: SchedulePage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, teamId } = request.query;
      return listSchedules(request.ctx, { teamId }, { limit, cursor });
    },
  );

  app.post(
    "/schedules",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Create a schedule with its rotation layers (admin, or a lead of its team)",
        body: Type.Object(
          {
            name: scheduleFields.name,
            timeZone: scheduleFields.timeZone,
            description: Type.Optional(scheduleFields.description),
            teamId: Type.Optional(scheduleFields.teamId),
            layers: Type.Optional(scheduleFields.layers),
          },
          { additionalProperties: false },
        ),
        response: { 201: Schedule, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const schedule = await createSchedule(request.ctx, request.body);
      reply.code(201).header("location", `/v1/schedules/${schedule.id}`);
      return withEtag(reply, schedule);
    },
  );

  app.get(
    "/schedules/:id",
    { schema: { tags, summary: "Get a schedule and its layers", params: IdParams, response: { 200: Schedule, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => withEtag(reply, await getSchedule(request.ctx, request.params.id)),
  );

  app.patch(
    "/schedules/:id",
    {
      schema: {
        tags,
        summary: "Change a schedule; `layers` replaces all layers (If-Match)",
        params: IdParams,
        body: Type.Partial(Type.Object(scheduleFields), { additionalProperties: false, minProperties: 1 }),
        response: { 200: Schedule, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
      },
    },
    async (request, reply) => withEtag(reply, await updateSchedule(request.ctx, request.params.id, request.body, ifMatchVersions(request))),
  );

  app.delete(
    "/schedules/:id",
    { schema: { tags, summary: "Delete a schedule", params: IdParams, response: { 204: NoContent, ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      await deleteSchedule(request.ctx, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/schedules/:id/segments",
    {
      schema: {
        tags,
        summary: "The final timeline in [from, to): who is on call, from which layer or override, with explicit gaps",
        description: `${windowCapText("segments")} \`layer\` shows one layer alone (no overrides). Segments where the person has approved time off carry \`conflicts\`.`,
        params: IdParams,
        querystring: Type.Object({ ...WindowQuery, layer: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ scheduleId: Uuid, from: Instant, to: Instant, layer: Type.Union([Uuid, Type.Null()]), segments: Type.Array(Segment) }),
          ...errorResponses(400, 401, 404, 422),
        },
      },
    },
    async (request) => scheduleSegments(request.ctx, request.params.id, new Date(request.query.from), new Date(request.query.to), request.query.layer),
  );

  app.get(
    "/schedules/:id/gaps",
    {
      schema: {
        tags,
        summary: "Uncovered windows: nobody scheduled, or the person on call has approved time off and no override covers it",
        description: windowCapText("segments"),
        params: IdParams,
        querystring: Window2,
        response: {
          200: Type.Object({
            scheduleId: Uuid,
            from: Instant,
            to: Instant,
            gaps: Type.Array(Type.Object({ start: Instant, end: Instant, reason: StringEnum(["no_one_scheduled", "time_off"] as const), personId: Type.Union([Uuid, Type.Null()]) })),
            uncoveredMinutes: Type.Number(),
          }),
          ...errorResponses(400, 401, 404, 422),
        },
      },
    },
    async (request) => scheduleGaps(request.ctx, request.params.id, new Date(request.query.from), new Date(request.query.to)),
  );

  app.get(
    "/schedules/:id/handoffs",
    {
      schema: {
        tags,
        summary: "Who hands on call to whom, and when (for bots posting “you are on call from 09:00”)",
        description: windowCapText("segments"),
        params: IdParams,
        querystring: Window2,
        response: {
          200: Type.Object({
            scheduleId: Uuid,
            from: Instant,
            to: Instant,
            handoffs: Type.Array(Type.Object({ at: Instant, fromPersonId: Type.Union([Uuid, Type.Null()]), toPersonId: Type.Union([Uuid, Type.Null()]), source: Source })),
          }),
          ...errorResponses(400, 401, 404, 422),
        },
      },
    },
    async (request) => scheduleHandoffs(request.ctx, request.params.id, new Date(request.query.from), new Date(request.query.to)),
  );

  app.get(
    "/schedules/:id/overrides",
    {
      schema: { tags, summary: "Overrides overlapping [from, to)", description: windowCapText("overrides"), params: IdParams, querystring: Window2, response: { 200: Type.Object({ items: Type.Array(Override) }), ...errorResponses(400, 401, 404, 422) } },
    },
    async (request) => {
      const result = await listOverrides(request.ctx, request.params.id, new Date(request.query.from), new Date(request.query.to));
      return { items: result.items.map(overrideView) };
    },
  );

  app.post(
    "/schedules/:id/overrides",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Put someone on call over [start, end) (vacation substitution, one-off cover)",
        description:
          "A participant of the schedule (any layer) may put themselves on; anyone else gets 403. Replacing a named person (`replacesPersonId`) or putting someone else on needs a lead of the schedule's team. Where overrides overlap, the newest wins: `supersedes` lists the ones this one wins over.",
        params: IdParams,
        body: Type.Object(
          {
            personId: Type.String({ format: "uuid", description: "Who goes on call (required; to cover yourself, give your own id)" }),
            replacesPersonId: Type.Optional(Type.Union([Uuid, Type.Null()], { description: "Only replace this person where they are on; omit to replace whoever is on (gaps too)" })),
            start: Type.String({ format: "date-time" }),
            end: Type.String({ format: "date-time" }),
            note: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object(
            {
              ...overrideFields,
              supersedes: Type.Array(Type.Object({ id: Uuid, start: Instant, end: Instant, overlap: Type.Union([Type.Object({ start: Instant, end: Instant }), Type.Null()]) })),
            },
            { additionalProperties: false },
          ),
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const override = await createOverride(request.ctx, request.params.id, request.body);
      reply.code(201).header("location", `/v1/schedules/${request.params.id}/overrides/${override.id}`);
      return overrideView(override);
    },
  );

  app.delete(
    "/schedules/:id/overrides/:overrideId",
    { schema: { tags, summary: "Remove an override", params: OverrideParams, response: { 204: NoContent, ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      await deleteOverride(request.ctx, request.params.id, request.params.overrideId);
      return reply.code(204).send(null);
    },
  );
};
