import { type Address, parseUnits } from "viem";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { aaveOf } from "./indexerAave.js";
import type { IndexerNet } from "./indexerFixture.js";

export const usdc = (n: number) => parseUnits(String(n), 6);
export const weth = (n: number) => parseUnits(String(n), 18);

/** The indexer tests' traffic; returns the message left in flight. */
export async function seedTraffic(
  net: IndexerNet,
  { USDC, WETH, B, C }: { USDC: Address; WETH: Address; B: number; C: number },
): Promise<BridgeMessage> {
  // Bridge traffic: out to both remotes, back from one, and one message left in flight.
  await net.deliver(await net.lock(0, "USDC", usdc(1000), B));
  await net.deliver(await net.lock(0, "USDC", usdc(500), C));
  await net.deliver(await net.lock(1, "WETH", weth(2), B));
  await net.deliver(await net.burn(0, B, USDC, usdc(300)));
  await net.deliver(await net.lock(2, "USDC", usdc(400), B)); // the liquidator's repayment funds
  const pending = await net.lock(0, "USDC", usdc(70), C);

  // The real Aave v3 market on B (wrapped tokens listed): a lender, a WETH-backed borrower pushed under
  // water and liquidated twice (once receiving aTokens), a borrower on B's own stablecoin.
  const lend = aaveOf(net, B);
  const wUsdcB = net.wrappedToken(B, USDC);
  const wWethB = net.wrappedToken(B, WETH);
  const [lender, borrower, daiUser] = lend.chain.users as [never, never, never];
  await lend.supply(lender, wUsdcB, usdc(600));
  await lend.supply(borrower, wWethB, weth(2));
  await lend.borrow(borrower, wUsdcB, usdc(300));
  await lend.faucet(daiUser, lend.native.address, weth(5000));
  await lend.supply(daiUser, lend.native.address, weth(5000));
  await lend.borrow(daiUser, wWethB, weth(1) / 2n);
  await lend.repay(daiUser, wWethB, weth(1) / 10n);
  await lend.withdraw(lender, wUsdcB, usdc(50));
  await lend.setPrice(wWethB, 150_00000000n); // 2 WETH at 150 against 300 USDC of debt: HF < 0.95
  await lend.liquidate(
    lend.chain.users[2]!,
    wWethB,
    wUsdcB,
    lend.chain.users[1]!.account.address,
    usdc(100),
    false,
  );
  await lend.liquidate(
    lend.chain.users[2]!,
    wWethB,
    wUsdcB,
    lend.chain.users[1]!.account.address,
    usdc(20),
    true,
  );
  return pending;
}
