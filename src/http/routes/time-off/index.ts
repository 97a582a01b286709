import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { TIME_OFF_REASONS, approveTimeOff, cancelTimeOff, denyTimeOff, getTimeOff, listTimeOff, requestTimeOff, teamConflicts } from "../../../services/time-off.ts";
import { windowCapText } from "../../../services/windows.ts";
import { IdParams, Instant, LocalDate, Page, PageQuery, PersonName, StringEnum, Uuid, WindowQuery, errorResponses, named } from "../../schemas.ts";

const tags = ["time off and swaps"];

/** An assignment's properties (`GET /people/{id}/assignments` adds to them). */
export const assignmentFields = {
  kind: StringEnum(["shift", "duty_booking", "oncall"] as const),
  id: Uuid,
  personId: Uuid,
  start: Instant,
  end: Instant,
  teamId: Type.Union([Uuid, Type.Null()]),
  title: Type.String(),
};

export const Assignment = named(
  "Assignment",
  Type.Object(assignmentFields, { additionalProperties: false, description: "A shift, duty booking or on-call window (id: the schedule's)" }),
);

const TimeOff = named(
  "TimeOff",
  Type.Object(
    {
      id: Uuid,
      personId: Uuid,
      start: Instant,
      end: Instant,
      status: StringEnum(["requested", "approved", "denied", "cancelled"] as const),
      reason: Type.Union([Type.String(), Type.Null()], { description: "null when detailsWithheld" }),
      note: Type.Union([Type.String(), Type.Null()], { description: "null when detailsWithheld" }),
      decidedBy: Type.Union([Uuid, Type.Null()], { description: "null with auto-approval" }),
      decidedAt: Type.Union([Instant, Type.Null()]),
      decisionNote: Type.Union([Type.String(), Type.Null()], { description: "null when detailsWithheld" }),
      detailsWithheld: Type.Boolean({
        description: "True for callers other than the person, the leads of their teams and admins: they see only that the person is away (window and status); reason, notes and what it uncovers are withheld",
      }),
      createdBy: Type.Union([Uuid, Type.Null()]),
      createdAt: Instant,
      version: Type.Integer(),
      uncovered: Type.Optional(Type.Array(Assignment, { description: "Approved: the person's assignments in the window that are now uncovered (those no substitute took)" })),
      covered: Type.Optional(
        Type.Array(Type.Object({ assignment: Assignment, personId: Uuid, overrideId: Type.Union([Uuid, Type.Null()]) }), {
          description: "Approved with substitutes: what each substitute took (a shift or booking now theirs; an on-call window as an override)",
        }),
      ),
      substitutionsRefused: Type.Optional(
        Type.Array(Type.Object({ assignment: Assignment, personId: Uuid, code: Type.String(), detail: Type.String() }), {
          description: "Substitutes a rule refused (busy, not eligible, away…): the assignment stays in `uncovered`",
        }),
      ),
      openSwapIds: Type.Optional(Type.Array(Uuid, { description: "Open swaps created for them (teams with openSwapsOnTimeOff)" })),
    },
    { additionalProperties: false },
  ),
);

function view<T extends { startAt: Date; endAt: Date }>({ startAt, endAt, ...rest }: T) {
  return { ...rest, start: startAt, end: endAt };
}

const Decision = Type.Object({ note: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])) }, { additionalProperties: false });

/** Who covers while the person is away: one person for everything, and/or one per assignment (which wins). */
const substituteFields = {
  substitute: Type.Optional(Uuid),
  substitutes: Type.Optional(
    Type.Array(
      Type.Object(
        {
          kind: StringEnum(["shift", "duty_booking", "oncall"] as const),
          id: Uuid,
          start: Type.Optional(Type.String({ format: "date-time", description: "For an on-call window: its start, as listed in `uncovered`" })),
          personId: Uuid,
        },
        { additionalProperties: false },
      ),
      { maxItems: 500 },
    ),
  ),
};
const Approval = Type.Object({ note: Decision.properties.note, ...substituteFields }, { additionalProperties: false });

const TimeOffPage = Page(TimeOff);

export const timeOffRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/time-off",
    {
      schema: {
        tags,
        summary: "List time off (by person, team, status, window), in start order; reason and notes withheld as for one",
        querystring: Type.Object(
          {
            ...PageQuery,
            personId: Type.Optional(Uuid),
            teamId: Type.Optional(Uuid),
            status: Type.Optional(StringEnum(["requested", "approved", "denied", "cancelled"] as const)),
            from: Type.Optional(Type.String({ format: "date-time" })),
            to: Type.Optional(Type.String({ format: "date-time" })),
          },
          { additionalProperties: false },
        ),
        response: { 200: TimeOffPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, from, to, ...filter } = request.query;
      const page = await listTimeOff(request.ctx, { ...filter, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined }, { limit, cursor });
      return { ...page, items: page.items.map(view) };
    },
  );

  app.post(
    "/time-off",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Request time off (whole local days or exact times); auto-approved where the team says so, or when a lead making it names substitutes (as on approve)",
        description:
          "Whole days: `startDate`/`endDate` (inclusive) in the person's zone; or exact `start`/`end`. When approved, the response lists the person's assignments in the window (now uncovered: they count as coverage and on-call gaps) and any open swaps created for them.",
        body: Type.Object(
          {
            personId: Type.Optional(Uuid),
            startDate: Type.Optional(LocalDate),
            endDate: Type.Optional(LocalDate),
            start: Type.Optional(Type.String({ format: "date-time" })),
            end: Type.Optional(Type.String({ format: "date-time" })),
            reason: StringEnum(TIME_OFF_REASONS),
            note: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
            ...substituteFields,
          },
          { additionalProperties: false },
        ),
        response: { 201: TimeOff, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const row = await requestTimeOff(request.ctx, request.body);
      reply.code(201).header("location", `/v1/time-off/${row.id}`);
      return view(row);
    },
  );

  app.get(
    "/time-off/:id",
    { schema: { tags, summary: "Get time off (reason, notes and what it uncovers for the person, their leads and admins; others see only that they are away)", params: IdParams, response: { 200: TimeOff, ...errorResponses(400, 401, 404) } } },
    async (request) => view(await getTimeOff(request.ctx, request.params.id)),
  );

  app.post(
    "/time-off/:id/approve",
    {
      // The note is optional, and so is the body: a bare POST approves.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags,
        summary: "Approve requested time off (a lead of the person's team), optionally naming substitutes",
        description:
          "`substitute` covers everything the person had in the window; `substitutes` names one person per assignment (and wins over `substitute`). In the same transaction each is handed over with every rule re-checked for the substitute (shifts and duty bookings change hands, on-call windows get an override); a refused one stays in `uncovered` and is explained in `substitutionsRefused`.",
        params: IdParams,
        body: Approval,
        response: { 200: TimeOff, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => view(await approveTimeOff(request.ctx, request.params.id, request.body.note, request.body)),
  );

  app.post(
    "/time-off/:id/deny",
    {
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: { tags, summary: "Deny requested time off (a lead of the person's team)", params: IdParams, body: Decision, response: { 200: TimeOff, ...errorResponses(400, 401, 403, 404, 409) } },
    },
    async (request) => view(await denyTimeOff(request.ctx, request.params.id, request.body.note)),
  );

  app.post(
    "/time-off/:id/cancel",
    { schema: { tags, summary: "Cancel time off (the person, before it starts; a lead any time)", params: IdParams, response: { 200: TimeOff, ...errorResponses(400, 401, 403, 404, 409) } } },
    async (request) => view(await cancelTimeOff(request.ctx, request.params.id)),
  );

  app.get(
    "/conflicts",
    {
      schema: {
        tags,
        summary: "Assignments of a team's people that approved time off leaves uncovered (the team's members, its leads and admins)",
        description: windowCapText("conflicts"),
        querystring: Type.Object({ teamId: Uuid, ...WindowQuery }, { additionalProperties: false }),
        response: {
          200: Type.Object({ teamId: Uuid, from: Instant, to: Instant, items: Type.Array(Type.Object({ timeOffId: Uuid, person: Type.Union([PersonName, Type.Null()]), reason: Type.Union([Type.String(), Type.Null()], { description: "null unless you are the person, a lead of their teams or an admin" }), assignment: Assignment })) }),
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request) => teamConflicts(request.ctx, request.query.teamId, new Date(request.query.from), new Date(request.query.to)),
  );
};
