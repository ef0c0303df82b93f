import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  aavePoolAbi,
  chainlinkMorphoOracleAbi,
  morphoAbi,
  wrappedTokenAbi,
} from "../../contracts/generated/index.js";
import { freePort } from "../../devnet/anvil.js";
import { type Deployment, readDeployment } from "../../lib/deployments.js";
import { morphoPositionHealth } from "../../lib/morpho/market.js";

/**
 * `npm start` end to end: the devnet process is started the way a newcomer starts it (on free ports so
 * it can run beside a real devnet), must print what it deployed, and must leave nothing running after
 * SIGINT.
 */
describe("npm start (the devnet)", () => {
  const deploymentFile = join(mkdtempSync(join(tmpdir(), "devnet-")), "devnet.json");
  const rpcUrls: string[] = [];
  let devnet: ChildProcess;
  let output = "";
  let deployment: Deployment;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) rpcUrls.push(`http://127.0.0.1:${await freePort()}`);
    // node on the build directly, as `npm start` runs it (not through npm), so SIGINT reaches the
    // devnet process itself.
    devnet = spawn(process.execPath, ["--enable-source-maps", "dist/devnet/main.js"], {
      cwd: join(import.meta.dirname, "../.."),
      env: {
        ...process.env,
        DEVNET_A_RPC_URL: rpcUrls[0],
        DEVNET_B_RPC_URL: rpcUrls[1],
        DEVNET_C_RPC_URL: rpcUrls[2],
        DEPLOYMENT_FILE: deploymentFile,
        DEVNET_SERVICES: "none",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    devnet.stdout?.on("data", (chunk) => {
      output += chunk.toString();
    });
    devnet.stderr?.on("data", (chunk) => {
      output += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes("Ctrl-C stops everything")) {
          clearInterval(timer);
          resolve();
        } else if (devnet.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`devnet exited early:\n${output}`));
        }
      }, 100);
    });
    deployment = readDeployment(deploymentFile);
  });

  afterAll(() => {
    if (devnet.exitCode === null) devnet.kill("SIGKILL");
  });

  it("prints every chain and the deployed addresses", () => {
    for (const url of rpcUrls) expect(output).toContain(url);
    for (const chain of deployment.chains) expect(output).toContain(chain.bridge.address);
    expect(output).toContain('Aave v3 market "aave-b"');
    expect(output).toContain('Aave v3 market "aave-c"');
    expect(output).toContain("Validators (4 of 5)");
    expect(output).toContain('Bridge "portal"');
    expect(output).toContain('Bridge "canonical-2"');
  });

  it("runs three chains with distinct chain ids, producing blocks on their own", async () => {
    const ids = await Promise.all(
      rpcUrls.map((url) => createPublicClient({ transport: http(url) }).getChainId()),
    );
    expect(new Set(ids).size).toBe(3);
    const client = createPublicClient({ transport: http(rpcUrls[1]) });
    const before = await client.getBlockNumber();
    // Interval mining: a new block appears without any transaction being sent.
    let after = before;
    for (let i = 0; i < 30 && after === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      after = await client.getBlockNumber();
    }
    expect(after).toBeGreaterThan(before);
  });

  it("seeds bridged liquidity and a spread of lending positions, some close to liquidation", async () => {
    for (const chain of deployment.chains.filter((c) => c.role === "remote")) {
      const client = createPublicClient({ transport: http(rpcUrls[deployment.chains.indexOf(chain)]) });
      const wrapped = chain.tokens.find((t) => t.symbol === "wWETH")!;
      const supply = await client.readContract({
        address: wrapped.address,
        abi: wrappedTokenAbi,
        functionName: "totalSupply",
      });
      expect(supply).toBeGreaterThan(0n);

      const market = chain.aaveMarkets[0]!;
      expect(market.priceSources.map((s) => s.symbol).sort()).toEqual(["DAI", "wUSDC", "wWETH"]);
      expect(market.priceSources.every((s) => s.heartbeatSeconds !== undefined)).toBe(true);
      const borrowers = [12, 13, 14, 15, 16, 17];
      const { privateKeyToAddress } = await import("viem/accounts");
      const { devKey } = await import("../../lib/devnet/accounts.js");
      const healthFactors = await Promise.all(
        borrowers.map(async (index) => {
          const data = await client.readContract({
            address: market.pool,
            abi: aavePoolAbi,
            functionName: "getUserAccountData",
            args: [privateKeyToAddress(devKey(index))],
          });
          return Number(data[5]) / 1e18;
        }),
      );
      expect(Math.max(...healthFactors)).toBeGreaterThan(2);
      expect(Math.min(...healthFactors)).toBeGreaterThan(1);
      expect(Math.min(...healthFactors)).toBeLessThan(1.1);
      // Stablecoin eMode users (accounts 18, 19) sit in category 1 with eMode's thresholds.
      for (const index of [18, 19]) {
        const user = privateKeyToAddress(devKey(index));
        const eMode = await client.readContract({
          address: market.pool,
          abi: aavePoolAbi,
          functionName: "getUserEMode",
          args: [user],
        });
        expect(eMode).toBe(1n);
        const data = await client.readContract({
          address: market.pool,
          abi: aavePoolAbi,
          functionName: "getUserAccountData",
          args: [user],
        });
        // Above wUSDC's own 80%: eMode's 95% applies (account 18 also holds 1 aWWETH, at WETH's 82.5%).
        expect(data[3]).toBeGreaterThan(9000n);
      }
    }
  });

  it("deploys Morpho Blue markets on the bridged tokens and seeds borrowers at a spread of health", async () => {
    expect(output).toContain('Morpho Blue "morpho-b"');
    expect(output).toContain('Morpho Blue "morpho-c"');
    expect(output).toContain("markets wUSDC/DAI 94.5%, wWETH/DAI 86%, pWETH/DAI 86%, sUSDC/DAI 94.5%");
    const { privateKeyToAddress } = await import("viem/accounts");
    const { devKey } = await import("../../lib/devnet/accounts.js");
    for (const chain of deployment.chains.filter((c) => c.role === "remote")) {
      const client = createPublicClient({ transport: http(rpcUrls[deployment.chains.indexOf(chain)]) });
      const morpho = chain.morpho!;
      // pWETH and sUSDC are minted by the other two bridges (deployments file `externalBridges`).
      const minted = deployment.externalBridges.flatMap((b) => b.assets.flatMap((a) => a.minted));
      const symbolOf = (address: string) =>
        chain.tokens.find((t) => t.address === address)?.symbol ??
        minted.find((m) => m.chainId === chain.chainId && m.token === address)?.symbol;
      expect(
        morpho.markets.map((m) => `${symbolOf(m.collateralToken)}/${symbolOf(m.loanToken)} ${m.lltv}`),
      ).toEqual([
        "wUSDC/DAI 945000000000000000",
        "wWETH/DAI 860000000000000000",
        "pWETH/DAI 860000000000000000",
        "sUSDC/DAI 945000000000000000",
      ]);
      const health = async (marketIndex: number, accounts: number[]) => {
        const m = morpho.markets[marketIndex]!;
        const [totals, price] = await Promise.all([
          client.readContract({
            address: morpho.address,
            abi: morphoAbi,
            functionName: "market",
            args: [m.id],
          }),
          client.readContract({ address: m.oracle, abi: chainlinkMorphoOracleAbi, functionName: "price" }),
        ]);
        const market = {
          totalSupplyAssets: totals[0],
          totalSupplyShares: totals[1],
          totalBorrowAssets: totals[2],
          totalBorrowShares: totals[3],
          lastUpdate: totals[4],
          fee: totals[5],
        };
        expect(market.totalSupplyAssets).toBeGreaterThan(market.totalBorrowAssets);
        return Promise.all(
          accounts.map(async (index) => {
            const [, borrowShares, collateral] = await client.readContract({
              address: morpho.address,
              abi: morphoAbi,
              functionName: "position",
              args: [m.id, privateKeyToAddress(devKey(index))],
            });
            const h = morphoPositionHealth({ borrowShares, collateral }, market, price, BigInt(m.lltv));
            return Number(h.healthFactor!) / 1e18;
          }),
        );
      };
      const wethBorrowers = await health(1, [12, 13, 14, 15, 16, 17]);
      expect(Math.max(...wethBorrowers)).toBeGreaterThan(2);
      expect(Math.min(...wethBorrowers)).toBeGreaterThan(1);
      expect(Math.min(...wethBorrowers)).toBeLessThan(1.1);
      const stableBorrowers = await health(0, [18, 19]);
      expect(Math.min(...stableBorrowers)).toBeGreaterThan(1);
      expect(Math.min(...stableBorrowers)).toBeLessThan(1.1);
      // The external bridge's holder (account 20) borrowed against pWETH at health 1.6 (the price walk
      // has moved ETH since).
      const [pwethBorrower] = await health(2, [20]);
      expect(pwethBorrower).toBeGreaterThan(1.3);
      expect(pwethBorrower).toBeLessThan(2);
      // And against sUSDC, carried by the bridge's second instance.
      const [susdcBorrower] = await health(3, [20]);
      expect(susdcBorrower).toBeGreaterThan(1.5);
      expect(susdcBorrower).toBeLessThan(1.7);
    }
  });

  it("stops every chain on Ctrl-C", async () => {
    const exited = new Promise((resolve) => devnet.once("exit", resolve));
    devnet.kill("SIGINT");
    await exited;
    for (const url of rpcUrls) {
      await expect(fetch(url, { method: "POST", body: "{}" })).rejects.toThrow();
    }
  });
});
