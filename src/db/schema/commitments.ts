import { pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { tstzrange } from "./_columns.ts";

/**
 * Every span a person is committed to: one row per shift and per duty
 * booking (on-call windows are computed, never stored, so they are not
 * here). No code writes this table; triggers on the owning tables keep it in
 * step, whatever writes them. Part of it cannot be said in a drizzle schema
 * file, so it lives in hand-written migrations:
 *
 * - `commitments_no_overlap` (drizzle/0003_commitments_exclusion.sql):
 *   EXCLUDE USING gist (person_id WITH =, during WITH &&), on btree_gist
 *   (drizzle/0000_btree_gist.sql). No person is committed to two
 *   overlapping [start, end) spans. Because the database enforces it, two
 *   concurrent requests cannot both book one person at one time: the
 *   second write fails with SQLSTATE 23P01 naming the constraint, which
 *   src/db/errors.ts turns into a DomainError (constraintViolationOf gives
 *   services "overlap" to answer in their own words).
 * - `commitments_source_idx` on (source_kind, source_id) (0003), for the
 *   triggers' lookups.
 * - Function `rota_sync_commitment(source_kind)` (drizzle/0005_duty_booking_
 *   commitments.sql; it replaced 0003's shift-only rota_sync_shift_commitment):
 *   on INSERT or UPDATE upserts the row's (person_id, [start_at, end_at))
 *   under (source_kind, source_id); on DELETE removes it.
 * - Trigger `shifts_commitment` on shifts and `duty_bookings_commitment` on
 *   duty_bookings (both 0005): AFTER INSERT OR UPDATE OF person_id,
 *   start_at, end_at OR DELETE, FOR EACH ROW, calling rota_sync_commitment
 *   with 'shift' / 'duty_booking'. So a shift moved to another person or
 *   time, a booking moved to another slot, a swap handing either over, or a
 *   delete (also by ON DELETE CASCADE from a team or slot) keeps the
 *   commitment exact inside the same statement, and an overlap aborts that
 *   statement.
 *
 * A new source of commitments adds the same trigger on its table (with its
 * own source kind) in a migration, and a row here needs nothing else.
 */
export const commitments = pgTable(
  "commitments",
  {
    personId: uuid("person_id").notNull(),
    during: tstzrange("during").notNull(),
    sourceKind: text("source_kind").notNull(),
    sourceId: uuid("source_id").notNull(),
  },
  (t) => [primaryKey({ name: "commitments_pk", columns: [t.sourceKind, t.sourceId] })],
);
