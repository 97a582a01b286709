import { sql } from "drizzle-orm";
import { check, date, index, integer, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, during, id, instant, updatedAt, version } from "./_columns.ts";
import { people } from "./people.ts";
import { teams } from "./teams.ts";

export const turnUnit = pgEnum("turn_unit", ["hours", "days", "weeks"]);

/**
 * An on-call schedule: rotations stacked as layers, overrides on top.
 * `version` is bumped by every change to the schedule, its layers or its
 * overrides: the on-call cache of every instance keys on it.
 */
export const schedules = pgTable(
  "schedules",
  {
    id: id(),
    name: text("name").notNull(),
    description: text("description"),
    timeZone: text("time_zone").notNull(),
    teamId: uuid("team_id").references(() => teams.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [uniqueIndex("schedules_name_lower_uq").on(sql`lower(${t.name})`), index("schedules_team_idx").on(t.teamId)],
);

/** A rotation in a schedule; position 0 is the highest priority. */
export const scheduleLayers = pgTable(
  "schedule_layers",
  {
    id: id(),
    scheduleId: uuid("schedule_id").notNull().references(() => schedules.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    name: text("name").notNull(),
    turnUnit: turnUnit("turn_unit").notNull(),
    turnCount: integer("turn_count").notNull(),
    handoffTime: text("handoff_time").notNull(),
    /** null: the schedule's zone. */
    timeZone: text("time_zone"),
    startDate: date("start_date", { mode: "string" }).notNull(),
    /** Nothing from the layer before this instant (one that starts mid-turn, as imported layers can). */
    startAt: instant("start_at"),
    endAt: instant("end_at"),
  },
  (t) => [uniqueIndex("schedule_layers_position_uq").on(t.scheduleId, t.position), check("schedule_layers_turn_positive", sql`${t.turnCount} > 0`)],
);

export const scheduleLayerRestrictions = pgTable(
  "schedule_layer_restrictions",
  {
    id: id(),
    layerId: uuid("layer_id").notNull().references(() => scheduleLayers.id, { onDelete: "cascade" }),
    days: text("days").array().notNull(),
    startTime: text("start_time").notNull(),
    endTime: text("end_time").notNull(),
  },
  (t) => [index("schedule_layer_restrictions_layer_idx").on(t.layerId)],
);

/**
 * Who takes turns in a layer, in turn order (`position` 0 first). A person
 * may appear twice (two turns per cycle): the key is the position, not the
 * person. A null person is a turn with nobody on (Opsgenie's `none`). People
 * are never deleted (they are deactivated), so the person reference restricts
 * like every other one.
 */
export const scheduleLayerParticipants = pgTable(
  "schedule_layer_participants",
  {
    layerId: uuid("layer_id").notNull().references(() => scheduleLayers.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    personId: uuid("person_id").references(() => people.id, { onDelete: "restrict" }),
  },
  (t) => [primaryKey({ name: "schedule_layer_participants_pk", columns: [t.layerId, t.position] }), index("schedule_layer_participants_person_idx").on(t.personId)],
);

/** From the first handoff at or after `effectiveFrom`, the layer rotates through other people (schedule_layer_change_participants). */
export const scheduleLayerChanges = pgTable(
  "schedule_layer_changes",
  {
    id: id(),
    layerId: uuid("layer_id").notNull().references(() => scheduleLayers.id, { onDelete: "cascade" }),
    effectiveFrom: date("effective_from", { mode: "string" }).notNull(),
  },
  (t) => [index("schedule_layer_changes_layer_idx").on(t.layerId)],
);

/** The rotation a participant change switches to, in turn order; as schedule_layer_participants. */
export const scheduleLayerChangeParticipants = pgTable(
  "schedule_layer_change_participants",
  {
    changeId: uuid("change_id").notNull().references(() => scheduleLayerChanges.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "restrict" }),
  },
  (t) => [
    primaryKey({ name: "schedule_layer_change_participants_pk", columns: [t.changeId, t.position] }),
    index("schedule_layer_change_participants_person_idx").on(t.personId),
  ],
);

/** A person replaces whoever is on call (or only `replacesPersonId`) over [start, end). Newest wins. */
export const scheduleOverrides = pgTable(
  "schedule_overrides",
  {
    id: id(),
    scheduleId: uuid("schedule_id").notNull().references(() => schedules.id, { onDelete: "cascade" }),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "restrict" }),
    replacesPersonId: uuid("replaces_person_id").references(() => people.id, { onDelete: "restrict" }),
    startAt: instant("start_at").notNull(),
    endAt: instant("end_at").notNull(),
    note: text("note"),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
  },
  (t) => [
    // Overlap reads (src/db/sql.ts overlaps); schedule_id first also serves the cascade from schedules.
    index("schedule_overrides_during_idx").using("gist", t.scheduleId, during(t)),
    check("schedule_overrides_positive", sql`${t.endAt} > ${t.startAt}`),
  ],
);

/**
 * A Slack workspace that may call /v1/slack/commands. Its signing secret is
 * sealed with ROTA_SECRET_KEY (services/secrets.ts) and never leaves the
 * server. `signing_secret` holds the clear secret of rows written before
 * encryption (migration 0010) until the server starts with a key and seals it.
 */
export const slackWorkspaces = pgTable(
  "slack_workspaces",
  {
    id: id(),
    slackTeamId: text("slack_team_id").notNull().unique("slack_workspaces_team_uq"),
    name: text("name").notNull(),
    signingSecretSealed: text("signing_secret_sealed"),
    /** Legacy, in clear: read only until sealed at start; never written by the API. */
    signingSecretInClear: text("signing_secret"),
    defaultScheduleId: uuid("default_schedule_id").references(() => schedules.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [check("slack_workspaces_secret_present", sql`${t.signingSecretSealed} IS NOT NULL OR ${t.signingSecretInClear} IS NOT NULL`)],
);

export type Schedule = typeof schedules.$inferSelect;
/** A layer as services see it: the row with its participants' ids in turn order. */
export type ScheduleLayerRow = typeof scheduleLayers.$inferSelect & { participantIds: (string | null)[] };
export type ScheduleOverride = typeof scheduleOverrides.$inferSelect;
export type SlackWorkspace = typeof slackWorkspaces.$inferSelect;
