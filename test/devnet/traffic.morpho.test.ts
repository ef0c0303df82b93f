import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { morphoAbi } from "../../contracts/generated/index.js";
import { pushPrice } from "../../deploy/aave.js";
import { liquidateMorpho } from "../../devnet/trafficMorpho.js";
import { send } from "../../harness/aaveTx.js";
import { type MorphoFixture, startMorphoFixture } from "../../harness/morphoFixture.js";
import type { MorphoDeployment } from "../../lib/deployments.js";
import { mulDivDown, ORACLE_PRICE_SCALE, wMulDown } from "../../lib/morpho/math.js";

/**
 * The devnet's Morpho liquidations (devnet/trafficMorpho.ts) on a real Morpho Blue: after the price walk's
 * dip the borrower at health 1.035 is liquidated and the one at 3 is left alone; after a crash the
 * under-water borrower loses all its collateral and Morpho writes the rest off as bad debt.
 */

let f: MorphoFixture;
let morpho: MorphoDeployment;
const log = pino({ level: "silent" });

beforeAll(async () => {
  f = await startMorphoFixture();
  morpho = {
    protocol: "morpho-test",
    name: "fixture",
    address: f.blue.morpho,
    startBlock: f.blue.startBlock,
    adaptiveCurveIrm: f.blue.irm,
    markets: [{ id: f.id, ...f.params, lltv: f.params.lltv.toString() }],
  };
}, 120_000);
afterAll(async () => {
  await f?.stop();
});

const position = async (index: number) => {
  const [, borrowShares, collateral] = await f.publicClient.readContract({
    address: f.blue.morpho,
    abi: morphoAbi,
    functionName: "position",
    args: [f.id, f.borrowers[index]!.account.address],
  });
  return { borrowShares, collateral };
};

/** Posts 1 WETH and borrows so that collateral value x LLTV / debt = target (in thousandths). */
async function borrowAt(index: number, targetPerMille: bigint) {
  const borrower = f.borrowers[index]!;
  const collateral = 10n ** 18n;
  const call = (functionName: string, args: readonly unknown[]) =>
    send(f, borrower, { address: f.blue.morpho, abi: morphoAbi, functionName, args } as never);
  await call("supplyCollateral", [f.params, collateral, borrower.account.address, "0x"]);
  const price = 2000n * 10n ** 24n; // WETH/USD 2000 in USDC units, 1e36-scaled (18 -> 6 decimals)
  const max = wMulDown(mulDivDown(collateral, price, ORACLE_PRICE_SCALE), f.params.lltv);
  await call("borrow", [
    f.params,
    (max * 1000n) / targetPerMille,
    0n,
    borrower.account.address,
    borrower.account.address,
  ]);
}

describe("devnet Morpho liquidations", () => {
  it("liquidates the borrower the dip puts under the LLTV, leaves the healthy one, then realises bad debt", async () => {
    await borrowAt(0, 1035n);
    await borrowAt(1, 3000n);
    const watched = f.borrowers.map((b) => b.account.address);
    const liquidator = { walletClient: f.liquidator, publicClient: f.publicClient };
    // Before any price move nobody is liquidatable.
    expect(await liquidateMorpho(morpho, liquidator, watched, log)).toEqual([]);

    await pushPrice(f.clients, f.feeds.collateral.aggregator, (2000_00000000n * 955n) / 1000n);
    const before = await position(0);
    const first = await liquidateMorpho(morpho, liquidator, watched, log);
    expect(first.map((l) => [l.borrower, l.badDebtAssets])).toEqual([[f.borrowers[0]!.account.address, 0n]]);
    const after = await position(0);
    expect(after.borrowShares).toBeLessThan(before.borrowShares);
    expect(after.collateral).toBe(before.collateral - first[0]!.seizedAssets);
    expect((await position(1)).borrowShares).toBeGreaterThan(0n);

    // A crash to a third: the rest of borrower 0's debt is worth far more than its collateral.
    await pushPrice(f.clients, f.feeds.collateral.aggregator, 2000_00000000n / 3n);
    const second = await liquidateMorpho(morpho, liquidator, watched, log);
    const zero = second.find((l) => l.borrower === f.borrowers[0]!.account.address)!;
    expect(zero.badDebtAssets).toBeGreaterThan(0n);
    expect(await position(0)).toEqual({ borrowShares: 0n, collateral: 0n });
  }, 120_000);
});
