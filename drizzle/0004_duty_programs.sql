CREATE TYPE "public"."duty_eligibility" AS ENUM('all', 'teams', 'people');--> statement-breakpoint
CREATE TABLE "duty_bookings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slot_id" uuid NOT NULL,
	"program_id" uuid NOT NULL,
	"month" text NOT NULL,
	"person_id" uuid NOT NULL,
	"start_at" timestamp (3) with time zone NOT NULL,
	"end_at" timestamp (3) with time zone NOT NULL,
	"booked_by" uuid,
	"auto_assigned" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "duty_fairness_ledger" (
	"program_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"month" text NOT NULL,
	"unpopular_count" integer NOT NULL,
	CONSTRAINT "duty_fairness_ledger_pk" PRIMARY KEY("program_id","person_id","month")
);
--> statement-breakpoint
CREATE TABLE "duty_program_exceptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"date" date NOT NULL,
	"closed" boolean NOT NULL,
	"start_time" text,
	"end_time" text
);
--> statement-breakpoint
CREATE TABLE "duty_program_windows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"days" text[] NOT NULL,
	"start_time" text NOT NULL,
	"end_time" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "duty_programs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"time_zone" text NOT NULL,
	"slot_minutes" integer DEFAULT 60 NOT NULL,
	"hours_team_id" uuid,
	"seats_per_slot" integer DEFAULT 1 NOT NULL,
	"quota_per_month" integer DEFAULT 1 NOT NULL,
	"eligibility" "duty_eligibility" DEFAULT 'all' NOT NULL,
	"eligible_team_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"eligible_person_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"excluded_person_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"booking_opens_months_before" integer,
	"booking_opens_day" integer,
	"booking_closes_months_before" integer,
	"booking_closes_day" integer,
	"change_cutoff_minutes" integer DEFAULT 1440 NOT NULL,
	"training_required" boolean DEFAULT false NOT NULL,
	"support_team_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "duty_programs_numbers" CHECK ("duty_programs"."slot_minutes" BETWEEN 15 AND 480 AND "duty_programs"."seats_per_slot" > 0 AND "duty_programs"."quota_per_month" > 0 AND "duty_programs"."change_cutoff_minutes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "duty_slots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"month" text NOT NULL,
	"start_at" timestamp (3) with time zone NOT NULL,
	"end_at" timestamp (3) with time zone NOT NULL,
	"seats" integer NOT NULL,
	"closed" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "duty_slots_positive" CHECK ("duty_slots"."end_at" > "duty_slots"."start_at" AND "duty_slots"."seats" >= 0)
);
--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "working_days" text[];--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "working_start" text;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "working_end" text;--> statement-breakpoint
ALTER TABLE "duty_bookings" ADD CONSTRAINT "duty_bookings_slot_id_duty_slots_id_fk" FOREIGN KEY ("slot_id") REFERENCES "public"."duty_slots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_bookings" ADD CONSTRAINT "duty_bookings_program_id_duty_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."duty_programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_bookings" ADD CONSTRAINT "duty_bookings_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_fairness_ledger" ADD CONSTRAINT "duty_fairness_ledger_program_id_duty_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."duty_programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_fairness_ledger" ADD CONSTRAINT "duty_fairness_ledger_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_program_exceptions" ADD CONSTRAINT "duty_program_exceptions_program_id_duty_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."duty_programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_program_windows" ADD CONSTRAINT "duty_program_windows_program_id_duty_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."duty_programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_programs" ADD CONSTRAINT "duty_programs_hours_team_id_teams_id_fk" FOREIGN KEY ("hours_team_id") REFERENCES "public"."teams"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_programs" ADD CONSTRAINT "duty_programs_support_team_id_teams_id_fk" FOREIGN KEY ("support_team_id") REFERENCES "public"."teams"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_slots" ADD CONSTRAINT "duty_slots_program_id_duty_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."duty_programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "duty_bookings_slot_person_uq" ON "duty_bookings" USING btree ("slot_id","person_id");--> statement-breakpoint
CREATE INDEX "duty_bookings_person_month_idx" ON "duty_bookings" USING btree ("person_id","program_id","month");--> statement-breakpoint
CREATE INDEX "duty_program_exceptions_program_idx" ON "duty_program_exceptions" USING btree ("program_id","date");--> statement-breakpoint
CREATE INDEX "duty_program_windows_program_idx" ON "duty_program_windows" USING btree ("program_id");--> statement-breakpoint
CREATE UNIQUE INDEX "duty_programs_name_lower_uq" ON "duty_programs" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "duty_slots_program_start_uq" ON "duty_slots" USING btree ("program_id","start_at");--> statement-breakpoint
CREATE INDEX "duty_slots_program_month_idx" ON "duty_slots" USING btree ("program_id","month","start_at");