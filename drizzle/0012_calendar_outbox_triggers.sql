-- The calendar outbox (calendar_republish) is filled by the database itself:
-- every statement that changes what a calendar shows (shifts, bookings,
-- slots, time off, overrides, rotations' participants, memberships; renames
-- of people, teams and programs; a schedule's version) records which
-- subjects it touched, in the same transaction, and wakes the dispatcher
-- with NOTIFY rota_calendar. No service has to remember to signal a change.
-- Statement-level triggers with transition tables: a bulk insert (a pattern
-- rolled forward a year) writes a handful of rows, not one per shift.
CREATE OR REPLACE FUNCTION "rota_calendar_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  i integer;
  source text;
BEGIN
  FOREACH source IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY['new_rows'] WHEN 'DELETE' THEN ARRAY['old_rows'] ELSE ARRAY['old_rows', 'new_rows'] END LOOP
    -- TG_ARGV holds pairs: scope kind, column naming it.
    FOR i IN 0 .. TG_NARGS / 2 - 1 LOOP
      EXECUTE format(
        'INSERT INTO "calendar_republish" ("scope_kind", "scope_id", "reason") SELECT DISTINCT %L, %I, %L FROM %I WHERE %I IS NOT NULL',
        TG_ARGV[2 * i], TG_ARGV[2 * i + 1], TG_TABLE_NAME || '_' || lower(TG_OP), source, TG_ARGV[2 * i + 1]);
    END LOOP;
  END LOOP;
  PERFORM pg_notify('rota_calendar', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Updates of a row whose watched columns (TG_ARGV[1..]) changed: scope kind TG_ARGV[0], scope id the row's id.
CREATE OR REPLACE FUNCTION "rota_calendar_outbox_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  columns text[] := TG_ARGV[1:TG_NARGS - 1];
  changed text;
  found_rows integer;
BEGIN
  SELECT string_agg(format('n.%1$I IS DISTINCT FROM o.%1$I', c), ' OR ') INTO changed FROM unnest(columns) AS c;
  EXECUTE format(
    'INSERT INTO "calendar_republish" ("scope_kind", "scope_id", "reason") SELECT DISTINCT %L, n."id", %L FROM new_rows n JOIN old_rows o ON o."id" = n."id" WHERE %s',
    TG_ARGV[0], TG_TABLE_NAME || '_update', changed);
  GET DIAGNOSTICS found_rows = ROW_COUNT;
  IF found_rows > 0 THEN PERFORM pg_notify('rota_calendar', ''); END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "shifts_calendar_insert" AFTER INSERT ON "shifts" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id', 'team', 'team_id');
--> statement-breakpoint
CREATE TRIGGER "shifts_calendar_update" AFTER UPDATE ON "shifts" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id', 'team', 'team_id');
--> statement-breakpoint
CREATE TRIGGER "shifts_calendar_delete" AFTER DELETE ON "shifts" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id', 'team', 'team_id');
--> statement-breakpoint
CREATE TRIGGER "duty_bookings_calendar_insert" AFTER INSERT ON "duty_bookings" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id', 'duty_program', 'program_id', 'duty_slot', 'slot_id');
--> statement-breakpoint
CREATE TRIGGER "duty_bookings_calendar_update" AFTER UPDATE ON "duty_bookings" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id', 'duty_program', 'program_id', 'duty_slot', 'slot_id');
--> statement-breakpoint
CREATE TRIGGER "duty_bookings_calendar_delete" AFTER DELETE ON "duty_bookings" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id', 'duty_program', 'program_id', 'duty_slot', 'slot_id');
--> statement-breakpoint
CREATE TRIGGER "duty_slots_calendar_insert" AFTER INSERT ON "duty_slots" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('duty_program', 'program_id', 'duty_slot', 'id');
--> statement-breakpoint
CREATE TRIGGER "duty_slots_calendar_update" AFTER UPDATE ON "duty_slots" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('duty_program', 'program_id', 'duty_slot', 'id');
--> statement-breakpoint
CREATE TRIGGER "duty_slots_calendar_delete" AFTER DELETE ON "duty_slots" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('duty_program', 'program_id', 'duty_slot', 'id');
--> statement-breakpoint
CREATE TRIGGER "time_off_calendar_insert" AFTER INSERT ON "time_off" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id');
--> statement-breakpoint
CREATE TRIGGER "time_off_calendar_update" AFTER UPDATE ON "time_off" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id');
--> statement-breakpoint
CREATE TRIGGER "time_off_calendar_delete" AFTER DELETE ON "time_off" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id');
--> statement-breakpoint
CREATE TRIGGER "schedule_overrides_calendar_insert" AFTER INSERT ON "schedule_overrides" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('schedule', 'schedule_id', 'person', 'person_id', 'person', 'replaces_person_id');
--> statement-breakpoint
CREATE TRIGGER "schedule_overrides_calendar_update" AFTER UPDATE ON "schedule_overrides" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('schedule', 'schedule_id', 'person', 'person_id', 'person', 'replaces_person_id');
--> statement-breakpoint
CREATE TRIGGER "schedule_overrides_calendar_delete" AFTER DELETE ON "schedule_overrides" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('schedule', 'schedule_id', 'person', 'person_id', 'person', 'replaces_person_id');
--> statement-breakpoint
CREATE TRIGGER "schedule_layer_participants_calendar_insert" AFTER INSERT ON "schedule_layer_participants" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id');
--> statement-breakpoint
CREATE TRIGGER "schedule_layer_participants_calendar_update" AFTER UPDATE ON "schedule_layer_participants" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id');
--> statement-breakpoint
CREATE TRIGGER "schedule_layer_participants_calendar_delete" AFTER DELETE ON "schedule_layer_participants" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id');
--> statement-breakpoint
CREATE TRIGGER "schedule_layer_change_participants_calendar_insert" AFTER INSERT ON "schedule_layer_change_participants" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id');
--> statement-breakpoint
CREATE TRIGGER "schedule_layer_change_participants_calendar_update" AFTER UPDATE ON "schedule_layer_change_participants" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id');
--> statement-breakpoint
CREATE TRIGGER "schedule_layer_change_participants_calendar_delete" AFTER DELETE ON "schedule_layer_change_participants" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id');
--> statement-breakpoint
CREATE TRIGGER "team_members_calendar_insert" AFTER INSERT ON "team_members" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id', 'team', 'team_id');
--> statement-breakpoint
CREATE TRIGGER "team_members_calendar_update" AFTER UPDATE ON "team_members" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id', 'team', 'team_id');
--> statement-breakpoint
CREATE TRIGGER "team_members_calendar_delete" AFTER DELETE ON "team_members" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox"('person', 'person_id', 'team', 'team_id');
--> statement-breakpoint
CREATE TRIGGER "schedules_calendar_update" AFTER UPDATE ON "schedules" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox_changed"('schedule', 'version');
--> statement-breakpoint
CREATE TRIGGER "people_calendar_update" AFTER UPDATE ON "people" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox_changed"('person', 'name', 'active', 'time_zone');
--> statement-breakpoint
CREATE TRIGGER "teams_calendar_update" AFTER UPDATE ON "teams" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox_changed"('team', 'name', 'time_zone');
--> statement-breakpoint
CREATE TRIGGER "duty_programs_calendar_update" AFTER UPDATE ON "duty_programs" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "rota_calendar_outbox_changed"('duty_program', 'name');
--> statement-breakpoint
CREATE INDEX "calendar_republish_requested_idx" ON "calendar_republish" ("requested_at");
