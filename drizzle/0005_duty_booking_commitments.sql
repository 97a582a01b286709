-- Duty bookings hold their person like shifts do, in the same commitments
-- table, so a booking can never overlap a shift or another booking of that
-- person (commitments_no_overlap). One trigger function serves every source
-- table; the trigger passes the source kind.
CREATE OR REPLACE FUNCTION "rota_sync_commitment"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM "commitments" WHERE "source_kind" = TG_ARGV[0] AND "source_id" = OLD."id";
    RETURN OLD;
  END IF;
  INSERT INTO "commitments" ("person_id", "during", "source_kind", "source_id")
  VALUES (NEW."person_id", tstzrange(NEW."start_at", NEW."end_at", '[)'), TG_ARGV[0], NEW."id")
  ON CONFLICT ("source_kind", "source_id")
  DO UPDATE SET "person_id" = EXCLUDED."person_id", "during" = EXCLUDED."during";
  RETURN NEW;
END;
$$;
--> statement-breakpoint
DROP TRIGGER "shifts_commitment" ON "shifts";
--> statement-breakpoint
DROP FUNCTION "rota_sync_shift_commitment"();
--> statement-breakpoint
CREATE TRIGGER "shifts_commitment"
  AFTER INSERT OR UPDATE OF "person_id", "start_at", "end_at" OR DELETE ON "shifts"
  FOR EACH ROW EXECUTE FUNCTION "rota_sync_commitment"('shift');
--> statement-breakpoint
CREATE TRIGGER "duty_bookings_commitment"
  AFTER INSERT OR UPDATE OF "person_id", "start_at", "end_at" OR DELETE ON "duty_bookings"
  FOR EACH ROW EXECUTE FUNCTION "rota_sync_commitment"('duty_booking');
