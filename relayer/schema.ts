/**
 * The relayer's tables: the one definition drizzle queries through and drizzle-kit generates the
 * migrations in relayer/migrations from (`npm run db:generate` after changing it).
 *
 * The tables carry no schema name: each relayer deployment (or test) keeps them in a PostgreSQL schema
 * of its own, chosen at run time (RELAYER_DB_SCHEMA) and selected through the connection's search_path,
 * so the same migrations serve every schema.
 */
import { bigint, index, integer, jsonb, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";
import type { SerializedMessage } from "../lib/attestationApi.js";

/** Where a message is in its life. `stuck` and `failed` always come with a reason in words. */
export const messageStatuses = [
  "discovered",
  "awaiting_signatures",
  "submitting",
  "delivered",
  "stuck",
  "failed",
] as const;
export type MessageStatus = (typeof messageStatuses)[number];

export const messages = pgTable(
  "messages",
  {
    id: text("id").primaryKey(),
    originChainId: integer("origin_chain_id").notNull(),
    destinationChainId: integer("destination_chain_id").notNull(),
    nonce: text("nonce").notNull(),
    message: jsonb("message").$type<SerializedMessage>().notNull(),
    status: text("status").$type<MessageStatus>().notNull(),
    stuckReason: text("stuck_reason"),
    signatures: integer("signatures").notNull().default(0),
    threshold: integer("threshold"),
    sourceTxHash: text("source_tx_hash").notNull(),
    sourceBlock: bigint("source_block", { mode: "number" }).notNull(),
    destinationTxHash: text("destination_tx_hash"),
    destinationBlock: bigint("destination_block", { mode: "number" }),
    /** The Merkle root our transaction proved the message under (null when someone else delivered it). */
    deliveredRoot: text("delivered_root"),
    /** "self" when our transaction delivered it, "other" when someone else (another relayer, a user) did. */
    deliveredBy: text("delivered_by"),
    discoveredAt: timestamp("discovered_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (table) => [index("messages_status").on(table.status)],
);

export const statusHistory = pgTable(
  "status_history",
  {
    id: serial("id").primaryKey(),
    messageId: text("message_id").notNull(),
    status: text("status").$type<MessageStatus>().notNull(),
    reason: text("reason"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("status_history_message").on(table.messageId)],
);

export const attempts = pgTable(
  "attempts",
  {
    id: serial("id").primaryKey(),
    messageId: text("message_id").notNull(),
    relayer: text("relayer").notNull(),
    txHash: text("tx_hash").notNull(),
    /** The account nonce of the transaction: 64 bits in the protocol, so bigint (0.1 had integer). */
    nonce: bigint("nonce", { mode: "number" }).notNull(),
    maxFeePerGas: text("max_fee_per_gas").notNull(),
    maxPriorityFeePerGas: text("max_priority_fee_per_gas").notNull(),
    /** sent, mined, reverted, replaced. */
    outcome: text("outcome").notNull(),
    error: text("error"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("attempts_message").on(table.messageId)],
);

export const cursors = pgTable("cursors", {
  chainId: integer("chain_id").primaryKey(),
  block: bigint("block", { mode: "number" }).notNull(),
});
