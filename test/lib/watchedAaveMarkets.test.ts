import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aaveMarketProfiles } from "../../lib/aave/addressBook.js";
import { decodeReserveConfiguration, usesAsCollateral } from "../../lib/aave/reserveConfiguration.js";
import { type DeploymentInput, deploymentSchema } from "../../lib/deployments.js";
import { getNetwork } from "../../lib/networks.js";

/**
 * Pure parts of watching an existing Aave v3 market: the deployments file's `watchedAaveMarkets`
 * (every mistake with its path), the reserve configuration word as ReserveConfiguration.sol packs it,
 * and the address-book profiles.
 */

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as const;

function deployment(watched: unknown[], deployed: unknown[] = []): DeploymentInput {
  return {
    name: "t",
    createdAt: "2026-12-03",
    homeChainId: 1,
    validators: { epoch: 1, addresses: [address(9)], threshold: 1 },
    chains: [
      {
        network: "chain-1",
        chainId: 1,
        role: "home",
        validatorSet: { address: address(11), startBlock: 0 },
        bridge: { address: address(12), startBlock: 0 },
        tokens: [],
        aaveMarkets: deployed,
        watchedAaveMarkets: watched,
      },
    ],
  } as unknown as DeploymentInput;
}

function problems(watched: unknown[]): string {
  const result = deploymentSchema.safeParse(deployment(watched));
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
}

describe("deployments file: watched Aave markets", () => {
  it("accepts a market named by its provider or its pool, with defaults", () => {
    const parsed = deploymentSchema.parse(
      deployment([
        { protocol: "a", name: "A", addressesProvider: address(20), startBlock: 100 },
        { protocol: "b", name: "B", pool: address(21), startBlock: 5, holdersFromBlock: 4 },
      ]),
    );
    expect(parsed.chains[0]!.watchedAaveMarkets).toEqual([
      { protocol: "a", name: "A", addressesProvider: address(20), startBlock: 100, holdersFromBlock: 0 },
      { protocol: "b", name: "B", pool: address(21), startBlock: 5, holdersFromBlock: 4 },
    ]);
  });

  it("lists every mistake with its path", () => {
    const text = problems([
      { protocol: "a", name: "A", startBlock: 100 },
      { protocol: "a", name: "A2", addressesProvider: "0x12", startBlock: 0 },
      { protocol: "c", name: "C", pool: address(22), startBlock: 10, holdersFromBlock: 10 },
    ]);
    expect(text).toContain("chains.0.watchedAaveMarkets.0: name the market's addressesProvider or its pool");
    expect(text).toContain(
      "chains.0.watchedAaveMarkets.1.addressesProvider: not a 0x-prefixed 20-byte address",
    );
    expect(text).toContain("chains.0.watchedAaveMarkets.1.startBlock");
    expect(text).toContain(
      "chains.0.watchedAaveMarkets.2.holdersFromBlock: holdersFromBlock must be below startBlock",
    );
  });

  it("refuses a protocol id used by a deployed and a watched market", () => {
    const deployed = {
      protocol: "aave-x",
      name: "X",
      startBlock: 1,
      addressesProvider: address(30),
      pool: address(31),
      poolConfigurator: address(32),
      aaveOracle: address(33),
      aclManager: address(34),
      dataProvider: address(35),
      baseCurrencyUnit: "100000000",
    };
    const result = deploymentSchema.safeParse(
      deployment(
        [{ protocol: "aave-x", name: "X2", addressesProvider: address(40), startBlock: 9 }],
        [deployed],
      ),
    );
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toContain(
      'chains.0.watchedAaveMarkets.0.protocol: protocol id "aave-x" is used twice',
    );
  });
});

describe("reserve configuration word (ReserveConfiguration.sol, v3.0 layout)", () => {
  const field = (value: bigint, from: number) => value << BigInt(from);
  it("decodes every field from the bit positions Aave packs them at", () => {
    fc.assert(
      fc.property(
        fc.record({
          ltv: fc.integer({ min: 0, max: 65535 }),
          liquidationThreshold: fc.integer({ min: 0, max: 65535 }),
          liquidationBonus: fc.integer({ min: 0, max: 65535 }),
          decimals: fc.integer({ min: 0, max: 255 }),
          flags: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
          reserveFactor: fc.integer({ min: 0, max: 65535 }),
          borrowCap: fc.bigInt({ min: 0n, max: 2n ** 36n - 1n }),
          supplyCap: fc.bigInt({ min: 0n, max: 2n ** 36n - 1n }),
          liquidationProtocolFee: fc.integer({ min: 0, max: 65535 }),
          eModeCategory: fc.integer({ min: 0, max: 255 }),
          unbackedMintCap: fc.bigInt({ min: 0n, max: 2n ** 36n - 1n }),
          debtCeiling: fc.bigInt({ min: 0n, max: 2n ** 40n - 1n }),
        }),
        (c) => {
          let word =
            field(BigInt(c.ltv), 0) |
            field(BigInt(c.liquidationThreshold), 16) |
            field(BigInt(c.liquidationBonus), 32) |
            field(BigInt(c.decimals), 48) |
            field(BigInt(c.reserveFactor), 64) |
            field(c.borrowCap, 80) |
            field(c.supplyCap, 116) |
            field(BigInt(c.liquidationProtocolFee), 152) |
            field(BigInt(c.eModeCategory), 168) |
            field(c.unbackedMintCap, 176) |
            field(c.debtCeiling, 212);
          // bits 56..63: active, frozen, borrowing, stable borrowing, paused, isolation, siloed, flash loans
          for (const [i, on] of c.flags.entries()) if (on) word |= 1n << BigInt(56 + i);
          expect(decodeReserveConfiguration(word)).toEqual({
            ltv: c.ltv,
            liquidationThreshold: c.liquidationThreshold,
            liquidationBonus: c.liquidationBonus,
            decimals: c.decimals,
            active: c.flags[0],
            frozen: c.flags[1],
            borrowingEnabled: c.flags[2],
            stableBorrowingEnabled: c.flags[3],
            paused: c.flags[4],
            reserveFactor: c.reserveFactor,
            borrowCap: c.borrowCap,
            supplyCap: c.supplyCap,
            liquidationProtocolFee: c.liquidationProtocolFee,
            eModeCategory: c.eModeCategory,
            debtCeiling: c.debtCeiling,
          });
        },
      ),
    );
  });

  it("reads the user's collateral bit (2 * id + 1) and not the borrowing bit (2 * id)", () => {
    const word = (1n << 1n) | (1n << 4n) | (1n << 7n); // collateral in 0, borrowing in 2, collateral in 3
    expect([0, 1, 2, 3].map((id) => usesAsCollateral(word, id))).toEqual([true, false, false, true]);
  });
});

describe("Aave address book profiles", () => {
  it("name the testnets this project knows, with the chain ids of lib/networks.ts", () => {
    expect(aaveMarketProfiles.map((p) => p.network)).toEqual([
      "sepolia",
      "base-sepolia",
      "arbitrum-sepolia",
      "op-sepolia",
    ]);
    for (const p of aaveMarketProfiles) {
      expect(p.chainId).toBe(getNetwork(p.network).chainId);
      expect(p.addressesProvider).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(p.pool).not.toBe(p.addressesProvider);
    }
  });
});
