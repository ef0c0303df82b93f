import { describe, expect, it } from "vitest";
import { morphoMarketId } from "../../deploy/morpho.js";
import { chainlinkMorphoOraclePrice } from "../../indexer/morphoOracle.js";
import { type DeploymentInput, deploymentSchema } from "../../lib/deployments.js";

/** The deployments file's optional Morpho entry, and the oracle price the indexer computes from answers. */

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as const;
const params = {
  loanToken: address(1),
  collateralToken: address(2),
  oracle: address(3),
  irm: address(4),
  lltv: 860_000_000_000_000_000n,
};

function deployment(market: Record<string, unknown>): DeploymentInput {
  return {
    name: "t",
    createdAt: "2026-12-02",
    homeChainId: 1,
    validators: { epoch: 1, addresses: [address(9)], threshold: 1 },
    chains: [
      {
        network: "t",
        chainId: 1,
        role: "home",
        validatorSet: { address: address(10), startBlock: 0 },
        bridge: { address: address(11), startBlock: 0 },
        tokens: [],
        morpho: {
          protocol: "morpho-t",
          name: "Morpho",
          address: address(12),
          startBlock: 5,
          markets: [market],
        },
      },
    ],
  } as unknown as DeploymentInput;
}

const market = { ...params, id: morphoMarketId(params), lltv: params.lltv.toString() };

describe("deployments file: morpho", () => {
  it("accepts a market whose id is Morpho's hash of its params, and a chain without Morpho", () => {
    const parsed = deploymentSchema.parse(deployment(market));
    expect(parsed.chains[0]!.morpho!.markets[0]!.id).toBe(morphoMarketId(params));
    const without = deployment(market);
    delete (without.chains[0] as { morpho?: unknown }).morpho;
    expect(deploymentSchema.parse(without).chains[0]!.morpho).toBeUndefined();
  });

  it("rejects a market id that is not the hash of its params, naming the right one", () => {
    const wrong = { ...market, lltv: "945000000000000000" };
    const result = deploymentSchema.safeParse(deployment(wrong));
    expect(result.success).toBe(false);
    const message = result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
    expect(message).toContain("chains.0.morpho.markets.0.id: market id is not keccak256 of its params");
    expect(message).toContain(morphoMarketId({ ...params, lltv: 945_000_000_000_000_000n }));
  });

  it("rejects an LLTV of 100% or more and an id that is not 32 bytes", () => {
    const full = { ...params, lltv: 10n ** 18n };
    const atOne = deploymentSchema.safeParse(
      deployment({ ...full, id: morphoMarketId(full), lltv: full.lltv.toString() }),
    );
    expect(atOne.error?.issues.map((i) => i.message)).toContain("lltv must be below 1e18 (100%)");
    const short = deploymentSchema.safeParse(deployment({ ...market, id: "0x1234" }));
    expect(short.error?.issues.map((i) => i.message)).toContain("not a 0x-prefixed 32-byte hex string");
  });
});

describe("chainlinkMorphoOraclePrice", () => {
  it("is collateral * scale / loan, collateral * scale without a loan feed, and null without a positive answer", () => {
    // WETH (18) in USDC (6) over two 8-decimal feeds: scale 10^(36 + 6 + 8 - 18 - 8) = 10^24.
    const scaleFactor = 10n ** 24n;
    expect(
      chainlinkMorphoOraclePrice({
        collateralAnswer: 2000_00000000n,
        loanAnswer: 1_00000000n,
        hasLoanFeed: true,
        scaleFactor,
      }),
    ).toBe(2000n * 10n ** 24n);
    // Rounded down as the oracle divides: 2000 / 0.99999999.
    expect(
      chainlinkMorphoOraclePrice({
        collateralAnswer: 2000_00000000n,
        loanAnswer: 99999999n,
        hasLoanFeed: true,
        scaleFactor,
      }),
    ).toBe((2000_00000000n * scaleFactor) / 99999999n);
    expect(
      chainlinkMorphoOraclePrice({
        collateralAnswer: 2000_00000000n,
        hasLoanFeed: false,
        scaleFactor: 10n ** 16n,
      }),
    ).toBe(2000_00000000n * 10n ** 16n);
    for (const [collateralAnswer, loanAnswer] of [
      [0n, 1n],
      [-5n, 1n],
      [1n, 0n],
      [null, 1n],
      [1n, null],
    ] as const) {
      expect(
        chainlinkMorphoOraclePrice({ collateralAnswer, loanAnswer, hasLoanFeed: true, scaleFactor }),
      ).toBeNull();
    }
  });
});
