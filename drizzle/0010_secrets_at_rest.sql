-- Slack signing secrets are sealed with ROTA_SECRET_KEY (AES-256-GCM, src/services/secrets.ts) into
-- signing_secret_sealed. SQL cannot encrypt the rows already here: their clear signing_secret stays
-- readable until a server starts with a key, seals it and nulls it (sealClearSlackSecrets).
ALTER TABLE "slack_workspaces" ALTER COLUMN "signing_secret" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "slack_workspaces" ADD COLUMN "signing_secret_sealed" text;--> statement-breakpoint
ALTER TABLE "slack_workspaces" ADD CONSTRAINT "slack_workspaces_secret_present" CHECK ("slack_workspaces"."signing_secret_sealed" IS NOT NULL OR "slack_workspaces"."signing_secret" IS NOT NULL);