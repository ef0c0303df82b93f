import { type Address, type Hex, parseEventLogs } from "viem";
import { bridgeMinterAbi, bridgeVaultAbi, validatorSetAbi } from "../../contracts/generated/index.js";
import { buildMessageTree, type MessageTree } from "../../lib/bridge/merkle.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { rotationTypedData } from "../../lib/bridge/typedData.js";
import { type BridgeFixture, HOME_CHAIN_ID, REMOTE_CHAIN_ID, USDC_UNIT } from "./bridgeFixture.js";
import { type Destination, rootAttestationOf, rootPath, signRoot } from "./roots.js";

/** Setup steps and data of the root-path contract tests, on the bridge fixture. */

/** `f.user` locks each amount (in whole USDC) toward the remote chain; returns the messages. */
export async function locks(f: BridgeFixture, ...amounts: bigint[]): Promise<BridgeMessage[]> {
  const messages: BridgeMessage[] = [];
  for (const amount of amounts) messages.push(await f.lock(amount * USDC_UNIT));
  return messages;
}

/** Submits the root of `tree` to the minter or the vault with a 4-of-5 quorum; returns its attestation. */
export async function submitTreeRoot(f: BridgeFixture, side: Destination, tree: MessageTree) {
  const path = rootPath(f, side);
  const attestation = rootAttestationOf(tree);
  await path.confirm(path.submitRoot(attestation, await signRoot(f, attestation)));
  return attestation;
}

/** Locks, builds the tree over the new messages, and stores its root on the minter with a 4-of-5 quorum. */
export async function lockAndSubmit(f: BridgeFixture, ...amounts: bigint[]) {
  const messages = await locks(f, ...amounts);
  const tree = buildMessageTree(messages);
  const attestation = await submitTreeRoot(f, "minter", tree);
  return { messages, tree, attestation };
}

/**
 * Locks `locked` (whole USDC) and mints it on the remote, burns each amount back toward home, and stores
 * the burns' root on the vault with a 4-of-5 quorum.
 */
export async function burnAndSubmit(f: BridgeFixture, locked: bigint, ...amounts: bigint[]) {
  const [message] = await locks(f, locked);
  await f.mint(message!);
  const burns: BridgeMessage[] = [];
  for (const amount of amounts) burns.push(await f.burn(amount * USDC_UNIT));
  const tree = buildMessageTree(burns);
  const attestation = await submitTreeRoot(f, "vault", tree);
  return { burns, tree, attestation };
}

export const mintedIds = (logs: Parameters<typeof parseEventLogs>[0]["logs"]) =>
  parseEventLogs({ abi: bridgeMinterAbi, eventName: "Minted", logs }).map((l) => l.args.messageId);

/** An owner-only call on the minter or the vault, confirmed. */
export const ownerWrite = async (
  f: BridgeFixture,
  side: Destination,
  functionName: string,
  args: unknown[],
) => {
  const path = rootPath(f, side);
  await path.confirm(
    path.chain.wallet(f.owner).writeContract({
      address: path.address,
      abi: (side === "minter" ? bridgeMinterAbi : bridgeVaultAbi) as typeof bridgeMinterAbi,
      functionName: functionName as "setRoute",
      args: args as [bigint, Address],
    }),
  );
};

/** The pauser pauses the minter or the vault for `seconds`; returns the transaction hash. */
export const pause = (f: BridgeFixture, side: Destination, seconds: bigint): Promise<Hex> =>
  side === "minter"
    ? f.remote.wallet(f.pauser).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "pause",
        args: [seconds],
      })
    : f.home.wallet(f.pauser).writeContract({
        address: f.vault,
        abi: bridgeVaultAbi,
        functionName: "pause",
        args: [seconds],
      });

/** Rotates the remote validator set to epoch 2 (`validators`, `threshold`), signed by 4 of the current 5. */
export async function rotateRemoteSet(f: BridgeFixture, validators: Address[], threshold: bigint) {
  const rotation = rotationTypedData({
    chainId: REMOTE_CHAIN_ID,
    validatorSet: f.remoteValidatorSet,
    newEpoch: 2n,
    validators,
    threshold,
  });
  return f.remote.wallet(f.user).writeContract({
    address: f.remoteValidatorSet,
    abi: validatorSetAbi,
    functionName: "rotate",
    args: [
      validators,
      threshold,
      await Promise.all(f.validators.slice(0, 4).map((v) => v.signTypedData(rotation))),
    ],
  });
}

/** A burn toward home that no chain emitted: the vault only checks quorum, proof and outstanding. */
export const fabricatedBurn = (f: BridgeFixture, sourceChainId: number, nonce: bigint): BridgeMessage => ({
  version: 1,
  sourceChainId: BigInt(sourceChainId),
  destinationChainId: BigInt(HOME_CHAIN_ID),
  sourceBridge: f.minter,
  destinationBridge: f.vault,
  nonce,
  token: f.usdc,
  sender: f.user.address,
  recipient: f.user.address,
  amount: nonce * USDC_UNIT,
});

/** The range and epoch the minter stored for a root from the home vault. */
export const minterRootRange = (f: BridgeFixture, root: Hex) =>
  f.remote.publicClient.readContract({
    address: f.minter,
    abi: bridgeMinterAbi,
    functionName: "rootRange",
    args: [BigInt(HOME_CHAIN_ID), f.vault, root],
  });

/** The per-message path: `f.user` submits `mint` with the given signatures; returns the transaction hash. */
export const perMessageMint = (f: BridgeFixture, message: BridgeMessage, signatures: Hex[]) =>
  f.remote.wallet(f.user).writeContract({
    address: f.minter,
    abi: bridgeMinterAbi,
    functionName: "mint",
    args: [message, 1n, signatures],
  });

/** The per-message path: `f.user` submits `mintBatch` with a 4-of-5 quorum per message. */
export const perMessageMintBatch = async (f: BridgeFixture, messages: BridgeMessage[]) =>
  f.remote.wallet(f.user).writeContract({
    address: f.minter,
    abi: bridgeMinterAbi,
    functionName: "mintBatch",
    args: [messages, 1n, await Promise.all(messages.map((m) => f.signAttestation(m)))],
  });
