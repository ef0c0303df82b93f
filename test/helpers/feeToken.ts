import {
  bridgeTestTokenAbi,
  bridgeTestTokenBytecode,
  bridgeVaultAbi,
} from "../../contracts/generated/index.js";
import type { BridgeFixture } from "./bridgeFixture.js";

/**
 * Deploys a test token that charges `feeBps` on every transfer, mints `amount` to the owner, approves the
 * vault for it and lists it on the vault; returns its address.
 */
export async function deployFeeToken(f: BridgeFixture, feeBps: number, amount: bigint) {
  const wallet = f.home.wallet(f.owner);
  const hash = await wallet.deployContract({
    abi: bridgeTestTokenAbi,
    bytecode: bridgeTestTokenBytecode,
    args: ["Fee Token", "FEE", 18],
  });
  const fee = (await f.home.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
  const mined = async (hash: `0x${string}`) => f.home.publicClient.waitForTransactionReceipt({ hash });
  await mined(
    await wallet.writeContract({
      address: fee,
      abi: bridgeTestTokenAbi,
      functionName: "setTransferFeeBps",
      args: [feeBps],
    }),
  );
  await mined(
    await wallet.writeContract({
      address: fee,
      abi: bridgeTestTokenAbi,
      functionName: "mint",
      args: [f.owner.address, amount],
    }),
  );
  await mined(
    await wallet.writeContract({
      address: fee,
      abi: bridgeTestTokenAbi,
      functionName: "approve",
      args: [f.vault, amount],
    }),
  );
  await mined(
    await wallet.writeContract({
      address: f.vault,
      abi: bridgeVaultAbi,
      functionName: "setToken",
      args: [fee, true],
    }),
  );
  return fee;
}
