import { createPublicClient, type Hex, http, type PublicClient } from "viem";
import {
  collectQuorum,
  deserializeMessage,
  fetchAttestations,
  readValidatorSets,
} from "../lib/attestationApi.js";
import type { Deployment } from "../lib/deployments.js";
import { devnetServiceUrls } from "../lib/devnet/ports.js";
import { errorSummary } from "../lib/errors.js";
import { finalityDistance } from "../lib/finality.js";
import { findNetworkByChainId, resolveRpcUrl } from "../lib/networks.js";

/**
 * What the explorer's transfer page shows beside the indexed legs: how far the source block is from
 * final, how many valid signatures the validators serve now, and the relayer's record. Nothing here
 * is stored: it asks the chains, the validators and the relayer (their own sources of truth) on every
 * request, the way `bridge status` does.
 */
export type MessageProgress = {
  id: Hex;
  finality: { rule: string; blocksToGo: number } | null;
  signatures: {
    valid: number;
    threshold: number;
    /** Validators that answered with no signature, with their reason ("not signed yet", "fetch failed"). */
    missing: { url: string; reason: string }[];
  };
  relayer: {
    status: string;
    stuckReason: string | null;
    history: { status: string; reason: string | null; at: string }[];
  } | null;
  relayerError: string | null;
};

export type ProgressSources = { validatorUrls: string[]; relayerUrl: string };

/** VALIDATOR_URLS / RELAYER_URL, else the devnet's (DEVNET_PORT_OFFSET applied), as the CLI does. */
export function progressSources(env: NodeJS.ProcessEnv = process.env): ProgressSources {
  const devnet = devnetServiceUrls(env);
  return {
    validatorUrls: env.VALIDATOR_URLS
      ? env.VALIDATOR_URLS.split(",").map((u) => u.trim())
      : devnet.validators,
    relayerUrl: env.RELAYER_URL ?? devnet.relayer,
  };
}

const clients = new Map<number, PublicClient>();

function clientFor(chainId: number): PublicClient | undefined {
  const network = findNetworkByChainId(chainId);
  if (!network) return undefined;
  let client = clients.get(chainId);
  if (!client) {
    client = createPublicClient({ transport: http(resolveRpcUrl(network), { timeout: 3_000 }) });
    clients.set(chainId, client);
  }
  return client;
}

export type MessageProgressParameters = {
  id: Hex;
  deployment: Deployment;
  sources: ProgressSources;
  /** The indexed source leg, when there is one. */
  source?: { chainId: number; block: bigint | null };
  destinationChainId: number;
};

export async function messageProgress(parameters: MessageProgressParameters): Promise<MessageProgress> {
  const { id, deployment, sources } = parameters;
  const destination = deployment.chains.find((c) => c.chainId === parameters.destinationChainId);
  const destinationClient = clientFor(parameters.destinationChainId);
  const [fetched, sets, finality, relayer] = await Promise.all([
    fetchAttestations(sources.validatorUrls, id, 1_500),
    destination && destinationClient
      ? readValidatorSets(destinationClient, destination.validatorSet.address).catch(() => [])
      : Promise.resolve([]),
    sourceFinality(parameters.source),
    relayerRecord(sources.relayerUrl, id),
  ]);
  const signed = fetched.find((f) => "attestation" in f);
  const quorum =
    signed && "attestation" in signed && sets.length > 0
      ? await collectQuorum({ message: deserializeMessage(signed.attestation.message), fetched, sets })
      : { valid: 0, threshold: sets[0]?.threshold ?? 0 };
  return {
    id,
    finality,
    signatures: {
      valid: quorum.valid,
      threshold: quorum.threshold,
      missing: fetched.flatMap((f) => ("error" in f ? [{ url: f.url, reason: f.error }] : [])),
    },
    relayer: relayer.record,
    relayerError: relayer.error,
  };
}

async function sourceFinality(
  source: MessageProgressParameters["source"],
): Promise<MessageProgress["finality"]> {
  if (!source || source.block === null) return null;
  const network = findNetworkByChainId(source.chainId);
  const client = clientFor(source.chainId);
  if (!network || !client) return null;
  const rule = network.finality;
  try {
    const distance = await finalityDistance({ client, rule, block: source.block });
    const words = rule.kind === "confirmations" ? `${rule.blocks} confirmations` : `the ${rule.tag} head`;
    return { rule: words, blocksToGo: distance.blocksToGo };
  } catch {
    return null;
  }
}

type RelayerBody = {
  message: { status: string; stuckReason: string | null };
  history: { status: string; reason: string | null; at: string }[];
};

async function relayerRecord(
  relayerUrl: string,
  id: Hex,
): Promise<{ record: MessageProgress["relayer"]; error: string | null }> {
  try {
    const response = await fetch(`${relayerUrl.replace(/\/$/, "")}/v1/messages/${id}`, {
      signal: AbortSignal.timeout(1_500),
    });
    if (response.status === 404) return { record: null, error: "the relayer has no record of it yet" };
    if (!response.ok) return { record: null, error: `relayer answered HTTP ${response.status}` };
    const body = (await response.json()) as RelayerBody;
    return {
      record: {
        status: body.message.status,
        stuckReason: body.message.stuckReason,
        history: body.history.map((h) => ({ status: h.status, reason: h.reason, at: h.at })),
      },
      error: null,
    };
  } catch (error) {
    return { record: null, error: `relayer unreachable (${errorSummary(error)})` };
  }
}
