import type { Block, PublicClient, TestClient } from "viem";

/**
 * The chain's latest block, made historical by mining one empty block after it, so reads pinned to it run
 * with its own header. anvil executes an eth_call at the latest block number with the node's current
 * block environment rather than that block's header (foundry-rs/foundry#11017; crates/anvil backend
 * `with_database_at`), whose timestamp can differ from the block's: interest-bearing figures such as
 * getUserAccountData then accrue over a different number of seconds than the block's own view. Only a
 * block below the head is executed with its own header.
 */
export async function settledBlock(
  publicClient: PublicClient,
  testClient: TestClient,
): Promise<Block<bigint, false, "latest">> {
  const block = await publicClient.getBlock();
  await testClient.mine({ blocks: 1 });
  return block;
}
