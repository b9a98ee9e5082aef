CREATE TABLE "annotations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"atlas" text NOT NULL,
	"section" text NOT NULL,
	"region" text NOT NULL,
	"geometry" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "atlases" (
	"name" text PRIMARY KEY NOT NULL,
	"manifest" jsonb NOT NULL,
	"generator" jsonb,
	"root" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ingest_jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"section" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"tiles" integer DEFAULT 0 NOT NULL,
	"region_images" integer DEFAULT 0 NOT NULL,
	"error" jsonb,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "ingest_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"atlas" text NOT NULL,
	"models" text[] NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"version" text NOT NULL,
	"variant" text NOT NULL,
	"dim" integer NOT NULL,
	"collection" text NOT NULL,
	"status" text DEFAULT 'indexing' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"collection" text NOT NULL,
	"point_id" uuid NOT NULL,
	"atlas" text NOT NULL,
	"payload" jsonb NOT NULL,
	"vector" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "region_images" (
	"id" uuid PRIMARY KEY NOT NULL,
	"atlas" text NOT NULL,
	"section" text NOT NULL,
	"region" text NOT NULL,
	"x" integer NOT NULL,
	"y" integer NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"area" double precision NOT NULL,
	"image_path" text
);
--> statement-breakpoint
CREATE TABLE "regions" (
	"acronym" text PRIMARY KEY NOT NULL,
	"source_id" text NOT NULL,
	"name" text NOT NULL,
	"parent" text,
	"description" text NOT NULL,
	"color" text NOT NULL,
	"path" text[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "section_embeddings" (
	"atlas" text NOT NULL,
	"section" text NOT NULL,
	"model" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "section_embeddings_atlas_section_model_pk" PRIMARY KEY("atlas","section","model")
);
--> statement-breakpoint
CREATE TABLE "sections" (
	"atlas" text NOT NULL,
	"id" text NOT NULL,
	"specimen" text NOT NULL,
	"plane" text NOT NULL,
	"index" integer NOT NULL,
	"stain" text NOT NULL,
	"microns_per_pixel" double precision NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"levels" integer NOT NULL,
	"image_path" text NOT NULL,
	CONSTRAINT "sections_atlas_id_pk" PRIMARY KEY("atlas","id")
);
--> statement-breakpoint
CREATE TABLE "specimens" (
	"atlas" text NOT NULL,
	"id" text NOT NULL,
	"gestational_week" double precision NOT NULL,
	"age_source" text,
	"notes" text,
	CONSTRAINT "specimens_atlas_id_pk" PRIMARY KEY("atlas","id")
);
--> statement-breakpoint
CREATE TABLE "tiles" (
	"id" uuid PRIMARY KEY NOT NULL,
	"atlas" text NOT NULL,
	"section" text NOT NULL,
	"x" integer NOT NULL,
	"y" integer NOT NULL,
	"size" integer NOT NULL,
	"level0_size" integer NOT NULL,
	"microns_per_pixel" double precision NOT NULL,
	"region" text,
	"region_fraction" real NOT NULL,
	"tissue_fraction" real NOT NULL
);
--> statement-breakpoint
ALTER TABLE "annotations" ADD CONSTRAINT "annotations_atlas_section_sections_atlas_id_fk" FOREIGN KEY ("atlas","section") REFERENCES "public"."sections"("atlas","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ingest_jobs" ADD CONSTRAINT "ingest_jobs_run_id_ingest_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."ingest_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "region_images" ADD CONSTRAINT "region_images_atlas_section_sections_atlas_id_fk" FOREIGN KEY ("atlas","section") REFERENCES "public"."sections"("atlas","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "section_embeddings" ADD CONSTRAINT "section_embeddings_atlas_section_sections_atlas_id_fk" FOREIGN KEY ("atlas","section") REFERENCES "public"."sections"("atlas","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sections" ADD CONSTRAINT "sections_atlas_specimen_specimens_atlas_id_fk" FOREIGN KEY ("atlas","specimen") REFERENCES "public"."specimens"("atlas","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "specimens" ADD CONSTRAINT "specimens_atlas_atlases_name_fk" FOREIGN KEY ("atlas") REFERENCES "public"."atlases"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tiles" ADD CONSTRAINT "tiles_atlas_section_sections_atlas_id_fk" FOREIGN KEY ("atlas","section") REFERENCES "public"."sections"("atlas","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "annotations_section_idx" ON "annotations" USING btree ("atlas","section");--> statement-breakpoint
CREATE UNIQUE INDEX "ingest_jobs_run_section_idx" ON "ingest_jobs" USING btree ("run_id","section");--> statement-breakpoint
CREATE INDEX "ingest_jobs_status_idx" ON "ingest_jobs" USING btree ("run_id","status");--> statement-breakpoint
CREATE INDEX "outbox_collection_idx" ON "outbox" USING btree ("collection","id");--> statement-breakpoint
CREATE INDEX "region_images_section_idx" ON "region_images" USING btree ("atlas","section");--> statement-breakpoint
CREATE INDEX "regions_path_idx" ON "regions" USING gin ("path");--> statement-breakpoint
CREATE INDEX "sections_id_idx" ON "sections" USING btree ("id");--> statement-breakpoint
CREATE INDEX "tiles_section_idx" ON "tiles" USING btree ("atlas","section");