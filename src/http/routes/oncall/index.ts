import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { onCallLookup } from "../../../services/oncall.ts";
import { Instant, Uuid, errorResponses, named } from "../../schemas.ts";
import { Skill } from "../people/schemas.ts";

const PersonBrief = named(
  "PersonBrief",
  Type.Object({
    id: Uuid,
    name: Type.String(),
    email: Type.String(),
    timeZone: Type.String(),
    chatUserId: Type.Union([Type.String(), Type.Null()]),
    skills: Type.Array(Type.String()),
  }),
);

/** One schedule's answer: who is on now, since and until when, and who is next. */
const OnCall = named(
  "OnCall",
  Type.Object({
    schedule: Type.Object({ id: Uuid, name: Type.String(), teamId: Type.Union([Uuid, Type.Null()]), timeZone: Type.String() }),
    at: Instant,
    current: Type.Union([
      Type.Object({
        person: PersonBrief,
        since: Instant,
        sinceExact: Type.Boolean({
          description: "true: `since` is when this turn began; false: it began before the 35 days looked back over, so `since` is only a lower bound",
        }),
        until: Instant,
        source: Type.String(),
        override: Type.Union([
          Type.Object({ id: Uuid, replacesPersonId: Type.Union([Uuid, Type.Null()]), start: Instant, end: Instant, note: Type.Union([Type.String(), Type.Null()]) }),
          Type.Null(),
        ]),
        covering: Type.Union([PersonBrief, Type.Null()], {
          description: "When an override put the person on: whom they stand in for at `at` (the override's replacesPersonId, else who the rotation had on); null for a rotation turn or an override over a gap",
        }),
      }),
      Type.Null(),
    ]),
    gap: Type.Union([Type.Object({ since: Instant, until: Instant }), Type.Null()], { description: "Nobody is on call: since/until of the gap" }),
    next: Type.Union([Type.Object({ person: Type.Union([PersonBrief, Type.Null()]), from: Instant }), Type.Null()]),
  }),
);

export const onCallRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/oncall",
    {
      schema: {
        tags: ["on-call"],
        summary: "Who is on call now (or at `at`), since and until when, and who is next",
        description:
          "One entry per schedule (all, or `schedule` by id or name, or those of `team`); `skill` keeps schedules whose current person has it. Answers come from a per-instance cache keyed by each schedule's version, which every request re-reads, so a change is seen by all instances at once.",
        querystring: Type.Object(
          {
            schedule: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Schedule id or name" })),
            team: Type.Optional(Uuid),
            skill: Type.Optional(Skill),
            at: Type.Optional(Type.String({ format: "date-time", description: "Default: now" })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ at: Instant, items: Type.Array(OnCall) }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request) => {
      const { schedule, team, skill, at } = request.query;
      return onCallLookup(app.db, app.onCallCache, { schedule, teamId: team, skill, at: at ? new Date(at) : request.now });
    },
  );
};
