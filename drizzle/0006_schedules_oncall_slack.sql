CREATE TYPE "public"."turn_unit" AS ENUM('hours', 'days', 'weeks');--> statement-breakpoint
CREATE TABLE "schedule_layer_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"layer_id" uuid NOT NULL,
	"effective_from" date NOT NULL,
	"participant_ids" uuid[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schedule_layer_restrictions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"layer_id" uuid NOT NULL,
	"days" text[] NOT NULL,
	"start_time" text NOT NULL,
	"end_time" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schedule_layers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"schedule_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"participant_ids" uuid[] NOT NULL,
	"turn_unit" "turn_unit" NOT NULL,
	"turn_count" integer NOT NULL,
	"handoff_time" text NOT NULL,
	"time_zone" text,
	"start_date" date NOT NULL,
	"end_at" timestamp (3) with time zone,
	CONSTRAINT "schedule_layers_turn_positive" CHECK ("schedule_layers"."turn_count" > 0)
);
--> statement-breakpoint
CREATE TABLE "schedule_overrides" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"schedule_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"replaces_person_id" uuid,
	"start_at" timestamp (3) with time zone NOT NULL,
	"end_at" timestamp (3) with time zone NOT NULL,
	"note" text,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schedule_overrides_positive" CHECK ("schedule_overrides"."end_at" > "schedule_overrides"."start_at")
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"time_zone" text NOT NULL,
	"team_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slack_workspaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slack_team_id" text NOT NULL,
	"name" text NOT NULL,
	"signing_secret" text NOT NULL,
	"default_schedule_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_workspaces_team_uq" UNIQUE("slack_team_id")
);
--> statement-breakpoint
ALTER TABLE "schedule_layer_changes" ADD CONSTRAINT "schedule_layer_changes_layer_id_schedule_layers_id_fk" FOREIGN KEY ("layer_id") REFERENCES "public"."schedule_layers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_layer_restrictions" ADD CONSTRAINT "schedule_layer_restrictions_layer_id_schedule_layers_id_fk" FOREIGN KEY ("layer_id") REFERENCES "public"."schedule_layers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_layers" ADD CONSTRAINT "schedule_layers_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_overrides" ADD CONSTRAINT "schedule_overrides_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_overrides" ADD CONSTRAINT "schedule_overrides_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_overrides" ADD CONSTRAINT "schedule_overrides_replaces_person_id_people_id_fk" FOREIGN KEY ("replaces_person_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slack_workspaces" ADD CONSTRAINT "slack_workspaces_default_schedule_id_schedules_id_fk" FOREIGN KEY ("default_schedule_id") REFERENCES "public"."schedules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "schedule_layer_changes_layer_idx" ON "schedule_layer_changes" USING btree ("layer_id");--> statement-breakpoint
CREATE INDEX "schedule_layer_restrictions_layer_idx" ON "schedule_layer_restrictions" USING btree ("layer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "schedule_layers_position_uq" ON "schedule_layers" USING btree ("schedule_id","position");--> statement-breakpoint
CREATE INDEX "schedule_overrides_window_idx" ON "schedule_overrides" USING btree ("schedule_id","start_at","end_at");--> statement-breakpoint
CREATE UNIQUE INDEX "schedules_name_lower_uq" ON "schedules" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "schedules_team_idx" ON "schedules" USING btree ("team_id");