import { index, onchainTable, relations } from "ponder";

/*
 * Morpho Blue (issue 15): one singleton per chain, isolated markets (one loan token, one collateral, an
 * oracle, an IRM, an LLTV), positions of shares and collateral. Every figure here is kept from the events
 * alone, exactly as Morpho.sol changes its storage, so `morpho_market` and `morpho_position` equal
 * `market(id)` and `position(id, user)` at every indexed block. Ids: market = "<protocol>:<marketId>",
 * position = "<protocol>:<marketId>:<user>", instance = protocol (deployments file). Addresses lower case.
 */

/** One Morpho Blue singleton: who receives fee shares (SetFeeRecipient) and who owns it. */
export const morphoInstance = onchainTable("morpho_instance", (t) => ({
  id: t.text().primaryKey(),
  chainId: t.integer().notNull(),
  name: t.text().notNull(),
  address: t.hex().notNull(),
  /** Receives the fee shares of every accrual; the zero address until set (shares then go to it). */
  feeRecipient: t.hex().notNull(),
  owner: t.hex(),
  updatedAtBlock: t.bigint().notNull(),
}));

/**
 * A market and its storage as of `lastUpdate` (Morpho accrues interest only when touched, so totals are
 * those of the last accrual: the debt at a later time is accrued with `rateAtTarget` as the IRM would).
 */
export const morphoMarket = onchainTable(
  "morpho_market",
  (t) => ({
    id: t.text().primaryKey(),
    protocol: t.text().notNull(),
    chainId: t.integer().notNull(),
    morpho: t.hex().notNull(),
    /** Morpho's market id: keccak256 of the ABI-encoded params. */
    marketId: t.hex().notNull(),
    loanToken: t.hex().notNull(),
    collateralToken: t.hex().notNull(),
    oracle: t.hex().notNull(),
    irm: t.hex().notNull(),
    /** Liquidation LTV, WAD. */
    lltv: t.bigint().notNull(),
    /** Home-chain identity and symbol of each token when the deployments file lists it. */
    loanHomeAsset: t.hex(),
    loanSymbol: t.text(),
    collateralHomeAsset: t.hex(),
    collateralSymbol: t.text(),
    totalSupplyAssets: t.bigint().notNull(),
    totalSupplyShares: t.bigint().notNull(),
    totalBorrowAssets: t.bigint().notNull(),
    totalBorrowShares: t.bigint().notNull(),
    /** Timestamp of the last accrual (Morpho's `lastUpdate`). */
    lastUpdate: t.bigint().notNull(),
    /** Share of interest to the fee recipient, WAD. */
    fee: t.bigint().notNull(),
    /**
     * The AdaptiveCurve IRM's rate at target after the last accrual (BorrowRateUpdate), per second, WAD;
     * null when the market's IRM is not the deployment's AdaptiveCurve IRM.
     */
    rateAtTarget: t.bigint(),
    /** The last accrual's average borrow rate per second, WAD (AccrueInterest's prevBorrowRate). */
    borrowRate: t.bigint(),
    /**
     * The oracle's Chainlink proxies and scale when it is a ChainlinkMorphoOracle (read at CreateMarket):
     * price = collateralAnswer * scaleFactor / loanAnswer, the answers kept in price_source. Null when the
     * oracle is of another kind: its price is then unknown to the indexer, never assumed.
     */
    collateralFeed: t.hex(),
    loanFeed: t.hex(),
    oracleScaleFactor: t.bigint(),
    /** Sums over the market's life: realised bad debt (assets taken from suppliers) and liquidations. */
    badDebtAssets: t.bigint().notNull(),
    badDebtShares: t.bigint().notNull(),
    liquidations: t.integer().notNull(),
    createdAtBlock: t.bigint().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({ protocolIdx: index().on(table.protocol) }),
);

/** A user's position in one market: Morpho's `position(id, user)`. */
export const morphoPosition = onchainTable(
  "morpho_position",
  (t) => ({
    id: t.text().primaryKey(),
    protocol: t.text().notNull(),
    chainId: t.integer().notNull(),
    /** morpho_market id. */
    market: t.text().notNull(),
    marketId: t.hex().notNull(),
    user: t.hex().notNull(),
    supplyShares: t.bigint().notNull(),
    borrowShares: t.bigint().notNull(),
    collateral: t.bigint().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({ marketIdx: index().on(table.market), userIdx: index().on(table.user) }),
);

/** One Liquidate event, bad debt included (realised when the borrower's collateral reaches zero). */
export const morphoLiquidation = onchainTable(
  "morpho_liquidation",
  (t) => ({
    id: t.text().primaryKey(),
    protocol: t.text().notNull(),
    chainId: t.integer().notNull(),
    market: t.text().notNull(),
    borrower: t.hex().notNull(),
    liquidator: t.hex().notNull(),
    repaidAssets: t.bigint().notNull(),
    repaidShares: t.bigint().notNull(),
    seizedAssets: t.bigint().notNull(),
    badDebtAssets: t.bigint().notNull(),
    badDebtShares: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ marketIdx: index().on(table.market) }),
);

export const morphoMarketRelations = relations(morphoMarket, ({ many }) => ({
  positions: many(morphoPosition),
  liquidationRows: many(morphoLiquidation),
}));

export const morphoPositionRelations = relations(morphoPosition, ({ one }) => ({
  marketRow: one(morphoMarket, { fields: [morphoPosition.market], references: [morphoMarket.id] }),
}));

export const morphoLiquidationRelations = relations(morphoLiquidation, ({ one }) => ({
  marketRow: one(morphoMarket, { fields: [morphoLiquidation.market], references: [morphoMarket.id] }),
}));
