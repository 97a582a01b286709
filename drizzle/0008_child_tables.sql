-- Child tables for what were column pairs and uuid arrays: a swap's offered/requested assignment becomes
-- swap_legs; rotation participants (layers and participant changes) and duty eligibility lists become
-- join tables with foreign keys. Existing rows move over, then the old columns are dropped.
CREATE TYPE "public"."duty_person_role" AS ENUM('eligible', 'excluded');--> statement-breakpoint
CREATE TYPE "public"."swap_leg_side" AS ENUM('offered', 'requested');--> statement-breakpoint
CREATE TABLE "duty_program_people" (
	"program_id" uuid NOT NULL,
	"role" "duty_person_role" NOT NULL,
	"position" integer NOT NULL,
	"person_id" uuid NOT NULL,
	CONSTRAINT "duty_program_people_pk" PRIMARY KEY("program_id","role","position")
);
--> statement-breakpoint
CREATE TABLE "duty_program_teams" (
	"program_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"team_id" uuid NOT NULL,
	CONSTRAINT "duty_program_teams_pk" PRIMARY KEY("program_id","position")
);
--> statement-breakpoint
CREATE TABLE "schedule_layer_change_participants" (
	"change_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"person_id" uuid NOT NULL,
	CONSTRAINT "schedule_layer_change_participants_pk" PRIMARY KEY("change_id","position")
);
--> statement-breakpoint
CREATE TABLE "schedule_layer_participants" (
	"layer_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"person_id" uuid NOT NULL,
	CONSTRAINT "schedule_layer_participants_pk" PRIMARY KEY("layer_id","position")
);
--> statement-breakpoint
CREATE TABLE "swap_legs" (
	"swap_id" uuid NOT NULL,
	"side" "swap_leg_side" NOT NULL,
	"kind" "assignment_kind" NOT NULL,
	"assignment_id" uuid NOT NULL,
	"start_at" timestamp (3) with time zone NOT NULL,
	"end_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "swap_legs_pk" PRIMARY KEY("swap_id","side"),
	CONSTRAINT "swap_legs_window" CHECK ("swap_legs"."end_at" > "swap_legs"."start_at")
);
--> statement-breakpoint
ALTER TABLE "swaps" DROP CONSTRAINT "swaps_window";--> statement-breakpoint
DROP INDEX "swaps_offered_idx";--> statement-breakpoint
ALTER TABLE "duty_program_people" ADD CONSTRAINT "duty_program_people_program_id_duty_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."duty_programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_program_people" ADD CONSTRAINT "duty_program_people_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_program_teams" ADD CONSTRAINT "duty_program_teams_program_id_duty_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."duty_programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_program_teams" ADD CONSTRAINT "duty_program_teams_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_layer_change_participants" ADD CONSTRAINT "schedule_layer_change_participants_change_id_schedule_layer_changes_id_fk" FOREIGN KEY ("change_id") REFERENCES "public"."schedule_layer_changes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_layer_change_participants" ADD CONSTRAINT "schedule_layer_change_participants_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_layer_participants" ADD CONSTRAINT "schedule_layer_participants_layer_id_schedule_layers_id_fk" FOREIGN KEY ("layer_id") REFERENCES "public"."schedule_layers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_layer_participants" ADD CONSTRAINT "schedule_layer_participants_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "swap_legs" ADD CONSTRAINT "swap_legs_swap_id_swaps_id_fk" FOREIGN KEY ("swap_id") REFERENCES "public"."swaps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "duty_program_people_person_idx" ON "duty_program_people" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "duty_program_teams_team_idx" ON "duty_program_teams" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "schedule_layer_change_participants_person_idx" ON "schedule_layer_change_participants" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "schedule_layer_participants_person_idx" ON "schedule_layer_participants" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "swap_legs_assignment_idx" ON "swap_legs" USING btree ("kind","assignment_id","side");--> statement-breakpoint
-- Move the data before the old columns go. Positions are 0-based, in array order (WITH ORDINALITY).
-- Ids that name nobody (the arrays had no foreign keys: a deleted team, an unknown id in a duty list)
-- cannot satisfy the new foreign keys and carried no meaning; they are left behind.
INSERT INTO "swap_legs" ("swap_id", "side", "kind", "assignment_id", "start_at", "end_at")
SELECT "id", 'offered', "offered_kind", "offered_id", "offered_start", "offered_end" FROM "swaps";--> statement-breakpoint
INSERT INTO "swap_legs" ("swap_id", "side", "kind", "assignment_id", "start_at", "end_at")
SELECT "id", 'requested', "requested_kind", "requested_id", "requested_start", "requested_end" FROM "swaps"
WHERE "requested_kind" IS NOT NULL AND "requested_id" IS NOT NULL AND "requested_start" IS NOT NULL AND "requested_end" IS NOT NULL;--> statement-breakpoint
INSERT INTO "schedule_layer_participants" ("layer_id", "position", "person_id")
SELECT l."id", p.ord - 1, p.person_id FROM "schedule_layers" l CROSS JOIN LATERAL unnest(l."participant_ids") WITH ORDINALITY AS p(person_id, ord)
WHERE EXISTS (SELECT 1 FROM "people" WHERE "people"."id" = p.person_id);--> statement-breakpoint
INSERT INTO "schedule_layer_change_participants" ("change_id", "position", "person_id")
SELECT c."id", p.ord - 1, p.person_id FROM "schedule_layer_changes" c CROSS JOIN LATERAL unnest(c."participant_ids") WITH ORDINALITY AS p(person_id, ord)
WHERE EXISTS (SELECT 1 FROM "people" WHERE "people"."id" = p.person_id);--> statement-breakpoint
INSERT INTO "duty_program_teams" ("program_id", "position", "team_id")
SELECT d."id", t.ord - 1, t.team_id FROM "duty_programs" d CROSS JOIN LATERAL unnest(d."eligible_team_ids") WITH ORDINALITY AS t(team_id, ord)
WHERE EXISTS (SELECT 1 FROM "teams" WHERE "teams"."id" = t.team_id);--> statement-breakpoint
INSERT INTO "duty_program_people" ("program_id", "role", "position", "person_id")
SELECT d."id", 'eligible', p.ord - 1, p.person_id FROM "duty_programs" d CROSS JOIN LATERAL unnest(d."eligible_person_ids") WITH ORDINALITY AS p(person_id, ord)
WHERE EXISTS (SELECT 1 FROM "people" WHERE "people"."id" = p.person_id);--> statement-breakpoint
INSERT INTO "duty_program_people" ("program_id", "role", "position", "person_id")
SELECT d."id", 'excluded', p.ord - 1, p.person_id FROM "duty_programs" d CROSS JOIN LATERAL unnest(d."excluded_person_ids") WITH ORDINALITY AS p(person_id, ord)
WHERE EXISTS (SELECT 1 FROM "people" WHERE "people"."id" = p.person_id);--> statement-breakpoint
ALTER TABLE "duty_programs" DROP COLUMN "eligible_team_ids";--> statement-breakpoint
ALTER TABLE "duty_programs" DROP COLUMN "eligible_person_ids";--> statement-breakpoint
ALTER TABLE "duty_programs" DROP COLUMN "excluded_person_ids";--> statement-breakpoint
ALTER TABLE "schedule_layer_changes" DROP COLUMN "participant_ids";--> statement-breakpoint
ALTER TABLE "schedule_layers" DROP COLUMN "participant_ids";--> statement-breakpoint
ALTER TABLE "swaps" DROP COLUMN "offered_kind";--> statement-breakpoint
ALTER TABLE "swaps" DROP COLUMN "offered_id";--> statement-breakpoint
ALTER TABLE "swaps" DROP COLUMN "offered_start";--> statement-breakpoint
ALTER TABLE "swaps" DROP COLUMN "offered_end";--> statement-breakpoint
ALTER TABLE "swaps" DROP COLUMN "requested_kind";--> statement-breakpoint
ALTER TABLE "swaps" DROP COLUMN "requested_id";--> statement-breakpoint
ALTER TABLE "swaps" DROP COLUMN "requested_start";--> statement-breakpoint
ALTER TABLE "swaps" DROP COLUMN "requested_end";