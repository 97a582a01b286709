import { sql } from "drizzle-orm";
import { boolean, check, index, pgEnum, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant, updatedAt, version } from "./_columns.ts";
import { people } from "./people.ts";

export const swapKind = pgEnum("swap_kind", ["trade", "give_away", "open"]);
export const swapStatus = pgEnum("swap_status", ["pending", "accepted", "approved", "completed", "declined", "cancelled", "expired"]);
export const assignmentKind = pgEnum("assignment_kind", ["shift", "duty_booking", "oncall"]);

/**
 * One person offers an assignment (a shift, a duty booking, or a window of
 * an on-call schedule): to trade for a named person's assignment, to give
 * to a named person, or open to anyone eligible. `offered*` / `requested*`
 * reference the assignment: its kind, its id (the schedule's for on-call)
 * and its [start, end).
 */
export const swaps = pgTable(
  "swaps",
  {
    id: id(),
    kind: swapKind("kind").notNull(),
    status: swapStatus("status").notNull().default("pending"),
    requesterId: uuid("requester_id").notNull().references(() => people.id, { onDelete: "restrict" }),
    counterpartId: uuid("counterpart_id").references(() => people.id, { onDelete: "restrict" }),
    offeredKind: assignmentKind("offered_kind").notNull(),
    offeredId: uuid("offered_id").notNull(),
    offeredStart: instant("offered_start").notNull(),
    offeredEnd: instant("offered_end").notNull(),
    requestedKind: assignmentKind("requested_kind"),
    requestedId: uuid("requested_id"),
    requestedStart: instant("requested_start"),
    requestedEnd: instant("requested_end"),
    /** The team whose lead approves (the shift's or schedule's team); null for duty. */
    teamId: uuid("team_id"),
    requiresApproval: boolean("requires_approval").notNull(),
    note: text("note"),
    /** Expires at this instant if not completed (defaults to the first assignment's start). */
    expiresAt: instant("expires_at").notNull(),
    createdBy: uuid("created_by").notNull(),
    acceptedAt: instant("accepted_at"),
    approvedBy: uuid("approved_by"),
    approvedAt: instant("approved_at"),
    completedAt: instant("completed_at"),
    timeOffId: uuid("time_off_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    version: version(),
  },
  (t) => [
    index("swaps_requester_idx").on(t.requesterId, t.status),
    index("swaps_counterpart_idx").on(t.counterpartId, t.status),
    index("swaps_offered_idx").on(t.offeredKind, t.offeredId),
    check("swaps_window", sql`${t.offeredEnd} > ${t.offeredStart}`),
  ],
);

/**
 * Calendars whose published form is out of date (an outbox): swaps, time
 * off and other changes add rows; the iCal and Google sync work drains them.
 */
export const calendarRepublish = pgTable(
  "calendar_republish",
  {
    id: id(),
    scopeKind: text("scope_kind").notNull(),
    scopeId: uuid("scope_id").notNull(),
    reason: text("reason").notNull(),
    requestedAt: instant("requested_at").notNull().defaultNow(),
    doneAt: instant("done_at"),
  },
  (t) => [index("calendar_republish_pending_idx").on(t.doneAt, t.requestedAt)],
);

export type Swap = typeof swaps.$inferSelect;
