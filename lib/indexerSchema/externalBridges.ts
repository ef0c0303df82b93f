import { onchainTable } from "ponder";

/**
 * Custody of one token in one external bridge's lock contract (deployments file `externalBridges`),
 * from the lock and release events its descriptor names: locked = sum(lock amounts) - sum(release
 * amounts). Its minted tokens' supplies are `token_supply` rows like this bridge's wrapped tokens.
 */
export const externalCustody = onchainTable("external_custody", (t) => ({
  /** `${bridgeId}:${chainId}:${token}` */
  id: t.text().primaryKey(),
  bridge: t.text().notNull(),
  chainId: t.integer().notNull(),
  lockContract: t.hex().notNull(),
  token: t.hex().notNull(),
  locked: t.bigint().notNull(),
  locks: t.integer().notNull(),
  releases: t.integer().notNull(),
}));
