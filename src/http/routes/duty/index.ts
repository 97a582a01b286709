import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import {
  addSlot,
  autoAssignMonth,
  book,
  cancelBooking,
  createProgram,
  generateMonthSlots,
  getProgram,
  listPrograms,
  listSlots,
  moveBooking,
  onDuty,
  unbooked,
  updateProgram,
  updateSlot,
} from "../../../services/duty.ts";
import { contentEtag, ifMatchVersions, matchesEtag, withEtag } from "../../etag.ts";
import { HoursException, IdParams, Instant, NoContent, Page, PersonName, PageQuery, StringEnum, TimeZoneName, Uuid, WeeklyWindow, errorResponses, named } from "../../schemas.ts";
import { Person, Skill } from "../people/schemas.ts";

const tags = ["duty"];
const Month = Type.String({ format: "year-month", description: "YYYY-MM in the program's zone (1970–2199)", examples: ["2026-12"] });
const MonthParams = Type.Object({ id: Uuid, month: Month }, { additionalProperties: false });

const DayOfMonth = Type.Object(
  { monthsBefore: Type.Integer({ minimum: 0, maximum: 12 }), day: Type.Integer({ minimum: 1, maximum: 28 }) },
  { additionalProperties: false },
);
const BookingWindowRule = named(
  "BookingWindow",
  Type.Object(
    { opens: DayOfMonth, closes: DayOfMonth },
    { additionalProperties: false, description: "Booking for month M opens at 00:00 on `opens.day` of the month `opens.monthsBefore` before M, and closes at the end of `closes.day`" },
  ),
);

const programFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  timeZone: TimeZoneName,
  slotMinutes: Type.Integer({ minimum: 15, maximum: 480, description: "Slot length (default 60)" }),
  hours: Type.Object(
    { windows: Type.Optional(Type.Array(WeeklyWindow, { maxItems: 50 })), exceptions: Type.Optional(Type.Array(HoursException, { maxItems: 500 })) },
    { additionalProperties: false, description: "The program's own hours, in its zone (ignored with hoursTeamId)" },
  ),
  hoursTeamId: Type.Union([Uuid, Type.Null()], { description: "Use this team's support hours instead of own hours" }),
  seatsPerSlot: Type.Integer({ minimum: 1, maximum: 1000 }),
  quotaPerMonth: Type.Integer({ minimum: 1, maximum: 31, description: "Slots each person does per calendar month (program zone), default 1" }),
  eligibility: StringEnum(["all", "teams", "people"] as const, { description: "all active people, members of eligibleTeamIds, or eligiblePersonIds" }),
  eligibleTeamIds: Type.Array(Uuid, { maxItems: 500 }),
  eligiblePersonIds: Type.Array(Uuid, { maxItems: 10000 }),
  excludedPersonIds: Type.Array(Uuid, { maxItems: 10000 }),
  bookingWindow: Type.Union([BookingWindowRule, Type.Null()]),
  changeCutoffMinutes: Type.Integer({ minimum: 0, maximum: 44640, description: "Cancelling or moving closer than this to the slot needs a lead (default 1440)" }),
  cancelGraceMinutes: Type.Integer({
    minimum: 0,
    maximum: 1440,
    description: "A booking can be cancelled (or moved away from) this long after it was made, whatever the cut-off, until its slot starts (default 10)",
  }),
  trainingRequired: Type.Boolean({ description: "Only people with trainedAt may book" }),
  supportTeamId: Type.Union([Uuid, Type.Null()], { description: "The team people on duty join" }),
};

const Program = named(
  "DutyProgram",
  Type.Object(
    {
      id: Uuid,
      name: Type.String(),
      timeZone: Type.String(),
      slotMinutes: Type.Integer(),
      hours: Type.Object({ windows: Type.Array(WeeklyWindow), exceptions: Type.Array(HoursException) }),
      hoursTeamId: Type.Union([Uuid, Type.Null()]),
      seatsPerSlot: Type.Integer(),
      quotaPerMonth: Type.Integer(),
      eligibility: Type.String(),
      eligibleTeamIds: Type.Array(Uuid),
      eligiblePersonIds: Type.Array(Uuid),
      excludedPersonIds: Type.Array(Uuid),
      bookingWindow: Type.Union([BookingWindowRule, Type.Null()]),
      changeCutoffMinutes: Type.Integer(),
      cancelGraceMinutes: Type.Integer(),
      trainingRequired: Type.Boolean(),
      supportTeamId: Type.Union([Uuid, Type.Null()]),
      createdAt: Instant,
      updatedAt: Instant,
      version: Type.Integer(),
    },
    { additionalProperties: false },
  ),
);

const slotFields = { id: Uuid, programId: Uuid, month: Type.String(), start: Instant, end: Instant, seats: Type.Integer(), closed: Type.Boolean(), version: Type.Integer() };
const Slot = named("DutySlot", Type.Object(slotFields, { additionalProperties: false }));

const CalendarSlot = named(
  "DutyCalendarSlot",
  Type.Object(
    {
      ...slotFields,
      freeSeats: Type.Integer(),
      bookings: Type.Array(Type.Object({ id: Uuid, personId: Uuid, name: Type.String(), createdAt: Instant }, { additionalProperties: false })),
    },
    { additionalProperties: false },
  ),
);

const Booking = named(
  "DutyBooking",
  Type.Object(
    {
      id: Uuid,
      slotId: Uuid,
      programId: Uuid,
      month: Type.String(),
      personId: Uuid,
      start: Instant,
      end: Instant,
      bookedBy: Type.Union([Uuid, Type.Null()]),
      autoAssigned: Type.Boolean(),
      createdAt: Instant,
      version: Type.Integer(),
    },
    { additionalProperties: false },
  ),
);

function slotView<T extends { startAt: Date; endAt: Date }>({ startAt, endAt, ...rest }: T) {
  return { ...rest, start: startAt, end: endAt };
}

const OnDuty = named(
  "OnDuty",
  Type.Object({ person: Person, slot: Type.Object({ id: Uuid, start: Instant, end: Instant }), hasSkill: Type.Union([Type.Boolean(), Type.Null()]) }),
);

const bookingErrors = errorResponses(400, 401, 403, 404, 409, 422);

const ProgramPage = Page(Program);

export const dutyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/duty-programs",
    { schema: { tags, summary: "List duty programs", querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }), response: { 200: ProgramPage, ...errorResponses(400, 401) } } },
    async (request) => listPrograms(request.ctx, { limit: request.query.limit ?? 50, cursor: request.query.cursor }),
  );

  app.post(
    "/duty-programs",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Create a duty program (admin or lead)",
        description: "E.g. company-wide chat duty: 60-minute slots Mon–Fri 09:00–17:00 America/New_York, 2 seats, 1 slot per person per month, booking opens the 15th and closes the 25th of the month before, changes close 24 h before, training required.",
        body: Type.Object(
          {
            name: programFields.name,
            timeZone: programFields.timeZone,
            slotMinutes: Type.Optional(programFields.slotMinutes),
            hours: Type.Optional(programFields.hours),
            hoursTeamId: Type.Optional(programFields.hoursTeamId),
            seatsPerSlot: Type.Optional(programFields.seatsPerSlot),
            quotaPerMonth: Type.Optional(programFields.quotaPerMonth),
            eligibility: Type.Optional(programFields.eligibility),
            eligibleTeamIds: Type.Optional(programFields.eligibleTeamIds),
            eligiblePersonIds: Type.Optional(programFields.eligiblePersonIds),
            excludedPersonIds: Type.Optional(programFields.excludedPersonIds),
            bookingWindow: Type.Optional(programFields.bookingWindow),
            changeCutoffMinutes: Type.Optional(programFields.changeCutoffMinutes),
            cancelGraceMinutes: Type.Optional(programFields.cancelGraceMinutes),
            trainingRequired: Type.Optional(programFields.trainingRequired),
            supportTeamId: Type.Optional(programFields.supportTeamId),
          },
          { additionalProperties: false },
        ),
        response: { 201: Program, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const program = await createProgram(request.ctx, request.body);
      reply.code(201).header("location", `/v1/duty-programs/${program.id}`);
      return withEtag(reply, program);
    },
  );

  app.get(
    "/duty-programs/:id",
    { schema: { tags, summary: "Get a duty program", params: IdParams, response: { 200: Program, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => withEtag(reply, await getProgram(request.ctx, request.params.id)),
  );

  app.patch(
    "/duty-programs/:id",
    {
      schema: {
        tags,
        summary: "Change a duty program (admin or lead; If-Match)",
        params: IdParams,
        body: Type.Partial(Type.Object(programFields), { additionalProperties: false, minProperties: 1 }),
        response: { 200: Program, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
      },
    },
    async (request, reply) => withEtag(reply, await updateProgram(request.ctx, request.params.id, request.body, ifMatchVersions(request))),
  );

  app.post(
    "/duty-programs/:id/months/:month/slots",
    {
      schema: {
        tags,
        summary: "Generate a month's slots from the template (idempotent, DST-correct)",
        params: MonthParams,
        response: { 200: Type.Object({ month: Type.String(), created: Type.Integer(), total: Type.Integer() }), ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => generateMonthSlots(request.ctx, request.params.id, request.params.month),
  );

  app.get(
    "/duty-programs/:id/slots",
    {
      schema: {
        tags,
        summary: "The company-wide duty calendar of a month: slots, who booked them, free seats",
        description: "Carries a weak `ETag` of its content: a client polling for others' bookings sends it back as `If-None-Match` and gets 304 while nothing changed.",
        params: IdParams,
        querystring: Type.Object({ month: Month }, { additionalProperties: false }),
        response: {
          200: Type.Object({ programId: Uuid, month: Type.String(), timeZone: Type.String(), items: Type.Array(CalendarSlot) }),
          304: { description: "Not modified: the month is as the client has it (no body)" },
          ...errorResponses(400, 401, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const result = await listSlots(request.ctx, request.params.id, request.query.month);
      const body = { ...result, items: result.items.map(slotView) };
      const etag = contentEtag(body);
      reply.header("etag", etag);
      if (matchesEtag(request.headers["if-none-match"], etag)) return reply.code(304).send();
      return body;
    },
  );

  app.post(
    "/duty-programs/:id/slots",
    {
      schema: {
        tags,
        summary: "Add one slot (admin or lead)",
        params: IdParams,
        body: Type.Object(
          { start: Type.String({ format: "date-time" }), end: Type.String({ format: "date-time" }), seats: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })) },
          { additionalProperties: false },
        ),
        response: { 201: Slot, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(withEtag(reply, slotView(await addSlot(request.ctx, request.params.id, request.body)))),
  );

  app.patch(
    "/duty-slots/:id",
    {
      schema: {
        tags,
        summary: "Close, reopen or resize a slot (admin or lead)",
        description: "`If-Match` is optional (as on every write): send the slot's ETag (`\"v<version>\"`, as returned by adding or changing it; `version` in the calendar) so a concurrent change is not overwritten: a stale one is 412.",
        params: IdParams,
        body: Type.Object(
          { closed: Type.Optional(Type.Boolean()), seats: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Slot, ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => withEtag(reply, slotView(await updateSlot(request.ctx, request.params.id, request.body, ifMatchVersions(request)))),
  );

  app.post(
    "/duty-slots/:id/bookings",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Book a seat (yourself; an admin or lead may book for someone)",
        description:
          "First come, first served, decided by the database: a seat is never given twice (409 `slot_full`), a quota never exceeded (409 `quota_exceeded`), a booking never overlaps the person's shifts or other slots (409 `booking_overlaps`). Also 409 `training_required`, `booking_not_open`, `booking_closed`, `slot_closed`; 422 `not_eligible`. Send `Idempotency-Key` so a retried click is not a second booking.",
        params: IdParams,
        body: Type.Object({ personId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 201: Booking, ...bookingErrors },
      },
    },
    async (request, reply) => {
      const booking = await book(request.ctx, request.params.id, request.body ?? {});
      reply.code(201).header("location", `/v1/duty-bookings/${booking.id}`);
      return slotView(booking);
    },
  );

  app.delete(
    "/duty-bookings/:id",
    {
      schema: {
        tags,
        summary: "Cancel a booking (free before the cut-off; after it, 409 cutoff_passed unless a lead)",
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await cancelBooking(request.ctx, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/duty-bookings/:id/move",
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: "Move a booking to another slot, atomically (never zero bookings, never two)",
        params: IdParams,
        body: Type.Object({ slotId: Uuid }, { additionalProperties: false }),
        response: { 200: Booking, ...bookingErrors },
      },
    },
    async (request) => slotView(await moveBooking(request.ctx, request.params.id, request.body.slotId)),
  );

  app.get(
    "/duty-programs/:id/on-duty",
    {
      schema: {
        tags,
        summary: "Who is on duty at an instant (default now), and who of them has a skill",
        params: IdParams,
        querystring: Type.Object({ at: Type.Optional(Type.String({ format: "date-time" })), skill: Type.Optional(Skill) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            programId: Uuid,
            at: Instant,
            skill: Type.Union([Type.String(), Type.Null()]),
            onDuty: Type.Array(OnDuty),
            withSkill: Type.Array(OnDuty),
          }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request) => onDuty(request.ctx, request.params.id, request.query.at ? new Date(request.query.at) : request.now, request.query.skill),
  );

  app.get(
    "/duty-programs/:id/months/:month/unbooked",
    {
      schema: {
        tags,
        summary: "Eligible people who still have to book this month (for reminders)",
        params: MonthParams,
        response: {
          200: Type.Object({
            programId: Uuid,
            month: Type.String(),
            quotaPerMonth: Type.Integer(),
            items: Type.Array(Type.Object({ person: Person, booked: Type.Integer(), trained: Type.Boolean() })),
          }),
          ...errorResponses(400, 401, 404, 422),
        },
      },
    },
    async (request) => unbooked(request.ctx, request.params.id, request.params.month),
  );

  app.post(
    "/duty-programs/:id/months/:month/auto-assign",
    {
      schema: {
        tags,
        summary: "Fairly assign a slot to everyone who has not booked (dry run unless apply=true)",
        description:
          "Each person gets a slot inside their own working hours (their zone; default Mon–Fri 09:00–17:00), clear of their shifts, other slots and time off, spread over slots and days; people given unpopular slots (early, late, Friday afternoon) in the last 3 months choose first. Deterministic. Everyone who owes a slot and is not placed is listed with a reason, untrained people included where training is required.",
        params: MonthParams,
        querystring: Type.Object({ apply: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            apply: Type.Boolean(),
            month: Type.String(),
            assignments: Type.Array(Type.Object({ personId: Uuid, person: PersonName, slotId: Uuid, unpopular: Type.Boolean(), bookingId: Type.Optional(Uuid) })),
            unplaced: Type.Array(
              Type.Object({
                personId: Uuid,
                person: PersonName,
                reason: Type.String({
                  description:
                    "`not_trained`, `no_open_slot`, `no_slot_in_working_hours`, `on_time_off`, `busy` (every slot in their hours clashes with other assignments), `no_free_seat`; with apply, also `quota_met` or a booking refusal's code",
                }),
                detail: Type.String({ description: "The reason in words" }),
              }),
            ),
          }),
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request) => autoAssignMonth(request.ctx, request.params.id, request.params.month, request.query.apply ?? false),
  );
};
