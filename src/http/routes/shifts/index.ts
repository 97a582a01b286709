import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { createShift, deleteShift, getShift, listShifts, updateShift } from "../../../services/shifts.ts";
import { ifMatchVersions, withEtag } from "../../etag.ts";
import { IdParams, Instant, Label, NoContent, Page, PageQuery, Uuid, errorResponses, named } from "../../schemas.ts";

const tags = ["shifts"];

export const Shift = named(
  "Shift",
  Type.Object(
    {
      id: Uuid,
      teamId: Uuid,
      personId: Uuid,
      start: Instant,
      end: Instant,
      label: Type.Union([Type.String(), Type.Null()]),
      note: Type.Union([Type.String(), Type.Null()]),
      outsideSupportHours: Type.Boolean(),
      patternId: Type.Union([Uuid, Type.Null()], { description: "The recurring pattern that made it, if any" }),
      occurrence: Type.Union([Type.String(), Type.Null()], { description: "Its occurrence in the pattern (local start)" }),
      detached: Type.Boolean({ description: "Edited by hand: the pattern no longer moves or deletes it" }),
      createdBy: Type.Union([Uuid, Type.Null()]),
      createdAt: Instant,
      updatedAt: Instant,
      version: Type.Integer(),
    },
    { additionalProperties: false },
  ),
);

const fields = {
  personId: Uuid,
  start: Type.String({ format: "date-time" }),
  end: Type.String({ format: "date-time" }),
  label: Type.Union([Label, Type.Null()]),
  note: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
  outsideSupportHours: Type.Boolean({ description: "Allow the shift outside support hours (leads only)" }),
};

type ShiftRow = Awaited<ReturnType<typeof getShift>>;
export function shiftView({ startAt, endAt, ...rest }: ShiftRow) {
  return { ...rest, start: startAt, end: endAt };
}

const ShiftPage = Page(Shift);

export const shiftRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/shifts",
    {
      schema: {
        tags,
        summary: "List shifts overlapping [from, to), by team, person or label, in start order",
        querystring: Type.Object(
          {
            ...PageQuery,
            teamId: Type.Optional(Uuid),
            personId: Type.Optional(Uuid),
            from: Type.Optional(Type.String({ format: "date-time" })),
            to: Type.Optional(Type.String({ format: "date-time" })),
            label: Type.Optional(Label),
            patternId: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: { 200: ShiftPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, from, to, ...filter } = request.query;
      const page = await listShifts(
        request.ctx,
        { ...filter, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
        { limit, cursor },
      );
      return { ...page, items: page.items.map(shiftView) };
    },
  );

  app.post(
    "/shifts",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Schedule a shift",
        description:
          "Leads schedule anyone on their team; members themselves when the team allows self-scheduling. Checked: length ≥ the team's minimum, start and end on its grid (team time), inside support hours unless `outsideSupportHours`, the person an active member, no approved time off (409 `person_on_time_off`) and no overlap with their other shifts or duty slots (409 `shift_overlaps`, enforced by the database). Accepts `Idempotency-Key`.",
        body: Type.Object(
          {
            teamId: Uuid,
            personId: Type.Optional(fields.personId),
            start: fields.start,
            end: fields.end,
            label: Type.Optional(fields.label),
            note: Type.Optional(fields.note),
            outsideSupportHours: Type.Optional(fields.outsideSupportHours),
          },
          { additionalProperties: false },
        ),
        response: { 201: Shift, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const shift = await createShift(request.ctx, request.body);
      reply.code(201).header("location", `/v1/shifts/${shift.id}`);
      return withEtag(reply, shiftView(shift));
    },
  );

  app.get(
    "/shifts/:id",
    { schema: { tags, summary: "Get a shift", params: IdParams, response: { 200: Shift, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => withEtag(reply, shiftView(await getShift(request.ctx, request.params.id))),
  );

  app.patch(
    "/shifts/:id",
    {
      schema: {
        tags,
        summary: "Change a shift (same checks as creating one; detaches a pattern occurrence)",
        params: IdParams,
        body: Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 }),
        response: { 200: Shift, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
      },
    },
    async (request, reply) =>
      withEtag(reply, shiftView(await updateShift(request.ctx, request.params.id, request.body, ifMatchVersions(request)))),
  );

  app.delete(
    "/shifts/:id",
    {
      schema: {
        tags,
        summary: "Delete a shift (a pattern occurrence stays deleted)",
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await deleteShift(request.ctx, request.params.id, ifMatchVersions(request));
      return reply.code(204).send(null);
    },
  );
};
