import { type Address, erc20Abi, parseEventLogs, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { bridgeMinterAbi, bridgeVaultAbi, testERC20Abi } from "../contracts/generated/index.js";
import { deployBridgeHome, deployBridgeRemote, wireRoutes } from "../deploy/bridge.js";
import { transact } from "../deploy/transact.js";
import { messageFromLockedLog } from "../lib/bridge/message.js";
import { attestationTypedData, sortSignaturesBySigner } from "../lib/bridge/typedData.js";
import type { ChainDeployment, Deployment } from "../lib/deployments.js";
import { devKey, devnetKeys } from "../lib/devnet/accounts.js";
import { borrowOnMorpho, listOnMorpho, OTHER_BRIDGES_USER_INDEX } from "./externalBridge.js";
import { chainClients } from "./seed.js";

/**
 * A second instance of this project's bridge on the devnet, with its own validator set (anvil accounts
 * 21..24, 3 of 4), carrying USDC from chain A as sUSDC on B and C, where Morpho lists sUSDC/DAI. Its
 * validators and relayer do not run as services: the seed signs its transfers in-process with the set's
 * keys, as the devnet bootstrap does for the first instance. The indexer and the risk engine follow it
 * as they would follow any lock/mint bridge they do not operate, through a descriptor in the deployments
 * file (`externalBridges`: its BridgeVault's Locked/Released events and its WrappedToken supplies), so the
 * exposure matrix compares this bridge, its second instance and the external Portal.
 */

export const SECOND_BRIDGE_ID = "canonical-2";
const VALIDATOR_KEYS = [21, 22, 23, 24].map(devKey);
const THRESHOLD = 3;
const LOCKED_PER_REMOTE = parseUnits("40000", 6);
const SUSDC_LLTV = 945_000_000_000_000_000n;

const LOCK_EVENT =
  "event Locked(bytes32 indexed messageId, address indexed token, address indexed sender, uint64 destinationChainId, address destinationBridge, uint64 nonce, address recipient, uint256 amount)";
const RELEASE_EVENT =
  "event Released(bytes32 indexed messageId, address indexed token, address indexed recipient, uint64 sourceChainId, uint256 amount)";

type Step = (message: string) => void;

function usdc(home: ChainDeployment): Address {
  const token = home.tokens.find((t) => t.symbol === "USDC");
  if (!token) throw new Error(`no USDC on ${home.network}`);
  return token.address;
}

/** Deploys the second instance (vault, minters, sUSDC, routes, rate limits) and its Morpho markets. */
export async function deploySecondBridge(deployment: Deployment, step: Step): Promise<Deployment> {
  const home = deployment.chains.find((c) => c.role === "home")!;
  const homeClients = chainClients(home, devnetKeys.deployer);
  const validators = VALIDATOR_KEYS.map((k) => privateKeyToAccount(k).address);
  const setConfig = {
    validators,
    threshold: BigInt(THRESHOLD),
    graceSeconds: 3600n,
    maxPauseSeconds: 86_400n,
  };
  step(`[${home.network}] deploying a second instance of the bridge (own validator set, ${THRESHOLD} of 4)`);
  const homeToken = usdc(home);
  const vault = await deployBridgeHome({ ...homeClients, ...setConfig, tokens: [homeToken] });
  const chains: ChainDeployment[] = [];
  const minted: Deployment["externalBridges"][number]["assets"][number]["minted"] = [];
  const remotes: { chain: ChainDeployment; minter: Address }[] = [];
  for (const chain of deployment.chains) {
    if (chain.role !== "remote") {
      chains.push(chain);
      continue;
    }
    step(`[${chain.network}] deploying the second instance's minter, sUSDC and its Morpho market`);
    const clients = chainClients(chain, devnetKeys.deployer);
    const remote = await deployBridgeRemote({
      ...clients,
      ...setConfig,
      homeChainId: home.chainId,
      wrappedTokens: [
        {
          homeToken,
          name: "Bridged USD Coin (second instance)",
          symbol: "sUSDC",
          decimals: 6,
          mintCeiling: parseUnits("10000000", 6),
        },
      ],
    });
    const token = remote.wrappedTokens[0]!;
    remotes.push({ chain, minter: remote.minter.address });
    minted.push({
      chainId: chain.chainId,
      token: token.address,
      symbol: "sUSDC",
      startBlock: token.startBlock,
    });
    chains.push(
      chain.morpho
        ? {
            ...chain,
            morpho: await listOnMorpho(chain, clients, {
              token: token.address,
              decimals: 6,
              like: "wUSDC",
              lltv: SUSDC_LLTV,
              name: "sUSDC/DAI 94.5%",
            }),
          }
        : chain,
    );
  }
  await wireRoutes({
    home: { ...homeClients, bridge: vault.vault.address },
    remotes: remotes.map((r) => ({ ...chainClients(r.chain, devnetKeys.deployer), bridge: r.minter })),
  });
  const capacity = parseUnits("1000000", 6);
  for (const r of remotes) {
    for (const direction of [0, 1]) {
      await transact(
        homeClients,
        {
          address: vault.vault.address,
          abi: bridgeVaultAbi,
          functionName: "setRateLimit",
          args: [BigInt(r.chain.chainId), homeToken, direction, capacity, capacity / 3600n],
        },
        "second vault setRateLimit",
      );
      await transact(
        chainClients(r.chain, devnetKeys.deployer),
        {
          address: r.minter,
          abi: bridgeMinterAbi,
          functionName: "setRateLimit",
          args: [BigInt(home.chainId), homeToken, direction, capacity, capacity / 3600n],
        },
        "second minter setRateLimit",
      );
    }
  }
  return {
    ...deployment,
    chains,
    externalBridges: [
      ...deployment.externalBridges,
      {
        id: SECOND_BRIDGE_ID,
        name: `Second instance of this bridge (own validator set, ${THRESHOLD} of 4; services not run on the devnet)`,
        homeChainId: home.chainId,
        lockContract: vault.vault.address,
        startBlock: vault.vault.startBlock,
        events: { lock: LOCK_EVENT, release: RELEASE_EVENT, tokenArg: "token", amountArg: "amount" },
        assets: [{ homeToken, symbol: "USDC", decimals: 6, minted }],
      },
    ],
  };
}

/**
 * Bridges USDC over the second instance to account 20 on every remote chain (lock, then a mint carrying
 * the second set's signatures: the contracts check them exactly as for the first instance), and has it
 * borrow DAI against the sUSDC on Morpho.
 */
export async function seedSecondBridge(deployment: Deployment, step: Step): Promise<void> {
  const bridge = deployment.externalBridges.find((b) => b.id === SECOND_BRIDGE_ID);
  if (!bridge) return;
  const home = deployment.chains.find((c) => c.chainId === bridge.homeChainId)!;
  const asset = bridge.assets[0]!;
  const holderKey = devKey(OTHER_BRIDGES_USER_INDEX);
  const holderHome = chainClients(home, holderKey);
  const holder = holderHome.walletClient.account.address;
  step(`[${home.network}] bridging USDC over the second instance (signed by its own validator set)`);
  const total = LOCKED_PER_REMOTE * BigInt(asset.minted.length);
  await transact(
    chainClients(home, devnetKeys.deployer),
    { address: asset.homeToken, abi: testERC20Abi, functionName: "mint", args: [holder, total] },
    "mint USDC",
  );
  await transact(
    holderHome,
    { address: asset.homeToken, abi: erc20Abi, functionName: "approve", args: [bridge.lockContract, total] },
    "approve USDC to the second vault",
  );
  for (const minted of asset.minted) {
    const remote = deployment.chains.find((c) => c.chainId === minted.chainId)!;
    const receipt = await transact(
      holderHome,
      {
        address: bridge.lockContract,
        abi: bridgeVaultAbi,
        functionName: "lock",
        args: [asset.homeToken, LOCKED_PER_REMOTE, BigInt(minted.chainId), holder],
      },
      "lock USDC in the second vault",
    );
    const [log] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: receipt.logs });
    if (!log) throw new Error("the second vault's lock emitted no Locked event");
    const message = messageFromLockedLog({ log, sourceChainId: home.chainId });
    const typedData = attestationTypedData(message, 1n);
    const signatures = await Promise.all(
      VALIDATOR_KEYS.slice(0, THRESHOLD).map((key) => privateKeyToAccount(key).signTypedData(typedData)),
    );
    const sorted = await sortSignaturesBySigner(typedData, signatures);
    await transact(
      chainClients(remote, devnetKeys.deployer),
      {
        address: message.destinationBridge,
        abi: bridgeMinterAbi,
        functionName: "mint",
        args: [message, 1n, sorted.map((s) => s.signature)],
      },
      "second instance mint",
    );
    if (remote.morpho) await borrowOnMorpho(remote, minted.token, holderKey, LOCKED_PER_REMOTE);
  }
}
