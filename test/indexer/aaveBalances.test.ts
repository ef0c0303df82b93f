import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scaledDeltaOfBurn, scaledDeltaOfMint } from "../../indexer/aaveBalances.js";
import { RAY, rayDiv, rayMul } from "../../lib/aave/wadRayMath.js";

/**
 * The event rules of indexer/aaveBalances.ts against a transcription of core-v3 1.19.3's
 * ScaledBalanceTokenBase arithmetic: whatever a holder's history, the scaled delta recovered from the
 * emitted Mint/Burn equals the change of the stored scaled balance. (The end-to-end check against the real
 * tokens is test/indexer/aave.properties.test.ts.)
 */

type Holder = { scaled: bigint; lastIndex: bigint };
type Emitted = { event: "Mint" | "Burn"; value: bigint; balanceIncrease: bigint; index: bigint };

function mintScaled(h: Holder, amount: bigint, index: bigint): Emitted | null {
  const amountScaled = rayDiv(amount, index);
  if (amountScaled === 0n) return null; // INVALID_MINT_AMOUNT
  const balanceIncrease = rayMul(h.scaled, index) - rayMul(h.scaled, h.lastIndex);
  h.lastIndex = index;
  h.scaled += amountScaled;
  return { event: "Mint", value: amount + balanceIncrease, balanceIncrease, index };
}

function burnScaled(h: Holder, amount: bigint, index: bigint): Emitted | null {
  const amountScaled = rayDiv(amount, index);
  if (amountScaled === 0n || amountScaled > h.scaled) return null; // INVALID_BURN_AMOUNT / underflow
  const balanceIncrease = rayMul(h.scaled, index) - rayMul(h.scaled, h.lastIndex);
  h.lastIndex = index;
  h.scaled -= amountScaled;
  return balanceIncrease > amount
    ? { event: "Mint", value: balanceIncrease - amount, balanceIncrease, index }
    : { event: "Burn", value: amount - balanceIncrease, balanceIncrease, index };
}

const step = fc.record({
  burn: fc.boolean(),
  amount: fc.bigInt({ min: 1n, max: 10n ** 24n }),
  // The index only grows; steps of up to ~50 % keep interest large relative to small amounts.
  growth: fc.bigInt({ min: 0n, max: RAY / 2n }),
  fraction: fc.integer({ min: 1, max: 1000 }),
});

describe("Aave v3.0 scaled balances from Mint/Burn events", () => {
  it("recover the stored scaled balance after any sequence of mints and burns", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const holder: Holder = { scaled: 0n, lastIndex: 0n };
        let index = RAY;
        let indexed = 0n;
        for (const s of steps) {
          index += (index * s.growth) / RAY;
          const balance = rayMul(holder.scaled, index);
          const emitted = s.burn
            ? burnScaled(holder, (balance * BigInt(s.fraction)) / 1000n, index)
            : mintScaled(holder, s.amount, index);
          if (!emitted) continue;
          indexed +=
            emitted.event === "Mint"
              ? scaledDeltaOfMint(emitted.value, emitted.balanceIncrease, emitted.index)
              : scaledDeltaOfBurn(emitted.value, emitted.balanceIncrease, emitted.index);
          expect(indexed).toBe(holder.scaled);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("a burn smaller than the accrued interest is emitted as a Mint and still lowers the balance", () => {
    const holder: Holder = { scaled: 0n, lastIndex: 0n };
    mintScaled(holder, 1000n * 10n ** 18n, RAY);
    const index = (RAY * 11n) / 10n; // 10 % interest: 100e18 accrued
    const emitted = burnScaled(holder, 10n ** 18n, index)!;
    expect(emitted.event).toBe("Mint");
    expect(emitted.value).toBeLessThan(emitted.balanceIncrease);
    expect(scaledDeltaOfMint(emitted.value, emitted.balanceIncrease, index)).toBe(-rayDiv(10n ** 18n, index));
  });
});
