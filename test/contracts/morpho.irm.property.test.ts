import { AdaptiveCurveIrmLib } from "@morpho-org/blue-sdk";
import fc from "fast-check";
import { type Address, encodeAbiParameters, type Hex, keccak256, parseEventLogs, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adaptiveCurveIrmAbi, adaptiveCurveIrmBytecode } from "../../contracts/generated/index.js";
import { type MorphoMarketParams, morphoMarketId } from "../../deploy/morpho.js";
import { deployedContract } from "../../deploy/receipts.js";
import { revertName } from "../../harness/aaveTx.js";
import { type LocalChain, startLocalChain, type Wallet } from "../../harness/localChain.js";
import { settledBlock } from "../../harness/settledBlock.js";

/**
 * This project's AdaptiveCurve IRM against the SDK Morpho publishes (@morpho-org/blue-sdk's
 * AdaptiveCurveIrmLib): for any market state, rate at target and elapsed time, the contract's rate and
 * its new rate at target equal the SDK's to the wei.
 */

const WAD = 10n ** 18n;
const YEAR = 365n * 24n * 3600n;
/** Any market: the IRM keys its state by id only. */
const MARKET: MorphoMarketParams = {
  loanToken: "0x0000000000000000000000000000000000000001",
  collateralToken: "0x0000000000000000000000000000000000000002",
  oracle: "0x0000000000000000000000000000000000000003",
  irm: "0x0000000000000000000000000000000000000004",
  lltv: 860_000_000_000_000_000n,
};
const MARKET_ID = morphoMarketId(MARKET);
/** rateAtTarget is the IRM's first storage variable (MORPHO is immutable): mapping slot 0. */
const RATE_SLOT = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [MARKET_ID, 0n]));

let local: LocalChain;
/** Stands in for Morpho: the IRM only lets its Morpho call `borrowRate`. */
let morpho: Wallet;
let irm: Address;

beforeAll(async () => {
  local = await startLocalChain("morpho-irm");
  morpho = local.wallet(0);
  const hash = await morpho.deployContract({
    abi: adaptiveCurveIrmAbi,
    bytecode: adaptiveCurveIrmBytecode,
    args: [morpho.account.address],
  });
  irm = (await deployedContract(local.publicClient, hash, "AdaptiveCurveIrm")).address;
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

/** A market state: supply, borrow at most supply, the stored rate at target and the seconds since. */
const marketState = fc.record({
  totalSupplyAssets: fc.oneof(fc.constant(0n), fc.bigInt(1n, 10n ** 30n)),
  utilization: fc.oneof(fc.constantFrom(0n, AdaptiveCurveIrmLib.TARGET_UTILIZATION, WAD), fc.bigInt(0n, WAD)),
  startRateAtTarget: fc.oneof(
    fc.constantFrom(
      0n,
      AdaptiveCurveIrmLib.MIN_RATE_AT_TARGET,
      AdaptiveCurveIrmLib.MAX_RATE_AT_TARGET,
      AdaptiveCurveIrmLib.INITIAL_RATE_AT_TARGET,
    ),
    fc.bigInt(AdaptiveCurveIrmLib.MIN_RATE_AT_TARGET, AdaptiveCurveIrmLib.MAX_RATE_AT_TARGET),
  ),
  elapsed: fc.oneof(fc.constantFrom(0n, 1n, 12n), fc.bigInt(0n, 5n * YEAR)),
});
type MarketState = typeof marketState extends fc.Arbitrary<infer T> ? T : never;

function marketStruct(state: MarketState, now: bigint) {
  const totalBorrowAssets = (state.totalSupplyAssets * state.utilization) / WAD;
  return {
    totalSupplyAssets: state.totalSupplyAssets,
    totalSupplyShares: state.totalSupplyAssets * 10n ** 6n,
    totalBorrowAssets,
    totalBorrowShares: totalBorrowAssets * 10n ** 6n,
    lastUpdate: now - state.elapsed,
    fee: 0n,
  };
}

/** What the SDK says for this state: utilization as Morpho computes it (borrow / supply, rounded down). */
function expected(state: MarketState, market: ReturnType<typeof marketStruct>) {
  const utilization =
    market.totalSupplyAssets > 0n ? (market.totalBorrowAssets * WAD) / market.totalSupplyAssets : 0n;
  return AdaptiveCurveIrmLib.getBorrowRate(utilization, state.startRateAtTarget, state.elapsed);
}

async function storeRateAtTarget(rate: bigint) {
  await local.testClient.setStorageAt({ address: irm, index: RATE_SLOT, value: toHex(rate, { size: 32 }) });
}

describe("AdaptiveCurveIrm (this project's) equals @morpho-org/blue-sdk's AdaptiveCurveIrmLib", () => {
  it("borrowRateView: the average rate over the elapsed time, to the wei", async () => {
    await fc.assert(
      fc.asyncProperty(marketState, async (state) => {
        await storeRateAtTarget(state.startRateAtTarget);
        await local.testClient.mine({ blocks: 1 });
        // Read at a block below the head, so the call runs with that block's own timestamp.
        const block = await settledBlock(local.publicClient, local.testClient);
        const market = marketStruct(state, block.timestamp);
        const rate = await local.publicClient.readContract({
          address: irm,
          abi: adaptiveCurveIrmAbi,
          functionName: "borrowRateView",
          args: [MARKET, market],
          blockNumber: block.number,
        });
        expect(rate).toBe(expected(state, market).avgBorrowRate);
      }),
      { numRuns: 150 },
    );
  });

  it("borrowRate (called by Morpho): returns the average rate and stores the end rate at target", async () => {
    await fc.assert(
      fc.asyncProperty(marketState, async (state) => {
        await storeRateAtTarget(state.startRateAtTarget);
        const now = (await local.publicClient.getBlock()).timestamp + 10n;
        await local.testClient.setNextBlockTimestamp({ timestamp: now });
        const market = marketStruct(state, now);
        const hash = await morpho.writeContract({
          address: irm,
          abi: adaptiveCurveIrmAbi,
          functionName: "borrowRate",
          args: [MARKET, market],
          gas: 300_000n,
        });
        const receipt = await local.publicClient.waitForTransactionReceipt({ hash });
        expect(receipt.status).toBe("success");
        const [update] = parseEventLogs({
          abi: adaptiveCurveIrmAbi,
          logs: receipt.logs,
          eventName: "BorrowRateUpdate",
        });
        const sdk = expected(state, market);
        expect(update?.args.id).toBe(MARKET_ID);
        expect(update?.args.avgBorrowRate).toBe(sdk.avgBorrowRate);
        expect(update?.args.rateAtTarget).toBe(sdk.endRateAtTarget);
        const stored = await local.publicClient.readContract({
          address: irm,
          abi: adaptiveCurveIrmAbi,
          functionName: "rateAtTarget",
          args: [MARKET_ID as Hex],
        });
        expect(stored).toBe(sdk.endRateAtTarget);
      }),
      { numRuns: 40 },
    );
  });

  it("refuses borrowRate from anyone but its Morpho (who could otherwise replay elapsed time)", async () => {
    const outsider = local.wallet(1);
    await storeRateAtTarget(0n);
    const market = marketStruct(
      { totalSupplyAssets: WAD, utilization: WAD / 2n, startRateAtTarget: 0n, elapsed: 0n },
      (await local.publicClient.getBlock()).timestamp,
    );
    const attempt = local.publicClient.simulateContract({
      account: outsider.account,
      address: irm,
      abi: adaptiveCurveIrmAbi,
      functionName: "borrowRate",
      args: [MARKET, market],
    });
    expect(await revertName(attempt)).toBe("NotMorpho");
    // Positive control: the same call from Morpho goes through.
    const ok = await local.publicClient.simulateContract({
      account: morpho.account,
      address: irm,
      abi: adaptiveCurveIrmAbi,
      functionName: "borrowRate",
      args: [MARKET, market],
    });
    expect(ok.result).toBe(AdaptiveCurveIrmLib.getBorrowRate(WAD / 2n, 0n, 0n).avgBorrowRate);
  });
});
