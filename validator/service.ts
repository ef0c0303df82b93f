import { type Address, createPublicClient, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { validatorSetAbi } from "../contracts/generated/ValidatorSet.js";
import {
  deserializeMessage,
  type OutboundLog,
  outboundEvents,
  rotationRequestSchema,
  serializeMessage,
} from "../lib/attestationApi.js";
import { type BridgeMessage, messageId } from "../lib/bridge/message.js";
import { attestationTypedData, rotationTypedData, sortAddresses } from "../lib/bridge/typedData.js";
import type { ChainDeployment, Deployment } from "../lib/deployments.js";
import { BridgeError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { FinalityRule } from "../lib/networks.js";
import { createServiceApp, serve } from "../lib/service/http.js";
import { jsonResponse } from "../lib/service/json.js";
import { createScheduler } from "../lib/service/scheduler.js";
import { createValidatorMetrics } from "./metrics.js";
import { ConflictingMessageError, type SignedAttestation, ValidatorStore } from "./store.js";
import { NotCanonicalError, sourceReads, type VerifiedMessage, verifyOutboundLog } from "./verifyLog.js";

export type ValidatorChainConfig = {
  chainId: number;
  rpcUrl: string;
  finality: FinalityRule;
  /** Milliseconds between scans of this chain. */
  pollMs: number;
};

export type ValidatorConfig = {
  privateKey: Hex;
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  deployment: Deployment;
  chains: ValidatorChainConfig[];
  dataDir: string;
  rotationToken?: string;
  logger: Logger;
  /** Blocks per getLogs request while catching up. */
  maxBlockRange?: number;
};

export type RunningValidator = {
  address: Address;
  url: string;
  store: ValidatorStore;
  /**
   * Signs `message` under `epoch` unless this validator already signed a different message for the
   * same (source chain, nonce); then it throws ConflictingMessageError. The scanning loop uses it
   * for verified logs only; it is exported so the refusal can be tested directly.
   */
  signOnce(message: BridgeMessage, epoch: bigint): Promise<SignedAttestation>;
  stop(): Promise<void>;
};

export class RotationRefusedError extends BridgeError {}

/**
 * Starts one validator: a scanning loop per chain that signs finalized, verified Locked/Burned logs,
 * and an HTTP server for attestations, health, metrics and rotation requests.
 *
 * @example
 * const validator = await startValidator({ privateKey, port: 0, deployment, chains, dataDir, logger });
 * await fetch(`${validator.url}/v1/attestations/${id}`);
 * await validator.stop();
 */
export async function startValidator(config: ValidatorConfig): Promise<RunningValidator> {
  const account = privateKeyToAccount(config.privateKey);
  const log = config.logger.child({ service: "validator", validator: account.address });
  const store = new ValidatorStore(config.dataDir);
  const metrics = createValidatorMetrics();
  const maxRange = BigInt(config.maxBlockRange ?? 2_000);
  const clients = new Map<number, PublicClient>(
    config.chains.map((c) => [
      c.chainId,
      createPublicClient({ transport: http(c.rpcUrl, { timeout: 10_000, retryCount: 2, retryDelay: 200 }) }),
    ]),
  );
  const clientOf = (chainId: number): PublicClient => {
    const client = clients.get(chainId);
    if (!client) throw new BridgeError(`Validator has no RPC for chain ${chainId}.`);
    return client;
  };
  const chainOf = (chainId: number): ChainDeployment => {
    const chain = config.deployment.chains.find((c) => c.chainId === chainId);
    if (!chain) throw new BridgeError(`Chain ${chainId} is not in deployment ${config.deployment.name}.`);
    return chain;
  };
  const health = new Map<number, { head: number; processed: number; lastScanAt: number; error?: string }>();
  const currentEpochs = new Map<number, bigint>();

  async function destinationEpoch(chainId: number): Promise<bigint> {
    const known = currentEpochs.get(chainId);
    if (known !== undefined) return known;
    const epoch = await clientOf(chainId).readContract({
      address: chainOf(chainId).validatorSet.address,
      abi: validatorSetAbi,
      functionName: "epoch",
    });
    currentEpochs.set(chainId, epoch);
    return epoch;
  }

  async function signOnce(message: BridgeMessage, epoch: bigint): Promise<SignedAttestation> {
    const id = messageId(message);
    const serialized = serializeMessage(message);
    const existing = store.attestations(id).find((a) => BigInt(a.epoch) === epoch);
    if (existing) return existing;
    store.assertSignable(serialized, id);
    const signature = await account.signTypedData(attestationTypedData(message, epoch));
    const entry: SignedAttestation = {
      messageId: id,
      message: serialized,
      epoch: Number(epoch),
      signer: account.address,
      signature,
      signedAt: new Date().toISOString(),
    };
    // The store re-checks the (chain, nonce) rule and fsyncs; only then does the signature exist for
    // anyone else.
    store.append(entry);
    return entry;
  }

  async function scanOnce(chain: ValidatorChainConfig): Promise<boolean> {
    const client = clientOf(chain.chainId);
    const deployed = chainOf(chain.chainId);
    const [head, epoch] = await Promise.all([
      client.getBlockNumber({ cacheTime: 0 }),
      client.readContract({
        address: deployed.validatorSet.address,
        abi: validatorSetAbi,
        functionName: "epoch",
      }),
    ]);
    currentEpochs.set(chain.chainId, epoch);
    metrics.observedHead.set({ chain: String(chain.chainId) }, Number(head));
    const finalized =
      chain.finality.kind === "confirmations"
        ? head - BigInt(chain.finality.blocks)
        : (await client.getBlock({ blockTag: chain.finality.tag })).number;
    const cursor = store.cursor(chain.chainId);
    const from = cursor === undefined ? BigInt(deployed.bridge.startBlock) : BigInt(cursor) + 1n;
    const state = health.get(chain.chainId);
    health.set(chain.chainId, {
      head: Number(head),
      processed: cursor ?? deployed.bridge.startBlock - 1,
      lastScanAt: Date.now(),
    });
    if (finalized < from) return false;
    const to = finalized - from + 1n > maxRange ? from + maxRange - 1n : finalized;
    const logs = (await client.getLogs({
      address: deployed.bridge.address,
      events: outboundEvents,
      fromBlock: from,
      toBlock: to,
      strict: true,
    })) as OutboundLog[];
    const usedTransfers = new Set<string>();
    // Read every receipt and block of the range at once, then verify in log order (the Transfer
    // matching depends on it) and sign the whole range with one fsync.
    const reads = sourceReads(client);
    for (let i = 0; i < logs.length; i += 32) {
      await Promise.all(
        logs.slice(i, i + 32).flatMap((l) => [reads.receipt(l.transactionHash), reads.block(l.blockNumber)]),
      );
    }
    const toSign: { verdict: VerifiedMessage; entry: SignedAttestation }[] = [];
    const nonces = new Map<string, Hex>();
    for (const entry of logs) {
      const verdict = await verifyOutboundLog({
        client,
        deployment: config.deployment,
        chain: deployed,
        log: entry,
        usedTransfers,
        reads,
      });
      if ("rejected" in verdict) {
        metrics.refused.inc({ origin: String(chain.chainId), reason: verdict.rejected });
        log.warn(
          { chain: chain.chainId, tx: entry.transactionHash, reason: verdict.rejected },
          "refused to sign log",
        );
        continue;
      }
      const destination = Number(verdict.message.destinationChainId);
      const epoch = await destinationEpoch(destination);
      const serialized = serializeMessage(verdict.message);
      if (store.attestations(verdict.id).some((a) => BigInt(a.epoch) === epoch)) continue;
      const nonceKey = `${serialized.sourceChainId}:${serialized.nonce}`;
      try {
        store.assertSignable(serialized, verdict.id);
        const other = nonces.get(nonceKey);
        if (other !== undefined && other !== verdict.id) {
          throw new ConflictingMessageError(serialized.sourceChainId, serialized.nonce, other, verdict.id);
        }
      } catch (error) {
        if (!(error instanceof ConflictingMessageError)) throw error;
        metrics.refused.inc({ origin: String(chain.chainId), reason: "conflicting message for nonce" });
        log.error({ err: error, id: verdict.id }, "refused a conflicting message for a signed nonce");
        continue;
      }
      nonces.set(nonceKey, verdict.id);
      toSign.push({
        verdict,
        entry: {
          messageId: verdict.id,
          message: serialized,
          epoch: Number(epoch),
          signer: account.address,
          signature: await account.signTypedData(attestationTypedData(verdict.message, epoch)),
          signedAt: new Date().toISOString(),
        },
      });
    }
    store.appendMany(toSign.map((s) => s.entry));
    for (const { verdict } of toSign) {
      const destination = Number(verdict.message.destinationChainId);
      metrics.signed.inc({ origin: String(chain.chainId), destination: String(destination) });
      metrics.signingLag.observe(
        { origin: String(chain.chainId) },
        Math.max(0, Date.now() / 1000 - Number(verdict.blockTimestamp)),
      );
      log.info(
        { id: verdict.id, origin: chain.chainId, destination, nonce: String(verdict.message.nonce) },
        "signed",
      );
    }
    store.setCursor(chain.chainId, Number(to));
    metrics.finalizedBlock.set({ chain: String(chain.chainId) }, Number(to));
    health.set(chain.chainId, {
      ...(state ?? { head: Number(head) }),
      head: Number(head),
      processed: Number(to),
      lastScanAt: Date.now(),
    });
    return to < finalized;
  }

  const scheduler = createScheduler();
  for (const chain of config.chains) {
    scheduler.every(
      {
        name: `scan-${chain.chainId}`,
        intervalMs: chain.pollMs,
        onError: (error) => {
          metrics.scanErrors.inc({ chain: String(chain.chainId) });
          const current = health.get(chain.chainId);
          if (current) current.error = error instanceof Error ? error.message.split("\n")[0] : String(error);
          const level = error instanceof NotCanonicalError ? "warn" : "error";
          log[level]({ chain: chain.chainId, err: error }, "scan failed; retrying the same range");
        },
      },
      () => scanOnce(chain),
    );
  }

  const app = createServiceApp({
    log,
    registry: metrics.registry,
    health: () => {
      const now = Date.now();
      const chains = Object.fromEntries(
        [...health].map(([id, h]) => [id, { ...h, secondsSinceScan: (now - h.lastScanAt) / 1000 }]),
      );
      const stale = config.chains.some((c) => {
        const h = health.get(c.chainId);
        return !h || now - h.lastScanAt > Math.max(30_000, c.pollMs * 10);
      });
      return {
        healthy: !stale,
        body: {
          status: stale ? "degraded" : "ok",
          address: account.address,
          signed: store.signedCount,
          chains,
        },
      };
    },
    clientErrorStatus: (error) =>
      error instanceof RotationRefusedError || error instanceof SyntaxError ? 400 : undefined,
  });
  app.get("/v1/attestations/:id{0x[0-9a-fA-F]{64}}", async (c) => {
    const id = c.req.param("id").toLowerCase() as Hex;
    const latest = store.attestations(id).at(-1);
    if (!latest) return jsonResponse({ error: "not signed (unknown, not final yet, or refused)" }, 404);
    // After a rotation, sign the same (already verified) message again under the destination's new
    // epoch so pending messages do not expire with the old set's grace window.
    const epoch = currentEpochs.get(latest.message.destinationChainId);
    if (epoch !== undefined && BigInt(latest.epoch) < epoch) {
      return jsonResponse(await signOnce(deserializeMessage(latest.message), epoch));
    }
    return jsonResponse(latest);
  });
  app.post("/v1/rotations", async (c) => {
    if (!config.rotationToken)
      return jsonResponse({ error: "rotation signing is disabled on this validator" }, 403);
    if (c.req.header("authorization") !== `Bearer ${config.rotationToken}`) {
      return jsonResponse({ error: "missing or wrong bearer token" }, 401);
    }
    const body = await c.req.text();
    if (body.length > 100_000) return jsonResponse({ error: "request body too large" }, 413);
    const parsed = rotationRequestSchema.safeParse(JSON.parse(body));
    if (!parsed.success)
      return jsonResponse({ error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    return jsonResponse(await signRotation(parsed.data));
  });

  async function signRotation(request: {
    chainId: number;
    validatorSet: string;
    newEpoch: number;
    validators: string[];
    threshold: number;
  }) {
    const chain = chainOf(request.chainId);
    if (chain.validatorSet.address.toLowerCase() !== request.validatorSet.toLowerCase()) {
      throw new RotationRefusedError("validatorSet is not the deployed ValidatorSet of that chain");
    }
    const current = await clientOf(request.chainId).readContract({
      address: chain.validatorSet.address,
      abi: validatorSetAbi,
      functionName: "epoch",
    });
    if (BigInt(request.newEpoch) !== current + 1n) {
      throw new RotationRefusedError(`newEpoch must be ${current + 1n} (the current epoch + 1)`);
    }
    const validators = sortAddresses(request.validators as Address[]);
    const signature = await account.signTypedData(
      rotationTypedData({
        chainId: request.chainId,
        validatorSet: chain.validatorSet.address,
        newEpoch: BigInt(request.newEpoch),
        validators,
        threshold: BigInt(request.threshold),
      }),
    );
    log.info(
      { chain: request.chainId, newEpoch: request.newEpoch, validators, threshold: request.threshold },
      "signed rotation",
    );
    return { signer: account.address, signature };
  }

  const server = await serve({ app, host: config.host ?? "127.0.0.1", port: config.port });
  const url = server.url;
  log.info({ url, chains: config.chains.map((c) => c.chainId) }, "validator started");

  return {
    address: account.address,
    url,
    store,
    signOnce,
    async stop() {
      const loopsStopped = scheduler.stop();
      await server.close();
      await loopsStopped;
      store.close();
      log.info("validator stopped");
    },
  };
}
