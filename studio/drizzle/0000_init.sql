CREATE TABLE "environments" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"source" text NOT NULL,
	"source_ref" text,
	"head_root" text,
	CONSTRAINT "environments_source_check" CHECK ("environments"."source" in ('catalog', 'folder', 'import'))
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"environment_id" text,
	"env_root" text NOT NULL,
	"folder" text NOT NULL,
	"kind" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"summary" jsonb,
	CONSTRAINT "runs_folder_unique" UNIQUE("folder"),
	CONSTRAINT "runs_kind_check" CHECK ("runs"."kind" in ('run', 'rollout', 'eval', 'simulate'))
);
--> statement-breakpoint
CREATE TABLE "versions" (
	"environment_id" text NOT NULL,
	"root" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"note" text,
	CONSTRAINT "versions_environment_id_root_pk" PRIMARY KEY("environment_id","root")
);
--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "versions" ADD CONSTRAINT "versions_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "runs_environment_id_idx" ON "runs" USING btree ("environment_id");