ALTER TABLE "annotations" ALTER COLUMN "geometry" SET DATA TYPE json USING "geometry"::json;--> statement-breakpoint
ALTER TABLE "outbox" ALTER COLUMN "payload" SET DATA TYPE json USING "payload"::json;
