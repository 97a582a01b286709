CREATE TYPE "public"."assignment_kind" AS ENUM('shift', 'duty_booking', 'oncall');--> statement-breakpoint
CREATE TYPE "public"."swap_kind" AS ENUM('trade', 'give_away', 'open');--> statement-breakpoint
CREATE TYPE "public"."swap_status" AS ENUM('pending', 'accepted', 'approved', 'completed', 'declined', 'cancelled', 'expired');--> statement-breakpoint
CREATE TABLE "calendar_republish" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"scope_kind" text NOT NULL,
	"scope_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"requested_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "swaps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "swap_kind" NOT NULL,
	"status" "swap_status" DEFAULT 'pending' NOT NULL,
	"requester_id" uuid NOT NULL,
	"counterpart_id" uuid,
	"offered_kind" "assignment_kind" NOT NULL,
	"offered_id" uuid NOT NULL,
	"offered_start" timestamp (3) with time zone NOT NULL,
	"offered_end" timestamp (3) with time zone NOT NULL,
	"requested_kind" "assignment_kind",
	"requested_id" uuid,
	"requested_start" timestamp (3) with time zone,
	"requested_end" timestamp (3) with time zone,
	"team_id" uuid,
	"requires_approval" boolean NOT NULL,
	"note" text,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"created_by" uuid NOT NULL,
	"accepted_at" timestamp (3) with time zone,
	"approved_by" uuid,
	"approved_at" timestamp (3) with time zone,
	"completed_at" timestamp (3) with time zone,
	"time_off_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "swaps_window" CHECK ("swaps"."offered_end" > "swaps"."offered_start")
);
--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "open_swaps_on_time_off" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "time_off" ADD COLUMN "decided_by" uuid;--> statement-breakpoint
ALTER TABLE "time_off" ADD COLUMN "decided_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "time_off" ADD COLUMN "decision_note" text;--> statement-breakpoint
ALTER TABLE "time_off" ADD COLUMN "created_by" uuid;--> statement-breakpoint
ALTER TABLE "swaps" ADD CONSTRAINT "swaps_requester_id_people_id_fk" FOREIGN KEY ("requester_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "swaps" ADD CONSTRAINT "swaps_counterpart_id_people_id_fk" FOREIGN KEY ("counterpart_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calendar_republish_pending_idx" ON "calendar_republish" USING btree ("done_at","requested_at");--> statement-breakpoint
CREATE INDEX "swaps_requester_idx" ON "swaps" USING btree ("requester_id","status");--> statement-breakpoint
CREATE INDEX "swaps_counterpart_idx" ON "swaps" USING btree ("counterpart_id","status");--> statement-breakpoint
CREATE INDEX "swaps_offered_idx" ON "swaps" USING btree ("offered_kind","offered_id");