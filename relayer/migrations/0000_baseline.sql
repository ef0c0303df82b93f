CREATE TABLE "attempts" (
	"id" serial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"relayer" text NOT NULL,
	"tx_hash" text NOT NULL,
	"nonce" integer NOT NULL,
	"max_fee_per_gas" text NOT NULL,
	"max_priority_fee_per_gas" text NOT NULL,
	"outcome" text NOT NULL,
	"error" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cursors" (
	"chain_id" integer PRIMARY KEY NOT NULL,
	"block" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"origin_chain_id" integer NOT NULL,
	"destination_chain_id" integer NOT NULL,
	"nonce" text NOT NULL,
	"message" jsonb NOT NULL,
	"status" text NOT NULL,
	"stuck_reason" text,
	"signatures" integer DEFAULT 0 NOT NULL,
	"threshold" integer,
	"source_tx_hash" text NOT NULL,
	"source_block" bigint NOT NULL,
	"destination_tx_hash" text,
	"destination_block" bigint,
	"delivered_by" text,
	"discovered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "status_history" (
	"id" serial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "attempts_message" ON "attempts" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "messages_status" ON "messages" USING btree ("status");--> statement-breakpoint
CREATE INDEX "status_history_message" ON "status_history" USING btree ("message_id");