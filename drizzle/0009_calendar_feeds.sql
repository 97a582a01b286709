CREATE TYPE "public"."feed_subject_kind" AS ENUM('person', 'team', 'schedule', 'duty_program');--> statement-breakpoint
CREATE TABLE "calendar_feeds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"subject_kind" "feed_subject_kind" NOT NULL,
	"person_id" uuid,
	"team_id" uuid,
	"schedule_id" uuid,
	"program_id" uuid,
	"prefix" text NOT NULL,
	"token_hash" text NOT NULL,
	"include_time_off" boolean DEFAULT false NOT NULL,
	"include_gaps" boolean DEFAULT false NOT NULL,
	"include_free_seats" boolean DEFAULT false NOT NULL,
	"include_coworkers" boolean DEFAULT true NOT NULL,
	"show_as_free" boolean DEFAULT false NOT NULL,
	"past_days" integer DEFAULT 30 NOT NULL,
	"future_days" integer DEFAULT 180 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "calendar_feeds_one_subject" CHECK (num_nonnulls("calendar_feeds"."person_id", "calendar_feeds"."team_id", "calendar_feeds"."schedule_id", "calendar_feeds"."program_id") = 1 AND CASE "calendar_feeds"."subject_kind" WHEN 'person' THEN "calendar_feeds"."person_id" IS NOT NULL WHEN 'team' THEN "calendar_feeds"."team_id" IS NOT NULL WHEN 'schedule' THEN "calendar_feeds"."schedule_id" IS NOT NULL ELSE "calendar_feeds"."program_id" IS NOT NULL END),
	CONSTRAINT "calendar_feeds_window" CHECK ("calendar_feeds"."past_days" BETWEEN 0 AND 366 AND "calendar_feeds"."future_days" BETWEEN 1 AND 732)
);
--> statement-breakpoint
CREATE TABLE "feed_event_revisions" (
	"feed_id" uuid NOT NULL,
	"uid" text NOT NULL,
	"fingerprint" text NOT NULL,
	"sequence" integer NOT NULL,
	"modified_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "feed_event_revisions_feed_id_uid_pk" PRIMARY KEY("feed_id","uid")
);
--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_owner_id_people_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_program_id_duty_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."duty_programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feed_event_revisions" ADD CONSTRAINT "feed_event_revisions_feed_id_calendar_feeds_id_fk" FOREIGN KEY ("feed_id") REFERENCES "public"."calendar_feeds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_feeds_token_hash_uq" ON "calendar_feeds" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "calendar_feeds_owner_idx" ON "calendar_feeds" USING btree ("owner_id","created_at","id");