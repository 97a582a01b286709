import { sql } from "drizzle-orm";
import { boolean, check, index, pgEnum, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant, updatedAt, version } from "./_columns.ts";
import { people } from "./people.ts";

export const swapKind = pgEnum("swap_kind", ["trade", "give_away", "open"]);
export const swapStatus = pgEnum("swap_status", ["pending", "accepted", "approved", "completed", "declined", "cancelled", "expired"]);
export const assignmentKind = pgEnum("assignment_kind", ["shift", "duty_booking", "oncall"]);
export const swapLegSide = pgEnum("swap_leg_side", ["offered", "requested"]);

/**
 * One person offers an assignment (a shift, a duty booking, or a window of
 * an on-call schedule): to trade for a named person's assignment, to give
 * to a named person, or open to anyone eligible. What is offered (and, in a
 * trade, requested back) are its legs: swap_legs below.
 */
export const swaps = pgTable(
  "swaps",
  {
    id: id(),
    kind: swapKind("kind").notNull(),
    status: swapStatus("status").notNull().default("pending"),
    requesterId: uuid("requester_id").notNull().references(() => people.id, { onDelete: "restrict" }),
    counterpartId: uuid("counterpart_id").references(() => people.id, { onDelete: "restrict" }),
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
  ],
);

/**
 * The assignments a swap moves: the offered one (every swap has it) and, in
 * a trade, the one requested back. A leg references the assignment by its
 * kind, its id (the schedule's for on-call) and its [start, end); it is no
 * foreign key because the id points into one of three tables.
 */
export const swapLegs = pgTable(
  "swap_legs",
  {
    swapId: uuid("swap_id").notNull().references(() => swaps.id, { onDelete: "cascade" }),
    side: swapLegSide("side").notNull(),
    kind: assignmentKind("kind").notNull(),
    assignmentId: uuid("assignment_id").notNull(),
    startAt: instant("start_at").notNull(),
    endAt: instant("end_at").notNull(),
  },
  (t) => [
    primaryKey({ name: "swap_legs_pk", columns: [t.swapId, t.side] }),
    // "Is this assignment already offered in a live swap?" (was swaps_offered_idx).
    index("swap_legs_assignment_idx").on(t.kind, t.assignmentId, t.side),
    check("swap_legs_window", sql`${t.endAt} > ${t.startAt}`),
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

export type SwapRow = typeof swaps.$inferSelect;
export type SwapLeg = typeof swapLegs.$inferSelect;

/**
 * A swap as services and the API see it: the row with its legs flattened
 * back into offered* / requested* (src/db/repositories/swaps.ts assembles it).
 */
export type Swap = SwapRow & {
  offeredKind: SwapLeg["kind"];
  offeredId: string;
  offeredStart: Date;
  offeredEnd: Date;
  requestedKind: SwapLeg["kind"] | null;
  requestedId: string | null;
  requestedStart: Date | null;
  requestedEnd: Date | null;
};
