ALTER TABLE "versions" DROP CONSTRAINT "versions_environment_id_root_pk";--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "seq" bigserial PRIMARY KEY NOT NULL;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "author_id" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "author_name" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "parent_root" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "check_status" jsonb;--> statement-breakpoint
ALTER TABLE "versions" ADD CONSTRAINT "versions_author_id_members_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."members"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "versions_environment_id_idx" ON "versions" USING btree ("environment_id","seq");--> statement-breakpoint
CREATE INDEX "versions_root_idx" ON "versions" USING btree ("root");