import { Type } from "typebox";
import { Email, Instant, LocalDate, PageQuery, StringEnum, TimeZoneName, Uuid, named } from "../../schemas.ts";

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

/** POST /v1/people/import: one person of the file, by email; the fields of POST /v1/people plus `teams`. */
export const ImportTeam = Type.Object(
  {
    team: Type.String({ minLength: 1, maxLength: 200, description: "The team's name (any case) or id; it must exist" }),
    lead: Type.Optional(Type.Boolean({ description: "Lead of this team (default false: listing a team without it makes or keeps the person a plain member there)" })),
  },
  { additionalProperties: false },
);

export const PersonImportRow = named(
  "PersonImportRow",
  Type.Object(
    {
      email: editable.email,
      name: Type.Optional(editable.name),
      timeZone: Type.Optional(editable.timeZone),
      role: Type.Optional(editable.role),
      title: Type.Optional(editable.title),
      skills: Type.Optional(editable.skills),
      active: Type.Optional(editable.active),
      chatUserId: Type.Optional(editable.chatUserId),
      trainedAt: Type.Optional(
        Type.Union([Instant, LocalDate, Type.Null()], { description: "When the person finished duty training: an instant, or a date (the start of that day in the person's zone)" }),
      ),
      workingDays: Type.Optional(editable.workingDays),
      workingStart: Type.Optional(editable.workingStart),
      workingEnd: Type.Optional(editable.workingEnd),
      teams: Type.Optional(Type.Array(ImportTeam, { maxItems: 50, description: "Teams to be in, each with its lead flag; teams not listed are left as they are" })),
    },
    {
      additionalProperties: false,
      description:
        "A person matched by email (any case): created when new (then `name` and `timeZone` are required), else updated. A field left out stays as it is (or takes POST /v1/people's default for someone new); `null` clears it.",
    },
  ),
);

export const PeopleImportJson = Type.Object(
  { people: Type.Array(PersonImportRow, { maxItems: 5000, description: "At most 5,000 people; errors name a row by its index here (from 0) as `line`" }) },
  {
    additionalProperties: false,
    examples: [
      {
        people: [
          { name: "Ana Ruiz", email: "ana@example.com", timeZone: "Europe/Madrid", role: "lead", skills: ["spanish"], teams: [{ team: "Support", lead: true }] },
          { name: "Bo Chen", email: "bo@example.com", timeZone: "America/Chicago", title: "Support Engineer", teams: [{ team: "Support" }, { team: "Billing" }], trainedAt: "2026-01-15" },
        ],
      },
    ],
  },
);

export const PeopleImportCsv = Type.String({
  description:
    "UTF-8 CSV with a header row naming the columns (any of name, email, timeZone, role, title, skills, active, chatUserId, trainedAt, workingDays, workingStart, workingEnd, teams; case, spaces and underscores do not matter; email is required). Cells with several values (skills, workingDays, teams) separate them with `;`; a team is `Name` or `Name:lead`. An empty cell leaves the field as it is. Errors name the file's line (the header is line 1).",
  examples: ["name,email,timeZone,role,title,skills,teams,trainedAt\nAna Ruiz,ana@example.com,Europe/Madrid,lead,Team lead,spanish;french,Support:lead,2026-01-15\nBo Chen,bo@example.com,America/Chicago,member,Support Engineer,,Support;Billing,\n"],
});

export const PeopleImportQuery = Type.Object(
  {
    dryRun: Type.Optional(Type.Boolean({ default: false, description: "Plan and report what would change, write nothing (the same errors as a real run)" })),
    issueSignInLinks: Type.Optional(
      Type.Boolean({ default: false, description: "A one-time web sign-in link (valid 24 h) for each person created, in their row; only for people you may make links for" }),
    ),
  },
  { additionalProperties: false },
);

const FieldChange = Type.Object({ from: Type.Unknown(), to: Type.Unknown() }, { additionalProperties: false });

export const PeopleImportResult = named(
  "PeopleImportResult",
  Type.Object(
    {
      dryRun: Type.Boolean({ description: "True: nothing was written, this is what the file would do" }),
      summary: Type.Object(
        {
          rows: Type.Integer(),
          created: Type.Integer(),
          updated: Type.Integer(),
          unchanged: Type.Integer(),
          membershipsAdded: Type.Integer(),
          leadFlagsChanged: Type.Integer({ description: "Existing memberships whose lead flag was set or cleared" }),
          signInLinks: Type.Integer(),
        },
        { additionalProperties: false },
      ),
      rows: Type.Array(
        Type.Object(
          {
            line: Type.Integer({ description: "The CSV line (the header is line 1) or the index in `people` (from 0)" }),
            email: Type.String(),
            action: StringEnum(["create", "update", "unchanged"] as const),
            personId: Type.Union([Uuid, Type.Null()], { description: "Null for someone a dry run would create" }),
            changes: Type.Record(Type.String(), FieldChange, { description: "Each field that changes, old → new (for someone new: from null)" }),
            memberships: Type.Array(
              Type.Object(
                {
                  teamId: Uuid,
                  teamName: Type.String(),
                  action: StringEnum(["add", "update"] as const, { description: "add: joins the team; update: the lead flag changes" }),
                  isLead: Type.Boolean(),
                },
                { additionalProperties: false },
              ),
            ),
            signInLink: Type.Optional(
              Type.Object(
                { url: Type.String({ description: "Open once, within 24 hours, to sign in to the web app. Shown only in this response." }), expiresAt: Instant },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
);
