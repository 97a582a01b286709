-- No person is committed twice at once. The database enforces it, so two
-- concurrent requests booking the same person cannot both succeed: the
-- second fails with SQLSTATE 23P01 naming this constraint.
ALTER TABLE "commitments"
  ADD CONSTRAINT "commitments_no_overlap" EXCLUDE USING gist ("person_id" WITH =, "during" WITH &&);
--> statement-breakpoint
CREATE INDEX "commitments_source_idx" ON "commitments" ("source_kind", "source_id");
--> statement-breakpoint
-- Shifts keep their commitment row in step, whatever code writes them.
CREATE OR REPLACE FUNCTION "rota_sync_shift_commitment"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM "commitments" WHERE "source_kind" = 'shift' AND "source_id" = OLD."id";
    RETURN OLD;
  END IF;
  INSERT INTO "commitments" ("person_id", "during", "source_kind", "source_id")
  VALUES (NEW."person_id", tstzrange(NEW."start_at", NEW."end_at", '[)'), 'shift', NEW."id")
  ON CONFLICT ("source_kind", "source_id")
  DO UPDATE SET "person_id" = EXCLUDED."person_id", "during" = EXCLUDED."during";
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "shifts_commitment"
  AFTER INSERT OR UPDATE OF "person_id", "start_at", "end_at" OR DELETE ON "shifts"
  FOR EACH ROW EXECUTE FUNCTION "rota_sync_shift_commitment"();
