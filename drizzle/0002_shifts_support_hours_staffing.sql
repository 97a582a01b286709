CREATE TYPE "public"."time_off_status" AS ENUM('requested', 'approved', 'denied', 'cancelled');--> statement-breakpoint
CREATE TABLE "team_support_exceptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"date" date NOT NULL,
	"closed" boolean NOT NULL,
	"start_time" text,
	"end_time" text,
	CONSTRAINT "team_support_exceptions_shape" CHECK (("team_support_exceptions"."closed" AND "team_support_exceptions"."start_time" IS NULL AND "team_support_exceptions"."end_time" IS NULL) OR (NOT "team_support_exceptions"."closed" AND "team_support_exceptions"."start_time" IS NOT NULL AND "team_support_exceptions"."end_time" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "team_support_windows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"days" text[] NOT NULL,
	"start_time" text NOT NULL,
	"end_time" text NOT NULL,
	CONSTRAINT "team_support_windows_days" CHECK (cardinality("team_support_windows"."days") > 0 AND "team_support_windows"."days" <@ ARRAY['mon','tue','wed','thu','fri','sat','sun']::text[])
);
--> statement-breakpoint
CREATE TABLE "time_off" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"start_at" timestamp (3) with time zone NOT NULL,
	"end_at" timestamp (3) with time zone NOT NULL,
	"status" time_off_status DEFAULT 'requested' NOT NULL,
	"reason" text DEFAULT 'vacation' NOT NULL,
	"note" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "time_off_positive" CHECK ("time_off"."end_at" > "time_off"."start_at")
);
--> statement-breakpoint
CREATE TABLE "shift_patterns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"rrule" text NOT NULL,
	"start_local" text NOT NULL,
	"end_time" text NOT NULL,
	"label" text,
	"outside_support_hours" boolean DEFAULT false NOT NULL,
	"skipped_occurrences" text[] DEFAULT '{}'::text[] NOT NULL,
	"materialized_until" timestamp (3) with time zone,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shifts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"start_at" timestamp (3) with time zone NOT NULL,
	"end_at" timestamp (3) with time zone NOT NULL,
	"label" text,
	"note" text,
	"outside_support_hours" boolean DEFAULT false NOT NULL,
	"pattern_id" uuid,
	"occurrence" text,
	"detached" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "shifts_positive" CHECK ("shifts"."end_at" > "shifts"."start_at")
);
--> statement-breakpoint
CREATE TABLE "staffing_requirements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"days" text[] NOT NULL,
	"start_time" text NOT NULL,
	"end_time" text NOT NULL,
	"time_zone" text,
	"headcount" integer NOT NULL,
	"label" text,
	"skill" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "staffing_requirements_headcount" CHECK ("staffing_requirements"."headcount" > 0),
	CONSTRAINT "staffing_requirements_days" CHECK (cardinality("staffing_requirements"."days") > 0 AND "staffing_requirements"."days" <@ ARRAY['mon','tue','wed','thu','fri','sat','sun']::text[])
);
--> statement-breakpoint
CREATE TABLE "commitments" (
	"person_id" uuid NOT NULL,
	"during" "tstzrange" NOT NULL,
	"source_kind" text NOT NULL,
	"source_id" uuid NOT NULL,
	CONSTRAINT "commitments_pk" PRIMARY KEY("source_kind","source_id")
);
--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "self_scheduling" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "support_all_week" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "team_support_exceptions" ADD CONSTRAINT "team_support_exceptions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_support_windows" ADD CONSTRAINT "team_support_windows_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_off" ADD CONSTRAINT "time_off_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_patterns" ADD CONSTRAINT "shift_patterns_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_patterns" ADD CONSTRAINT "shift_patterns_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shifts" ADD CONSTRAINT "shifts_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shifts" ADD CONSTRAINT "shifts_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shifts" ADD CONSTRAINT "shifts_pattern_id_shift_patterns_id_fk" FOREIGN KEY ("pattern_id") REFERENCES "public"."shift_patterns"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staffing_requirements" ADD CONSTRAINT "staffing_requirements_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "team_support_exceptions_team_idx" ON "team_support_exceptions" USING btree ("team_id","date");--> statement-breakpoint
CREATE INDEX "team_support_windows_team_idx" ON "team_support_windows" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "time_off_person_idx" ON "time_off" USING btree ("person_id","start_at");--> statement-breakpoint
CREATE INDEX "shift_patterns_team_idx" ON "shift_patterns" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "shift_patterns_person_idx" ON "shift_patterns" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "shifts_team_start_idx" ON "shifts" USING btree ("team_id","start_at");--> statement-breakpoint
CREATE INDEX "shifts_person_start_idx" ON "shifts" USING btree ("person_id","start_at");--> statement-breakpoint
CREATE UNIQUE INDEX "shifts_pattern_occurrence_uq" ON "shifts" USING btree ("pattern_id","occurrence");--> statement-breakpoint
CREATE INDEX "staffing_requirements_team_idx" ON "staffing_requirements" USING btree ("team_id");