import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actOnSwap, createSwap, getSwap, listSwaps, openSwapsFor, personAssignments } from "../../../services/swaps.ts";
import { windowCapText } from "../../../services/windows.ts";
import { IdParams, Instant, Page, PageQuery, StringEnum, Uuid, WindowQuery, errorResponses, named } from "../../schemas.ts";
import { assignmentFields } from "../time-off/index.ts";

const tags = ["time off and swaps"];
const Kind = StringEnum(["shift", "duty_booking", "oncall"] as const);
const Status = StringEnum(["pending", "accepted", "approved", "completed", "declined", "cancelled", "expired"] as const);

const Ref = named(
  "AssignmentRef",
  Type.Object(
    {
      kind: Kind,
      id: Uuid,
      start: Type.Optional(Type.String({ format: "date-time", description: "On-call windows only" })),
      end: Type.Optional(Type.String({ format: "date-time", description: "On-call windows only" })),
    },
    { additionalProperties: false, description: "A shift or duty booking by id, or an on-call window: the schedule id with start and end" },
  ),
);

const Swap = named(
  "Swap",
  Type.Object(
    {
      id: Uuid,
      kind: StringEnum(["trade", "give_away", "open"] as const),
      status: Status,
      requesterId: Uuid,
      counterpartId: Type.Union([Uuid, Type.Null()]),
      offered: Type.Object({ kind: Kind, id: Uuid, start: Instant, end: Instant }),
      requested: Type.Union([Type.Object({ kind: Kind, id: Uuid, start: Instant, end: Instant }), Type.Null()]),
      teamId: Type.Union([Uuid, Type.Null()]),
      requiresApproval: Type.Boolean(),
      note: Type.Union([Type.String(), Type.Null()]),
      expiresAt: Instant,
      createdBy: Uuid,
      acceptedAt: Type.Union([Instant, Type.Null()]),
      approvedBy: Type.Union([Uuid, Type.Null()]),
      approvedAt: Type.Union([Instant, Type.Null()]),
      completedAt: Type.Union([Instant, Type.Null()]),
      timeOffId: Type.Union([Uuid, Type.Null()]),
      createdAt: Instant,
      version: Type.Integer(),
    },
    { additionalProperties: false },
  ),
);

type SwapRow = Awaited<ReturnType<typeof getSwap>>;
function swapView(s: SwapRow) {
  const { offeredKind, offeredId, offeredStart, offeredEnd, requestedKind, requestedId, requestedStart, requestedEnd, updatedAt: _u, ...rest } = s;
  return {
    ...rest,
    offered: { kind: offeredKind, id: offeredId, start: offeredStart, end: offeredEnd },
    requested: requestedKind && requestedId ? { kind: requestedKind, id: requestedId, start: requestedStart!, end: requestedEnd! } : null,
  };
}

const SwapTransition = named(
  "SwapTransition",
  Type.Object({ swap: Swap, overrides: Type.Array(Uuid, { description: "Overrides created for on-call windows" }) }),
);

const transitions = ["accept", "decline", "approve", "complete", "cancel"] as const;
const summaries: Record<(typeof transitions)[number], string> = {
  accept: "Accept a swap (the counterpart; anyone eligible takes an open one; a lead on behalf); where no approval is needed this completes it",
  decline: "Decline a swap (the counterpart or a lead)",
  approve: "Approve an accepted swap (a lead, where the team requires approval)",
  complete: "Complete an approved swap: hand the assignments over in one transaction, re-checking everything now (a no-op on a completed swap)",
  cancel: "Cancel a swap (the requester or a lead)",
};

const SwapPage = Page(Swap);

export const swapRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/swaps",
    {
      schema: {
        tags,
        summary: "Swaps I am part of (admins: all); with personId, that person's swaps I may read (as a party or a lead of the swap's team)",
        querystring: Type.Object(
          {
            ...PageQuery,
            personId: Type.Optional(Uuid),
            teamId: Type.Optional(Type.String({ format: "uuid", description: "The swaps of a team's assignments (a lead's list of what waits for approval); still only those you may read" })),
            status: Type.Optional(Status),
          },
          { additionalProperties: false },
        ),
        response: { 200: SwapPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      const page = await listSwaps(request.ctx, filter, { limit, cursor });
      return { ...page, items: page.items.map(swapView) };
    },
  );

  app.get(
    "/swaps/open",
    {
      schema: {
        tags,
        summary: "Open swaps I could take",
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: SwapPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const page = await openSwapsFor(request.ctx, { limit: request.query.limit ?? 50, cursor: request.query.cursor });
      return { ...page, items: page.items.map(swapView) };
    },
  );

  app.post(
    "/swaps",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Offer an assignment: trade (for a named person's), give away (to a named person) or open (anyone eligible)",
        description:
          "Works for a shift, a duty booking, or an on-call window (a schedule with start/end the requester is on call for). A lead may offer on someone's behalf. Expires when the first assignment starts unless `expiresAt` is earlier. Accepts `Idempotency-Key`.",
        body: Type.Object(
          {
            kind: StringEnum(["trade", "give_away", "open"] as const),
            requesterId: Type.Optional(Uuid),
            counterpartId: Type.Optional(Uuid),
            offered: Ref,
            requested: Type.Optional(Ref),
            note: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
            expiresAt: Type.Optional(Type.String({ format: "date-time" })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Swap, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const swap = await createSwap(request.ctx, request.body);
      reply.code(201).header("location", `/v1/swaps/${swap.id}`);
      return swapView(swap);
    },
  );

  app.get(
    "/swaps/:id",
    {
      schema: {
        tags,
        summary: "Get a swap (its two people, leads of its team, admins, and anyone who could take it while it is open)",
        params: IdParams,
        response: { 200: Swap, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => swapView(await getSwap(request.ctx, request.params.id)),
  );

  for (const action of transitions) {
    app.post(
      `/swaps/:id/${action}`,
      {
        config: { idempotent: true },
        schema: {
          tags,
          summary: summaries[action],
          description:
            "Where the team needs no approval, accepting completes the swap in the same transaction (status `completed`, with any overrides it created). Completing a completed swap answers 200 with it unchanged. 409 `invalid_transition` from any other wrong state (e.g. accepting a declined swap), 403 when it is not yours to do; a hand-over that a rule now blocks changes nothing (the swap stays pending or approved) and the 409 says what blocks it.",
          params: IdParams,
          response: { 200: SwapTransition, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request) => {
        const result = await actOnSwap(request.ctx, request.params.id, action);
        return { swap: swapView(result.swap), overrides: result.overrides };
      },
    );
  }

  app.get(
    "/people/:id/assignments",
    {
      schema: {
        tags,
        summary: "What a person has in [from, to): shifts, duty bookings, on-call windows, and what was swapped in and out (the person, their teammates and leads, admins)",
        description: windowCapText("assignments"),
        params: IdParams,
        querystring: Type.Object(WindowQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            personId: Uuid,
            from: Instant,
            to: Instant,
            assignments: Type.Array(Type.Object({ ...assignmentFields, swappedIn: Type.Union([Type.Object({ swapId: Uuid, fromPersonId: Type.Union([Uuid, Type.Null()]) }), Type.Null()]) })),
            swappedOut: Type.Array(Type.Object({ swapId: Uuid, kind: Kind, id: Uuid, start: Instant, end: Instant, toPersonId: Type.Union([Uuid, Type.Null()]) })),
          }),
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request) => personAssignments(request.ctx, request.params.id, new Date(request.query.from), new Date(request.query.to)),
  );
};
