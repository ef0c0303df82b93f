import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aaveOracleAbi, aTokenAbi } from "../../contracts/generated/index.js";
import {
  type AaveAction,
  aaveActionSequenceArbitrary,
  applyAaveAction,
  applyAaveActions,
} from "../../harness/aaveActions.js";
import { type AaveFixture, accountData, onSnapshot, startAaveFixture } from "../../harness/aaveFixture.js";

/** The random-action driver the indexer's property test uses: it must apply or skip, never blow up. */
describe("Aave action driver", () => {
  let f: AaveFixture;
  beforeAll(async () => {
    f = await startAaveFixture();
  }, 120_000);
  afterAll(async () => {
    await f?.stop();
  });

  const wethPrice = () =>
    f.publicClient.readContract({
      address: f.market.aaveOracle,
      abi: aaveOracleAbi,
      functionName: "getAssetPrice",
      args: [f.market.reserve("WETH").asset],
    });

  it("drives a liquidation with protocol fee after a price drop", async () => {
    await onSnapshot(f, async () => {
      // Reserves in the driver: USDC(0), DAI(1), WETH(2), NOCOL(3).
      const script: AaveAction[] = [
        { kind: "supply", user: 0, reserve: 2, usd: 50_000 },
        { kind: "borrow", user: 0, reserve: 0, perMille: 990 },
        { kind: "price", reserve: 2, changeBps: -2000, onBorrowerCollateral: false },
        { kind: "liquidate", user: 0, collateral: 0, debt: 0, perMille: 500, receiveAToken: false },
      ];
      const outcomes = await applyAaveActions(f, script);
      expect(outcomes.map((o) => o.status)).toEqual(["applied", "applied", "applied", "applied"]);
      const fee = await f.publicClient.readContract({
        address: f.market.reserve("WETH").aToken,
        abi: aTokenAbi,
        functionName: "balanceOf",
        args: [f.treasury],
      });
      expect(fee).toBeGreaterThan(0n);
    });
  }, 60_000);

  it("crashes a borrower's collateral price to liquidate a healthy market, and skips when nobody borrows", async () => {
    await onSnapshot(f, async () => {
      const liquidate: AaveAction = {
        kind: "liquidate",
        user: 0,
        collateral: 0,
        debt: 0,
        perMille: 1000,
        receiveAToken: true,
      };
      expect(await applyAaveAction(f, liquidate)).toMatchObject({
        status: "skipped",
        reason: "nobody borrows: no position to liquidate",
      });
      await applyAaveActions(f, [
        { kind: "supply", user: 0, reserve: 2, usd: 50_000 },
        { kind: "borrow", user: 0, reserve: 0, perMille: 500 },
      ]);
      const borrower = f.users[0]!.account.address;
      const before = await accountData(f, borrower);
      expect(before.healthFactor).toBeGreaterThan(10n ** 18n);
      const wethBefore = await wethPrice();
      const outcome = await applyAaveAction(f, liquidate);
      expect(outcome.status).toBe("applied");
      // The crash hit WETH, the only collateral, and every account was touched by it.
      expect(await wethPrice()).toBeLessThan(wethBefore);
      expect(outcome.touched).toContain(f.lender.account.address);
      expect((await accountData(f, borrower)).totalDebtBase).toBeLessThan(before.totalDebtBase);
    });
  }, 60_000);

  it("names Aave's revert codes when the Pool rejects an action", async () => {
    await onSnapshot(f, async () => {
      await applyAaveAction(f, { kind: "supply", user: 2, reserve: 0, usd: 1000 });
      await applyAaveAction(f, { kind: "borrow", user: 2, reserve: 1, perMille: 1000 });
      // Withdrawing all collateral under a borrow breaks the health factor.
      const outcome = await applyAaveAction(f, { kind: "withdraw", user: 2, reserve: 0, perMille: 1000 });
      expect(outcome.status).toBe("skipped");
      expect(outcome.reason).toBe("HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD");
    });
  }, 60_000);

  it("applies or skips every random action, and the Pool stays readable", async () => {
    const applied = new Map<string, number>();
    const skipped = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(aaveActionSequenceArbitrary(25), async (actions) => {
        await onSnapshot(f, async () => {
          for (const outcome of await applyAaveActions(f, actions)) {
            expect(["applied", "skipped"]).toContain(outcome.status);
            const tally = outcome.status === "applied" ? applied : skipped;
            const key =
              outcome.status === "applied"
                ? outcome.action.kind
                : `${outcome.action.kind}: ${outcome.reason}`;
            tally.set(key, (tally.get(key) ?? 0) + 1);
          }
          for (const user of f.users) await accountData(f, user.account.address);
        });
      }),
      { numRuns: Number(process.env.AAVE_ACTION_RUNS ?? 8), seed: 20261202 },
    );
    console.log({ applied: Object.fromEntries(applied), skipped: Object.fromEntries(skipped) });
    // Enough actually happens for a property test on top of this to mean something.
    for (const kind of ["supply", "borrow", "repay", "withdraw", "transfer", "price", "time"]) {
      expect(applied.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
  }, 300_000);
});
