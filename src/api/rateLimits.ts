import { db } from "ponder:api";
import schema from "ponder:schema";
import { createGraphQLError, createSchema, createYoga } from "graphql-yoga";
import type { Hono } from "hono";
import { and, eq } from "ponder";
import type { Hex } from "viem";
import { currentDeployment } from "../../indexer/deployment.js";
import {
  availableAt,
  INBOUND,
  type RateLimitBucket,
  rateLimitWaitReason,
  secondsUntilFits,
} from "../../lib/bridge/rateLimitBucket.js";

/**
 * POST /bridge/graphql: the rate-limit headroom of every route, from the buckets the indexer replays
 * (indexer/rateLimits.ts), so a user can see why a transfer waits. Figures are what the contract's
 * `availableCapacity` would answer at `timestamp` (unix seconds; default: the wall clock), provided the
 * indexer has indexed that chain up to then. Amounts are raw token units as decimal strings.
 */

const typeDefs = /* GraphQL */ `
  enum RateLimitDirection { OUTBOUND INBOUND }

  type RateLimitHeadroom {
    "The chain whose bridge contract holds the bucket."
    chainId: Int!
    network: String
    "The other end of the route."
    remoteChainId: Int!
    "Home-chain token address (the asset's identity on every chain)."
    asset: String!
    symbol: String
    direction: RateLimitDirection!
    "0 = unlimited (then available and secondsUntilFits are null)."
    capacity: String!
    refillPerSecond: String!
    "What can move at timestamp; null when unlimited."
    available: String
    "Unix seconds the figures are for."
    timestamp: String!
    "Seconds until amount fits (0 = now), null when it never will (above capacity, or no refill)."
    secondsUntilFits(amount: String!): String
    "Block of the last event that changed this bucket."
    updatedAtBlock: String!
  }

  type TransferRateLimit {
    messageId: String!
    status: String!
    "The amount the delivery must spend from the destination's inbound bucket."
    needed: String!
    headroom: RateLimitHeadroom
    "True while the transfer is undelivered and does not fit the destination's bucket."
    waiting: Boolean!
    secondsUntilFits: String
    "e.g. waiting for rate-limit headroom: 40 available, 100 needed, fits in ~60 s"
    reason: String
  }

  type Query {
    "Every bucket, optionally of one chain."
    rateLimitHeadroom(chainId: Int, timestamp: String): [RateLimitHeadroom!]!
    "The destination bucket a transfer's delivery spends from, and whether it waits for it."
    transferRateLimit(messageId: String!, timestamp: String): TransferRateLimit
  }
`;

type BucketRow = typeof schema.rateLimit.$inferSelect;
type Headroom = BucketRow & { at: bigint };

function parseUint(value: string, name: string): bigint {
  if (!/^\d{1,78}$/.test(value)) throw createGraphQLError(`${name} must be a non-negative integer string`);
  return BigInt(value);
}

const timestampOf = (value: string | undefined | null) =>
  value == null ? BigInt(Math.floor(Date.now() / 1000)) : parseUint(value, "timestamp");

const headroomResolvers = {
  network: (h: Headroom) => currentDeployment().chainById.get(h.chainId)?.network ?? null,
  symbol: (h: Headroom) => currentDeployment().symbolByAsset.get(h.asset) ?? null,
  direction: (h: Headroom) => (h.direction === INBOUND ? "INBOUND" : "OUTBOUND"),
  capacity: (h: Headroom) => h.capacity.toString(),
  refillPerSecond: (h: Headroom) => h.refillPerSecond.toString(),
  available: (h: Headroom) => availableAt(h, h.at)?.toString() ?? null,
  timestamp: (h: Headroom) => h.at.toString(),
  secondsUntilFits: (h: Headroom, args: { amount: string }) =>
    secondsUntilFits(h, parseUint(args.amount, "amount"), h.at)?.toString() ?? null,
  updatedAtBlock: (h: Headroom) => h.updatedAtBlock.toString(),
};

async function transferRateLimit(args: { messageId: string; timestamp?: string }) {
  if (!/^0x[0-9a-fA-F]{64}$/.test(args.messageId))
    throw createGraphQLError("messageId must be 0x followed by 64 hex digits");
  const id = args.messageId.toLowerCase() as Hex;
  const [transfer] = await db.select().from(schema.transfer).where(eq(schema.transfer.id, id));
  if (!transfer) return null;
  const at = timestampOf(args.timestamp);
  // The delivery spends the destination's inbound bucket for the route back to the source.
  const [bucket] = await db
    .select()
    .from(schema.rateLimit)
    .where(
      and(
        eq(schema.rateLimit.chainId, transfer.destinationChainId),
        eq(schema.rateLimit.remoteChainId, transfer.sourceChainId),
        eq(schema.rateLimit.asset, transfer.asset),
        eq(schema.rateLimit.direction, INBOUND),
      ),
    );
  const pending = transfer.status === "pending";
  const limited: RateLimitBucket | undefined = bucket && bucket.capacity !== 0n ? bucket : undefined;
  const reason = pending && limited ? rateLimitWaitReason(limited, transfer.amount, at) : undefined;
  return {
    messageId: id,
    status: transfer.status,
    needed: transfer.amount.toString(),
    headroom: bucket ? { ...bucket, at } : null,
    waiting: reason !== undefined,
    secondsUntilFits: limited ? (secondsUntilFits(limited, transfer.amount, at)?.toString() ?? null) : "0",
    reason: reason ?? null,
  };
}

export function mountRateLimitApi(app: Hono): void {
  const yoga = createYoga({
    schema: createSchema({
      typeDefs,
      resolvers: {
        Query: {
          rateLimitHeadroom: async (_: unknown, args: { chainId?: number; timestamp?: string }) => {
            const at = timestampOf(args.timestamp);
            const query = db.select().from(schema.rateLimit);
            const rows = await (args.chainId == null
              ? query
              : query.where(eq(schema.rateLimit.chainId, args.chainId)));
            return rows.map((row) => ({ ...row, at }));
          },
          transferRateLimit: (_: unknown, args: { messageId: string; timestamp?: string }) =>
            transferRateLimit(args),
        },
        RateLimitHeadroom: headroomResolvers,
      },
    }),
    graphqlEndpoint: "/bridge/graphql",
    graphiql: false,
    landingPage: false,
  });
  app.all("/bridge/graphql", (c) => yoga.fetch(c.req.raw));
}
