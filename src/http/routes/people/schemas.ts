import { Type } from "typebox";
import { Email, Instant, PageQuery, StringEnum, TimeZoneName, Uuid, named } from "../../schemas.ts";

export const Role = StringEnum(["admin", "lead", "member"] as const);
export const Skill = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", description: "A tag such as `french` or `legal` (stored lower-case)" });

/** A person's properties as every response shows them (`Me` adds to them). */
export const personFields = {
  id: Uuid,
  name: Type.String(),
  email: Type.String(),
  timeZone: Type.String(),
  role: Role,
  title: Type.Union([Type.String(), Type.Null()]),
  skills: Type.Array(Type.String()),
  active: Type.Boolean(),
  chatUserId: Type.Union([Type.String(), Type.Null()]),
  trainedAt: Type.Union([Instant, Type.Null()]),
  workingDays: Type.Union([Type.Array(Type.String()), Type.Null()], { description: "Working days (null: Mon–Fri)" }),
  workingStart: Type.Union([Type.String(), Type.Null()], { description: "Working hours start, local HH:mm (null: 09:00)" }),
  workingEnd: Type.Union([Type.String(), Type.Null()], { description: "Working hours end, local HH:mm (null: 17:00)" }),
  createdAt: Instant,
  updatedAt: Instant,
  version: Type.Integer({ description: "Bumped on every change; the ETag is `\"v<version>\"`" }),
};

export const Person = named("Person", Type.Object(personFields, { additionalProperties: false }));

const editable = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  email: Email,
  timeZone: TimeZoneName,
  role: Role,
  title: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
  skills: Type.Array(Skill, { maxItems: 50 }),
  active: Type.Boolean(),
  chatUserId: Type.Union([Type.String({ minLength: 1, maxLength: 100, description: "The person's user id in the chat tool, e.g. Slack `U024BE7LH`" }), Type.Null()]),
  trainedAt: Type.Union([Instant, Type.Null()], { description: "When the person finished duty training" }),
  workingDays: Type.Union([Type.Array(StringEnum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const), { minItems: 1, maxItems: 7 }), Type.Null()], {
    description: "Days the person works, in their zone; set with workingStart and workingEnd, or all three null for Mon–Fri 09:00–17:00",
  }),
  workingStart: Type.Union([Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" }), Type.Null()]),
  workingEnd: Type.Union([Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$" }), Type.Null()]),
};

export const PersonCreate = Type.Object(
  {
    name: editable.name,
    email: editable.email,
    timeZone: editable.timeZone,
    role: Type.Optional(editable.role),
    title: Type.Optional(editable.title),
    skills: Type.Optional(editable.skills),
    active: Type.Optional(editable.active),
    chatUserId: Type.Optional(editable.chatUserId),
    trainedAt: Type.Optional(editable.trainedAt),
    workingDays: Type.Optional(editable.workingDays),
    workingStart: Type.Optional(editable.workingStart),
    workingEnd: Type.Optional(editable.workingEnd),
  },
  { additionalProperties: false },
);

export const PersonPatch = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 });

export const PeopleQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Part of the name or email" })),
    role: Type.Optional(Role),
    active: Type.Optional(Type.Boolean()),
    teamId: Type.Optional(Uuid),
    skill: Type.Optional(Skill),
  },
  { additionalProperties: false },
);
