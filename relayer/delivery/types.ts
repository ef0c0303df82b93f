import type { Account, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import type { SerializedMessage } from "../../lib/attestationApi.js";
import type { ChainDeployment } from "../../lib/deployments.js";
import type { Logger } from "../../lib/logger.js";
import type { FinalityRule } from "../../lib/networks.js";
import type { RelayerStore } from "../db.js";
import type { RelayerMetrics } from "../metrics.js";
import type { NonceManager } from "../nonceManager.js";
import type { RootPipeline } from "./pipeline.js";

export type DeliveryJobData = {
  id: Hex;
  message: SerializedMessage;
  sourceTxHash: Hex;
  sourceBlock: number;
  /** Times this job was put back to wait (signatures, pause, rate limit); drives the backoff step. */
  waits?: number;
  /** Unix seconds of the source block (read once, for the stage latencies). */
  sourceTimestamp?: number;
  /** Stages whose latency this message already observed (see stages.ts). */
  stages?: string[];
  /** The last wait written to the database (status, reason, signatures), to skip identical writes. */
  recorded?: string;
};

export type DestinationChain = {
  chainId: number;
  deployment: ChainDeployment;
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  nonces: NonceManager;
  /** This chain's finality rule as a source chain (when a missing source log is a verdict). */
  finality: FinalityRule;
  /** Expected milliseconds between blocks (how long to sleep while a source log turns final). */
  blockTimeMs: number;
};

export type DeliveryTiming = {
  /** How often to ask validators while a message is expected to be finalizing. */
  signaturePollMs: number;
  /** Polls at signaturePollMs before switching to the stepped backoff. */
  fastPolls: number;
  /** Multiplies the backoff steps (1 = 1 s, 2 s, 5 s, 10 s, 30 s, 60 s); tests shrink it. */
  backoffScale: number;
  /** A transaction not mined after this long is replaced with higher fees. */
  receiptTimeoutMs: number;
  maxFeeBumps: number;
  /** Waiting longer than this turns "awaiting_signatures" into "stuck". */
  stuckAfterMs: number;
};

export type DeliveryContext = {
  store: RelayerStore;
  destinations: Map<number, DestinationChain>;
  validatorUrls: readonly string[];
  metrics: RelayerMetrics;
  log: Logger;
  timing: DeliveryTiming;
  /** Per-route root pipeline: fetches each root once and delivers its messages in batches. */
  pipeline: RootPipeline;
  /** How long a job handed to the pipeline waits in the delayed set before looking again. */
  holdMs: number;
};
