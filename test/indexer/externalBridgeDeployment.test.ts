import { describe, expect, it } from "vitest";
import { externalBridgeAbi, externalLockChains, mintedTokenChains } from "../../indexer/config.js";
import { type DeploymentInput, deploymentSchema } from "../../lib/deployments.js";
import { tokenDirectory } from "../../lib/risk/api/provider/tokenDirectory.js";

/**
 * The deployments file's `externalBridges` descriptors: what a user writes to describe another team's
 * lock/mint bridge, every mistake reported with its path, and the indexer sources derived from them.
 */

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as const;
const LOCK = "event TokensLocked(address indexed token, address indexed sender, uint256 amount)";
const RELEASE = "TokensReleased(address indexed token, address indexed recipient, uint256 amount)";

function descriptor(overrides: Record<string, unknown> = {}) {
  return {
    id: "portal",
    name: "Portal",
    homeChainId: 1,
    lockContract: address(20),
    startBlock: 3,
    events: { lock: LOCK, release: RELEASE },
    assets: [
      {
        homeToken: address(30),
        symbol: "WETH",
        decimals: 18,
        minted: [{ chainId: 2, token: address(40), symbol: "pWETH", startBlock: 7 }],
      },
    ],
    ...overrides,
  };
}

function deployment(externalBridges: unknown[]): DeploymentInput {
  const chain = (chainId: number, role: "home" | "remote") => ({
    network: `chain-${chainId}`,
    chainId,
    role,
    validatorSet: { address: address(10 + chainId), startBlock: 0 },
    bridge: { address: address(50 + chainId), startBlock: 0 },
    tokens: [
      {
        symbol: role === "home" ? "WETH" : "wWETH",
        decimals: 18,
        address: role === "home" ? address(30) : address(60 + chainId),
        homeToken: address(30),
        kind: role === "home" ? "native" : "wrapped",
      },
    ],
  });
  return {
    name: "t",
    createdAt: "2026-12-03",
    homeChainId: 1,
    validators: { epoch: 1, addresses: [address(9)], threshold: 1 },
    chains: [chain(1, "home"), chain(2, "remote")],
    externalBridges,
  } as unknown as DeploymentInput;
}

function problems(externalBridges: unknown[]): string {
  const result = deploymentSchema.safeParse(deployment(externalBridges));
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
}

describe("deployments file: external lock/mint bridges", () => {
  it("accepts a descriptor (the leading `event` optional) and defaults the argument names", () => {
    const parsed = deploymentSchema.parse(deployment([descriptor()]));
    expect(parsed.externalBridges[0]!.events).toMatchObject({ tokenArg: "token", amountArg: "amount" });
    // Files written before external bridges existed still read.
    const { externalBridges: _, ...older } = deployment([]) as Record<string, unknown>;
    expect(deploymentSchema.parse(older).externalBridges).toEqual([]);
  });

  it("derives the indexer's sources: lock contracts, one shared ABI, minted tokens beside wrapped ones", () => {
    const parsed = deploymentSchema.parse(deployment([descriptor()]));
    expect(externalLockChains(parsed)).toEqual({ "chain-1": { address: address(20), startBlock: 3 } });
    expect(externalBridgeAbi(parsed).map((e) => e.name)).toEqual(["TokensLocked", "TokensReleased"]);
    expect(mintedTokenChains(parsed)["chain-2"]).toEqual({
      address: [address(62), address(40)],
      startBlock: 0,
    });
    const directory = tokenDirectory(parsed);
    expect(directory.get(`2:${address(40)}`)).toMatchObject({ symbol: "pWETH", bridge: "portal" });
    expect(directory.get(`2:${address(62)}`)).toMatchObject({ symbol: "wWETH", bridge: "canonical" });
    expect(directory.get(`1:${address(30)}`)).toMatchObject({ symbol: "WETH", bridge: null });
  });

  it("lists every problem with its path: bad signature, missing arguments, unknown chains, clashes", () => {
    const message = problems([
      descriptor({
        id: "Portal!",
        homeChainId: 99,
        events: { lock: "TokensLocked(address token", release: RELEASE, amountArg: "value" },
        assets: [
          {
            homeToken: address(30),
            symbol: "WETH",
            decimals: 18,
            minted: [
              { chainId: 77, token: address(40), symbol: "pWETH", startBlock: 0 },
              { chainId: 2, token: address(62), symbol: "pWETH", startBlock: 0 },
            ],
          },
        ],
      }),
    ]);
    expect(message).toContain("externalBridges.0.id: lowercase letters, digits");
    expect(message).toContain(
      'externalBridges.0.events.lock: not a Solidity event signature: "TokensLocked(address token"',
    );
    expect(message).toContain(
      "externalBridges.0.homeChainId: chain 99 is not one of the deployment's chains",
    );
    expect(message).toContain(
      "externalBridges.0.assets.0.minted.0.chainId: chain 77 is not one of the deployment's chains",
    );
    expect(message).toContain(
      "externalBridges.0.assets.0.minted.1.token: this token is one of this bridge's own tokens",
    );
  });

  it("refuses argument names the events do not have, a reused id, and one event name with two shapes", () => {
    expect(
      problems([descriptor({ events: { lock: LOCK, release: RELEASE, amountArg: "value" } })]),
    ).toContain(
      'externalBridges.0.events.lock: event TokensLocked has no uint parameter named "value" (amountArg)',
    );
    expect(problems([descriptor({ id: "canonical" })])).toContain(
      'externalBridges.0.id: bridge id "canonical" is used twice',
    );
    const other = descriptor({
      id: "other",
      lockContract: address(21),
      events: { lock: "TokensLocked(address token, uint256 amount, bytes32 ref)", release: RELEASE },
    });
    expect(problems([descriptor(), other])).toContain(
      "externalBridges.1.events: event TokensLocked is declared twice with different parameters",
    );
    expect(problems([descriptor({ events: { lock: LOCK, release: LOCK } })])).toContain(
      "externalBridges.0.events.release: the lock and release events must have different names",
    );
  });
});
