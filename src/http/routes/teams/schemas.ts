import { Type } from "typebox";
import { Instant, PageQuery, TimeZoneName, Uuid, named } from "../../schemas.ts";
import { Person } from "../people/schemas.ts";

export const Team = named(
  "Team",
  Type.Object(
    {
      id: Uuid,
      name: Type.String(),
      description: Type.Union([Type.String(), Type.Null()]),
      timeZone: Type.String(),
      minShiftMinutes: Type.Integer(),
      shiftGranularityMinutes: Type.Integer(),
      maxConcurrentChats: Type.Integer(),
      swapApprovalRequired: Type.Boolean(),
      timeOffAutoApprove: Type.Boolean(),
      selfScheduling: Type.Boolean(),
      openSwapsOnTimeOff: Type.Boolean(),
      createdAt: Instant,
      updatedAt: Instant,
      version: Type.Integer(),
    },
    { additionalProperties: false },
  ),
);

const editable = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
  timeZone: TimeZoneName,
  minShiftMinutes: Type.Integer({ minimum: 1, maximum: 1440, description: "Shortest shift, e.g. 240 for 4-hour blocks (default 60)" }),
  shiftGranularityMinutes: Type.Integer({ minimum: 1, maximum: 1440, description: "Shifts start and end on this grid in team time; must divide 1440 (default 60)" }),
  maxConcurrentChats: Type.Integer({ minimum: 1, maximum: 100, description: "Chats one agent handles at once (default 1)" }),
  swapApprovalRequired: Type.Boolean({ description: "Swaps need a lead's approval (default false)" }),
  timeOffAutoApprove: Type.Boolean({ description: "Time off is approved on request (default false)" }),
  selfScheduling: Type.Boolean({ description: "Members may schedule and edit their own shifts (default false)" }),
  openSwapsOnTimeOff: Type.Boolean({ description: "Approved time off offers the person's uncovered assignments as open swaps (default false)" }),
};

export const TeamCreate = Type.Object(
  {
    name: editable.name,
    timeZone: editable.timeZone,
    description: Type.Optional(editable.description),
    minShiftMinutes: Type.Optional(editable.minShiftMinutes),
    shiftGranularityMinutes: Type.Optional(editable.shiftGranularityMinutes),
    maxConcurrentChats: Type.Optional(editable.maxConcurrentChats),
    swapApprovalRequired: Type.Optional(editable.swapApprovalRequired),
    timeOffAutoApprove: Type.Optional(editable.timeOffAutoApprove),
    selfScheduling: Type.Optional(editable.selfScheduling),
    openSwapsOnTimeOff: Type.Optional(editable.openSwapsOnTimeOff),
  },
  { additionalProperties: false },
);

export const TeamPatch = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 });

export const TeamsQuery = Type.Object(
  { ...PageQuery, q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Part of the team name" })) },
  { additionalProperties: false },
);

export const Membership = named(
  "TeamMember",
  Type.Object(
    {
      teamId: Uuid,
      personId: Uuid,
      isLead: Type.Boolean(),
      createdAt: Instant,
      person: Person,
    },
    { additionalProperties: false },
  ),
);

export const MemberCreate = Type.Object(
  { personId: Uuid, isLead: Type.Optional(Type.Boolean({ description: "Team lead (the person needs the lead or admin role)" })) },
  { additionalProperties: false },
);

export const MemberPatch = Type.Object({ isLead: Type.Boolean() }, { additionalProperties: false });

export const MemberParams = Type.Object({ id: Uuid, personId: Uuid }, { additionalProperties: false });

export const MembersQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });
