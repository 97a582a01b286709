-- In-memory caches of the hot paths (tokens → callers, people, schedule heads)
-- are invalidated by the database itself: every statement that changes what
-- they hold sends NOTIFY rota_changes with what changed, delivered at commit
-- to every instance (identical notifications of one transaction fold into
-- one). A revoked token, a deactivated person or a changed schedule reaches
-- every instance's cache in the time a NOTIFY takes.
CREATE OR REPLACE FUNCTION "rota_notify_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rota_changes', TG_ARGV[0]);
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A token's last use is touched about once a minute per token: only a revocation (or a deletion) matters.
CREATE TRIGGER "api_tokens_notify_auth" AFTER UPDATE ON "api_tokens" FOR EACH ROW WHEN (OLD."revoked_at" IS DISTINCT FROM NEW."revoked_at" OR OLD."person_id" IS DISTINCT FROM NEW."person_id" OR OLD."token_hash" IS DISTINCT FROM NEW."token_hash") EXECUTE FUNCTION "rota_notify_change"('auth');
--> statement-breakpoint
CREATE TRIGGER "api_tokens_notify_auth_delete" AFTER DELETE ON "api_tokens" FOR EACH STATEMENT EXECUTE FUNCTION "rota_notify_change"('auth');
--> statement-breakpoint
CREATE TRIGGER "people_notify_people" AFTER UPDATE OR DELETE ON "people" FOR EACH STATEMENT EXECUTE FUNCTION "rota_notify_change"('people');
--> statement-breakpoint
CREATE TRIGGER "team_members_notify_auth" AFTER INSERT OR UPDATE OR DELETE ON "team_members" FOR EACH STATEMENT EXECUTE FUNCTION "rota_notify_change"('auth');
--> statement-breakpoint
-- A revoked feed URL (calendar changes already NOTIFY rota_calendar through the outbox triggers).
CREATE TRIGGER "calendar_feeds_notify_feeds" AFTER UPDATE OR DELETE ON "calendar_feeds" FOR EACH STATEMENT EXECUTE FUNCTION "rota_notify_change"('feeds');
--> statement-breakpoint
CREATE TRIGGER "schedules_notify_schedules" AFTER INSERT OR UPDATE OR DELETE ON "schedules" FOR EACH STATEMENT EXECUTE FUNCTION "rota_notify_change"('schedules');
