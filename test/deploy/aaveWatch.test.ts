import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Address, type Hex, keccak256, pad, stringToHex, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poolAddressesProviderAbi } from "../../contracts/generated/index.js";
import { type AaveFixture, startAaveFixture } from "../../harness/aaveFixture.js";
import { aaveMarketProfile } from "../../lib/aave/addressBook.js";
import { readDeployment, writeDeployment } from "../../lib/deployments.js";
import { getNetwork } from "../../lib/networks.js";

const run = promisify(execFile);

/**
 * README "Watch an existing Aave v3 market", as a user runs it, on an anvil that stands in for Sepolia
 * (Sepolia's chain id). The market is deployed there by another deployer, and its PoolAddressesProvider
 * is also placed at the address Aave's address book gives for Sepolia (code and the storage that names
 * the market's contracts), so `--market AaveV3Sepolia` resolves through the book exactly as on Sepolia.
 */
describe("bridge aave watch", () => {
  const dir = mkdtempSync(join(tmpdir(), "aave-watch-"));
  const file = join(dir, "testnet.json");
  const profile = aaveMarketProfile("AaveV3Sepolia")!;
  let f: AaveFixture;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) =>
    run(process.execPath, ["cli/bin.js", "aave", "watch", "--deployment", file, ...args], {
      env,
      timeout: 120_000,
    });

  beforeAll(async () => {
    f = await startAaveFixture({ chainId: getNetwork("sepolia").chainId, deployerIndex: 12 });
    const [chain] = f.deploymentsFile.chains;
    writeDeployment(file, {
      ...f.deploymentsFile,
      chains: [{ ...chain!, network: "sepolia", aaveMarkets: [] }],
    });
    env = { ...process.env, SEPOLIA_RPC_URL: f.anvil.rpcUrl };
  }, 300_000);

  afterAll(async () => {
    await f?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists every problem of bad input at once and writes nothing", async () => {
    const failed = await cli("--market", "AaveV3Mars", "--start-block", "soon", "--holders-from", "-3").catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed).toMatchObject({ code: 1 });
    const stderr = (failed as { stderr: string }).stderr;
    expect(stderr).toContain('unknown --market "AaveV3Mars"');
    expect(stderr).toContain('--start-block "soon"');
    expect(stderr).toContain('--holders-from "-3"');
    expect(readDeployment(file).chains[0]!.watchedAaveMarkets).toEqual([]);
  });

  it("names a market by its PoolAddressesProvider: discovers it and adds it from the next block", async () => {
    const head = await f.publicClient.getBlockNumber();
    const { stdout } = await cli(
      "--network",
      "sepolia",
      "--provider",
      f.market.addressesProvider,
      "--protocol",
      "aave-local",
    );
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({
      protocol: "aave-local",
      pool: f.market.pool,
      poolConfigurator: f.market.poolConfigurator,
      aaveOracle: f.market.aaveOracle,
      poolRevision: 1,
    });
    expect(printed.reserves.map((r: { asset: string }) => r.asset).sort()).toEqual(
      f.market.reserves.map((r) => r.asset).sort(),
    );
    const watched = readDeployment(file).chains[0]!.watchedAaveMarkets;
    expect(watched).toEqual([
      expect.objectContaining({
        protocol: "aave-local",
        addressesProvider: f.market.addressesProvider,
        holdersFromBlock: 0,
      }),
    ]);
    expect(BigInt(watched[0]!.startBlock)).toBeGreaterThan(head);
  });

  it("names a market by the address book (--market AaveV3Sepolia)", async () => {
    // Before the book's provider exists on the stand-in: a clear error naming the address and block.
    const missing = await cli("--market", profile.name).catch((e: { code: number; stderr: string }) => e);
    expect(missing).toMatchObject({ code: 1 });
    expect((missing as { stderr: string }).stderr).toContain(`No contract at ${profile.addressesProvider}`);

    await placeProviderAt(profile.addressesProvider);
    // The same Pool is already watched under another id: one market is never listed twice.
    const twice = await cli("--market", profile.name).catch((e: { code: number; stderr: string }) => e);
    expect(twice).toMatchObject({ code: 1 });
    expect((twice as { stderr: string }).stderr).toContain('already in the deployment as "aave-local"');

    const file2 = join(dir, "book.json");
    writeDeployment(file2, {
      ...readDeployment(file),
      chains: [{ ...readDeployment(file).chains[0]!, watchedAaveMarkets: [] }],
    });
    const { stdout } = await run(
      process.execPath,
      [
        "cli/bin.js",
        "aave",
        "watch",
        "--deployment",
        file2,
        "--market",
        profile.name,
        "--start-block",
        "latest",
      ],
      { env, timeout: 120_000 },
    );
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({
      protocol: profile.protocol,
      network: "sepolia",
      addressesProvider: profile.addressesProvider,
      pool: f.market.pool,
    });
    const watched = readDeployment(file2).chains[0]!.watchedAaveMarkets;
    expect(watched.map((m) => [m.protocol, m.addressesProvider])).toEqual([
      [profile.protocol, profile.addressesProvider],
    ]);
  });

  /** The fixture's provider, copied to `address`: its code, owner, market id and the contracts it names. */
  async function placeProviderAt(address: Address) {
    const rpc = (method: string, params: unknown[]) => f.testClient.request({ method, params } as never);
    const code = await f.publicClient.getCode({ address: f.market.addressesProvider });
    await rpc("anvil_setCode", [address, code]);
    // PoolAddressesProvider v3.0: slot 0 owner, slot 1 market id, slot 2 mapping(bytes32 => address).
    const ids = ["POOL", "POOL_CONFIGURATOR", "PRICE_ORACLE", "ACL_MANAGER", "ACL_ADMIN", "DATA_PROVIDER"];
    const slots: Hex[] = [toHex(0, { size: 32 }), toHex(1, { size: 32 })];
    for (const id of ids)
      slots.push(
        keccak256(`${pad(stringToHex(id), { dir: "right", size: 32 })}${toHex(2, { size: 32 }).slice(2)}`),
      );
    for (const slot of slots) {
      const value = await f.publicClient.getStorageAt({ address: f.market.addressesProvider, slot });
      await rpc("anvil_setStorageAt", [address, slot, value ?? toHex(0, { size: 32 })]);
    }
    await f.testClient.mine({ blocks: 1 });
    const pool = await f.publicClient.readContract({
      address,
      abi: poolAddressesProviderAbi,
      functionName: "getPool",
    });
    expect(pool).toBe(f.market.pool);
  }
});
