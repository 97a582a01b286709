CREATE TYPE "public"."calendar_credential_kind" AS ENUM('service_account', 'oauth');--> statement-breakpoint
CREATE TYPE "public"."calendar_target_status" AS ENUM('pending', 'ok', 'retrying', 'failed', 'removing');--> statement-breakpoint
CREATE TABLE "calendar_target_events" (
	"target_id" uuid NOT NULL,
	"event_key" text NOT NULL,
	"event_id" text NOT NULL,
	"hash" text NOT NULL,
	"start_at" timestamp (3) with time zone NOT NULL,
	"end_at" timestamp (3) with time zone NOT NULL,
	"pushed_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "calendar_target_events_pk" PRIMARY KEY("target_id","event_key")
);
--> statement-breakpoint
CREATE TABLE "calendar_targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"subject_kind" "feed_subject_kind" NOT NULL,
	"person_id" uuid,
	"team_id" uuid,
	"schedule_id" uuid,
	"program_id" uuid,
	"calendar_id" text NOT NULL,
	"credential_kind" "calendar_credential_kind" NOT NULL,
	"credentials_sealed" text NOT NULL,
	"credential_hint" text NOT NULL,
	"delegated_user" text,
	"include_time_off" boolean DEFAULT false NOT NULL,
	"include_gaps" boolean DEFAULT false NOT NULL,
	"include_free_seats" boolean DEFAULT false NOT NULL,
	"include_coworkers" boolean DEFAULT true NOT NULL,
	"show_as_free" boolean DEFAULT false NOT NULL,
	"past_days" integer DEFAULT 7 NOT NULL,
	"future_days" integer DEFAULT 90 NOT NULL,
	"status" "calendar_target_status" DEFAULT 'pending' NOT NULL,
	"last_synced_at" timestamp (3) with time zone,
	"last_attempt_at" timestamp (3) with time zone,
	"last_error" text,
	"failures" integer DEFAULT 0 NOT NULL,
	"events_in_sync" integer DEFAULT 0 NOT NULL,
	"sync_token" text,
	"last_reconciled_at" timestamp (3) with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_targets_one_subject" CHECK (num_nonnulls("calendar_targets"."person_id", "calendar_targets"."team_id", "calendar_targets"."schedule_id", "calendar_targets"."program_id") = 1 AND CASE "calendar_targets"."subject_kind" WHEN 'person' THEN "calendar_targets"."person_id" IS NOT NULL WHEN 'team' THEN "calendar_targets"."team_id" IS NOT NULL WHEN 'schedule' THEN "calendar_targets"."schedule_id" IS NOT NULL ELSE "calendar_targets"."program_id" IS NOT NULL END),
	CONSTRAINT "calendar_targets_window" CHECK ("calendar_targets"."past_days" BETWEEN 0 AND 366 AND "calendar_targets"."future_days" BETWEEN 1 AND 732)
);
--> statement-breakpoint
ALTER TABLE "calendar_target_events" ADD CONSTRAINT "calendar_target_events_target_id_calendar_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."calendar_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_targets" ADD CONSTRAINT "calendar_targets_owner_id_people_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_targets" ADD CONSTRAINT "calendar_targets_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_targets" ADD CONSTRAINT "calendar_targets_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_targets" ADD CONSTRAINT "calendar_targets_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_targets" ADD CONSTRAINT "calendar_targets_program_id_duty_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."duty_programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calendar_targets_owner_idx" ON "calendar_targets" USING btree ("owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX "calendar_targets_person_idx" ON "calendar_targets" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "calendar_targets_team_idx" ON "calendar_targets" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "calendar_targets_schedule_idx" ON "calendar_targets" USING btree ("schedule_id");--> statement-breakpoint
CREATE INDEX "calendar_targets_program_idx" ON "calendar_targets" USING btree ("program_id");--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_targets_subject_calendar_uq" ON "calendar_targets" USING btree ("calendar_id","subject_kind",coalesce("person_id", "team_id", "schedule_id", "program_id"));