import type { privateKeyToAccount } from "viem/accounts";
import { deployAaveMarket } from "./aaveEvents.js";
import type { BenchChain } from "./benchChain.js";

type Account = ReturnType<typeof privateKeyToAccount>;

/**
 * Many Aave positions with few events each: the market of deployAaveMarket, one ReserveDataUpdated (a
 * Supply for a user who holds nothing) so the reserve has its indexes, then per user an aToken Mint
 * (1 BOB supplied), collateral enabled, and a variable debt Mint. Debt varies by batch from 0.1 to 0.8
 * BOB, so health factors spread from 8.25 down to about 1.03 at the feed's 2000 USD price. Supply and
 * Borrow events (which only stamp the user's last activity) are left out to keep the event count, and
 * the time to index it, at three per position.
 */
export async function generatePositions(
  chain: BenchChain,
  account: Account,
  users: number,
  progress: (done: number) => void = () => {},
) {
  const deployed = await deployAaveMarket(chain, account);
  const { call } = deployed;
  const { market, aToken, variableDebt, aggregator, asset } = deployed.addresses;
  // A user far above the generated range: the reserve's first ReserveDataUpdated, no balance.
  await call(market, "AaveMarketEvents", "supplies", [asset, 10n ** 12n, 1n]);
  await call(aggregator, "AggregatorEvents", "answers", [1n, 1n]);
  let events = 3 + 3 + 1;
  const perTx = 1000;
  for (let first = 1, batch = 0; first <= users; first += perTx, batch++) {
    const n = BigInt(Math.min(perTx, users - first + 1));
    const u = BigInt(first);
    const debt = 10n ** 17n * BigInt(1 + (batch % 8));
    await call(aToken, "AaveTokenEvents", "mints", [u, n, 10n ** 18n]);
    await call(market, "AaveMarketEvents", "collaterals", [asset, u, n]);
    await call(variableDebt, "AaveTokenEvents", "mints", [u, n, debt]);
    events += Number(n) * 3;
    progress(first - 1 + Number(n));
  }
  return { ...deployed, events };
}
