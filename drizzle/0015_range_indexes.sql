-- Overlap reads (src/db/sql.ts overlaps/covers) match tstzrange(start_at, end_at, '[)')
-- against GiST indexes on (owner, that range), btree_gist (0000) serving the uuid
-- owner: a week of a team with years of shifts reads the week, not the years before
-- it. The GiST on (schedule_id, range) replaces the btree schedule_overrides_window_idx.
-- The Idempotency-Key prune deletes by created_at. tests/range-indexes.test.ts EXPLAINs it all.
DROP INDEX "schedule_overrides_window_idx";--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "time_off_person_during_idx" ON "time_off" USING gist ("person_id",tstzrange("start_at", "end_at", '[)'));--> statement-breakpoint
CREATE INDEX "shifts_team_during_idx" ON "shifts" USING gist ("team_id",tstzrange("start_at", "end_at", '[)'));--> statement-breakpoint
CREATE INDEX "shifts_person_during_idx" ON "shifts" USING gist ("person_id",tstzrange("start_at", "end_at", '[)'));--> statement-breakpoint
CREATE INDEX "duty_bookings_person_during_idx" ON "duty_bookings" USING gist ("person_id",tstzrange("start_at", "end_at", '[)'));--> statement-breakpoint
CREATE INDEX "duty_bookings_program_during_idx" ON "duty_bookings" USING gist ("program_id",tstzrange("start_at", "end_at", '[)'));--> statement-breakpoint
CREATE INDEX "duty_slots_program_during_idx" ON "duty_slots" USING gist ("program_id",tstzrange("start_at", "end_at", '[)'));--> statement-breakpoint
CREATE INDEX "schedule_overrides_during_idx" ON "schedule_overrides" USING gist ("schedule_id",tstzrange("start_at", "end_at", '[)'));