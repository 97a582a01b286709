CREATE TABLE "imported_refs" (
	"system" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"target_id" uuid NOT NULL,
	"imported_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "imported_refs_pk" PRIMARY KEY("system","kind","ref")
);
--> statement-breakpoint
ALTER TABLE "schedule_layer_participants" ALTER COLUMN "person_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "schedule_layers" ADD COLUMN "start_at" timestamp (3) with time zone;