ALTER TABLE "ingest_jobs" ADD COLUMN "bands_done" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ingest_jobs" ADD COLUMN "bands_total" integer;--> statement-breakpoint
ALTER TABLE "ingest_jobs" ADD COLUMN "band_tiles" integer;--> statement-breakpoint
ALTER TABLE "ingest_jobs" ADD COLUMN "tiles_planned" integer;