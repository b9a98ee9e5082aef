CREATE TABLE "ingest_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"atlas_path" text NOT NULL,
	"atlas" text,
	"state" text DEFAULT 'queued' NOT NULL,
	"sections_done" integer DEFAULT 0 NOT NULL,
	"sections_total" integer DEFAULT 0 NOT NULL,
	"error" text,
	"run_id" uuid,
	"owner" text NOT NULL,
	"lease_expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
