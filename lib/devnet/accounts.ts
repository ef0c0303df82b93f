import { pbkdf2Sync } from "node:crypto";
import { type Hex, toHex } from "viem";
import { HDKey } from "viem/accounts";

/**
 * The well-known anvil development mnemonic. These keys hold no value anywhere; they exist so the
 * devnet and the tests are reproducible. Never use them on a public network.
 */
export const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

let accountNode: HDKey | undefined;

/**
 * The private key of anvil dev account `index` (anvil funds the first `--accounts` of them): BIP-44
 * path m/44'/60'/0'/0/index from the mnemonic's BIP-39 seed. The seed is computed once, with Node's
 * native PBKDF2 (the JavaScript one took seconds for the dozen keys every CLI start derives).
 */
export function devKey(index: number): Hex {
  accountNode ??= HDKey.fromMasterSeed(
    pbkdf2Sync(DEVNET_MNEMONIC.normalize("NFKD"), "mnemonic", 2048, 64, "sha512"),
  ).derive("m/44'/60'/0'/0");
  const key = accountNode.deriveChild(index).privateKey;
  if (!key) throw new Error(`no private key for dev account ${index}`);
  return toHex(key);
}

/** Who does what on the devnet, by anvil account index. */
export const devnetKeys = {
  deployer: devKey(0),
  relayer: devKey(1),
  users: [devKey(2), devKey(3), devKey(4)],
  validators: [devKey(5), devKey(6), devKey(7), devKey(8), devKey(9)],
  /** A second relayer for tests that run two relayers against one Redis. */
  relayer2: devKey(10),
  liquidator: devKey(11),
} as const;

export const DEVNET_VALIDATOR_THRESHOLD = 4;
