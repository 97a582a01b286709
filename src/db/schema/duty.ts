import { sql } from "drizzle-orm";
import { boolean, check, date, index, integer, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, during, id, instant, updatedAt, version } from "./_columns.ts";
import { people } from "./people.ts";
import { teams } from "./teams.ts";

export const dutyEligibility = pgEnum("duty_eligibility", ["all", "teams", "people"]);

/**
 * A company-wide recurring duty, such as one hour of support chat a month
 * for everyone. Slots come from its own weekly windows (duty_program_windows)
 * or from a team's support hours (`hoursTeamId`). Who may book: everyone
 * active (`eligibility` all), members of duty_program_teams (teams), or
 * duty_program_people with role eligible (people); never those with role
 * excluded.
 */
export const dutyPrograms = pgTable(
  "duty_programs",
  {
    id: id(),
    name: text("name").notNull(),
    timeZone: text("time_zone").notNull(),
    slotMinutes: integer("slot_minutes").notNull().default(60),
    hoursTeamId: uuid("hours_team_id").references(() => teams.id, { onDelete: "restrict" }),
    seatsPerSlot: integer("seats_per_slot").notNull().default(1),
    quotaPerMonth: integer("quota_per_month").notNull().default(1),
    eligibility: dutyEligibility("eligibility").notNull().default("all"),
    /** Booking for a month opens at 00:00 on `opensDay` of the month `opensMonthsBefore` earlier (null: always open). */
    bookingOpensMonthsBefore: integer("booking_opens_months_before"),
    bookingOpensDay: integer("booking_opens_day"),
    bookingClosesMonthsBefore: integer("booking_closes_months_before"),
    bookingClosesDay: integer("booking_closes_day"),
    /** Cancelling or moving a booking less than this before the slot needs a lead. */
    changeCutoffMinutes: integer("change_cutoff_minutes").notNull().default(1440),
    /** A booking made by mistake can be cancelled (or moved) this long after it was made, whatever the cut-off, until the slot starts. */
    cancelGraceMinutes: integer("cancel_grace_minutes").notNull().default(10),
    trainingRequired: boolean("training_required").notNull().default(false),
    /** The team people on duty join (e.g. the Customer Advocates). */
    supportTeamId: uuid("support_team_id").references(() => teams.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [
    uniqueIndex("duty_programs_name_lower_uq").on(sql`lower(${t.name})`),
    check("duty_programs_numbers", sql`${t.slotMinutes} BETWEEN 15 AND 480 AND ${t.seatsPerSlot} > 0 AND ${t.quotaPerMonth} > 0 AND ${t.changeCutoffMinutes} >= 0 AND ${t.cancelGraceMinutes} BETWEEN 0 AND 1440`),
  ],
);

export const dutyPersonRole = pgEnum("duty_person_role", ["eligible", "excluded"]);

/**
 * The teams whose members may book (eligibility "teams"), in the order the
 * program lists them (`position`, so the API returns the list as given). A
 * deleted team leaves the list (it had no members left to be eligible).
 */
export const dutyProgramTeams = pgTable(
  "duty_program_teams",
  {
    programId: uuid("program_id").notNull().references(() => dutyPrograms.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ name: "duty_program_teams_pk", columns: [t.programId, t.position] }), index("duty_program_teams_team_idx").on(t.teamId)],
);

/**
 * People named by a program: eligible (eligibility "people") or excluded
 * (always), each list in the order given. People are never deleted.
 */
export const dutyProgramPeople = pgTable(
  "duty_program_people",
  {
    programId: uuid("program_id").notNull().references(() => dutyPrograms.id, { onDelete: "cascade" }),
    role: dutyPersonRole("role").notNull(),
    position: integer("position").notNull(),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "restrict" }),
  },
  (t) => [
    primaryKey({ name: "duty_program_people_pk", columns: [t.programId, t.role, t.position] }),
    index("duty_program_people_person_idx").on(t.personId),
  ],
);

export const dutyProgramWindows = pgTable(
  "duty_program_windows",
  {
    id: id(),
    programId: uuid("program_id").notNull().references(() => dutyPrograms.id, { onDelete: "cascade" }),
    days: text("days").array().notNull(),
    startTime: text("start_time").notNull(),
    endTime: text("end_time").notNull(),
  },
  (t) => [index("duty_program_windows_program_idx").on(t.programId)],
);

export const dutyProgramExceptions = pgTable(
  "duty_program_exceptions",
  {
    id: id(),
    programId: uuid("program_id").notNull().references(() => dutyPrograms.id, { onDelete: "cascade" }),
    date: date("date", { mode: "string" }).notNull(),
    closed: boolean("closed").notNull(),
    startTime: text("start_time"),
    endTime: text("end_time"),
  },
  (t) => [index("duty_program_exceptions_program_idx").on(t.programId, t.date)],
);

export const dutySlots = pgTable(
  "duty_slots",
  {
    id: id(),
    programId: uuid("program_id").notNull().references(() => dutyPrograms.id, { onDelete: "cascade" }),
    /** "YYYY-MM" in the program's zone: the period the quota counts in. */
    month: text("month").notNull(),
    startAt: instant("start_at").notNull(),
    endAt: instant("end_at").notNull(),
    seats: integer("seats").notNull(),
    closed: boolean("closed").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [
    uniqueIndex("duty_slots_program_start_uq").on(t.programId, t.startAt),
    index("duty_slots_program_month_idx").on(t.programId, t.month, t.startAt),
    // Overlap reads (src/db/sql.ts overlaps).
    index("duty_slots_program_during_idx").using("gist", t.programId, during(t)),
    check("duty_slots_positive", sql`${t.endAt} > ${t.startAt} AND ${t.seats} >= 0`),
  ],
);

/** A person in a seat of a slot. start/end copy the slot's so the commitments trigger can see them. */
export const dutyBookings = pgTable(
  "duty_bookings",
  {
    id: id(),
    slotId: uuid("slot_id").notNull().references(() => dutySlots.id, { onDelete: "cascade" }),
    programId: uuid("program_id").notNull().references(() => dutyPrograms.id, { onDelete: "cascade" }),
    month: text("month").notNull(),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "restrict" }),
    startAt: instant("start_at").notNull(),
    endAt: instant("end_at").notNull(),
    bookedBy: uuid("booked_by"),
    autoAssigned: boolean("auto_assigned").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [
    uniqueIndex("duty_bookings_slot_person_uq").on(t.slotId, t.personId),
    index("duty_bookings_person_month_idx").on(t.personId, t.programId, t.month),
    // Overlap reads by person (assignments) and by program (who is on duty at an instant, one program or all: programs are few).
    index("duty_bookings_person_during_idx").using("gist", t.personId, during(t)),
    index("duty_bookings_program_during_idx").using("gist", t.programId, during(t)),
  ],
);

/** How many unpopular slots auto-assign gave each person each month: its fairness memory. */
export const dutyFairnessLedger = pgTable(
  "duty_fairness_ledger",
  {
    programId: uuid("program_id").notNull().references(() => dutyPrograms.id, { onDelete: "cascade" }),
    personId: uuid("person_id").notNull().references(() => people.id, { onDelete: "cascade" }),
    month: text("month").notNull(),
    unpopularCount: integer("unpopular_count").notNull(),
  },
  (t) => [primaryKey({ name: "duty_fairness_ledger_pk", columns: [t.programId, t.personId, t.month] })],
);

export type DutyProgramRow = typeof dutyPrograms.$inferSelect;
/** A program as services see it: the row with its eligibility lists in the order given. */
export type DutyProgram = DutyProgramRow & { eligibleTeamIds: string[]; eligiblePersonIds: string[]; excludedPersonIds: string[] };
export type DutySlot = typeof dutySlots.$inferSelect;
export type DutyBooking = typeof dutyBookings.$inferSelect;
