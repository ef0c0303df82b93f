/**
 * SDL of the risk API. Conventions: token amounts are decimal strings in base units (`decimals` on the
 * asset says how to scale them) with a Float USD figure alongside; entities are named by id or name
 * (assets also by symbol), case-insensitively.
 */
export const riskTypeDefs = /* GraphQL */ `
  type Query {
    "Backing of one asset by one bridge. bridge: id or name; asset: home token address or symbol."
    bridgeBacking(bridge: String!, asset: String!): BridgeBacking!
    "Positions ordered by health factor (riskiest first), cursor-paginated. first: 1..maxPageSize."
    positions(
      protocol: String
      chainId: Int
      "Only positions in this state (stale and unpriced positions have no health factor)."
      status: PositionStatus
      minHealthFactor: Float
      maxHealthFactor: Float
      "A Morpho Blue market id (0x and 32 bytes of hex); only with a Morpho protocol."
      market: String
      first: Int
      after: String
    ): PositionConnection!
    "One user's position in one protocol (null when the user has none). user: a 0x address. market: the Morpho Blue market id, required for a Morpho protocol (a Morpho position is a (user, market) pair), refused for Aave."
    position(protocol: String!, user: String!, market: String): Position
    "A protocol's reserves with their configuration, price state and recorded problems."
    reserves(protocol: String!): [Reserve!]!
    "Exposure of one protocol to every bridge."
    exposure(protocol: String!): ProtocolExposure!
    "The exposure matrix: every protocol (Aave markets and Morpho Blue instances) against every bridge."
    exposureMatrix: [ProtocolExposure!]!
    "Runs one stress scenario; exactly one member of the input must be set."
    stressTest(scenario: StressScenario!): StressTestResult!
    "Default correlated asset groups a groupShock can name, with their members here."
    assetGroups: [AssetGroup!]!
    "Debt liquidatable at -5%, -10%, ... (steps of 5%, 1..19) on one asset's collateral price, or all."
    liquidationCurve(asset: String, steps: Int = 10): [LiquidationCurvePoint!]!
    "Active risk conditions, most severe first."
    alerts(minSeverity: Severity = INFO): [Alert!]!
    "What every other field of the same request is computed from: the indexed block per chain."
    snapshot: Snapshot!
  }

  type Snapshot {
    blocks: [SnapshotBlock!]!
  }

  "The last block of one chain the snapshot includes."
  type SnapshotBlock {
    chainId: Int!
    "Decimal string; null when the snapshot's source gives no block number (a snapshot file)."
    blockNumber: String
    "Unix seconds; 0 before the chain's first indexed block."
    timestamp: Int!
  }

  type Asset {
    id: String!
    symbol: String!
    decimals: Int!
    priceUsd: Float!
  }

  type Bridge {
    id: String!
    name: String!
  }

  "AAVE_V3: an Aave v3 Pool. MORPHO_BLUE: one Morpho Blue instance; its positions are (user, market) pairs."
  enum ProtocolKind {
    AAVE_V3
    MORPHO_BLUE
  }

  type Protocol {
    id: String!
    name: String!
    chainId: Int!
    kind: ProtocolKind!
    "Aave v3 markets: the Pool revision read on chain and the rules the exact figures follow. Null for other kinds, and when the snapshot does not say (then v3.0 rules apply)."
    aaveRevision: AaveRevision
  }

  "Which Aave v3 release's number-changing rules a market's exact figures (accountData) follow: eMode form (v3.2 bitmaps), close factor, deficit and dust (v3.3), scaled-balance rounding (v3.5)."
  type AaveRevision {
    "POOL_REVISION of the Pool implementation; null until the indexer has read it."
    poolRevision: Int
    "The rule set applied: v3.0, v3.1, v3.2, v3.3, v3.4 or v3.5. When supported is false, the closest one, applied as a stand-in (the market's reserves then carry a problem saying so)."
    rules: String!
    "Whether the engine states this revision's rules (1 = v3.0, 4 = v3.1, 5-6 = v3.2, 7 = v3.3, 8 = v3.4, 9 = v3.5)."
    supported: Boolean!
  }

  "PRICED: every price the position depends on is usable. STALE: one is older than its feed's heartbeat. UNPRICED: one is missing or not positive."
  enum PositionStatus {
    PRICED
    STALE
    UNPRICED
  }

  type Reserve {
    protocol: Protocol!
    asset: String!
    symbol: String!
    decimals: Int!
    bridge: Bridge
    "Basis points."
    ltv: Int!
    "Basis points; 0 = not collateral."
    liquidationThreshold: Int!
    "Basis points including principal; 0 is valid with liquidationThreshold 0."
    liquidationBonus: Int!
    eModeCategory: Int!
    "AaveOracle's answer in the market's base-currency units (decimal string); null when unknown."
    oracleAnswer: String
    "The answer over BASE_CURRENCY_UNIT; null when unpriced."
    priceUsd: Float
    priceStatus: PositionStatus!
    priceReason: String
    "Configuration problems recorded for this reserve; they never fail the API."
    problems: [String!]!
    "Morpho Blue: the market this reserve is one side of (collateral with LT = LLTV, or the loan token with LT 0)."
    market: String
  }

  "A Morpho Blue position as Morpho decides its liquidatability (market accrued to the snapshot's block). Amounts are base-unit decimal strings."
  type MorphoPosition {
    "The market id (0x and 32 bytes of hex)."
    marketId: String!
    loanToken: String!
    collateralToken: String!
    oracle: String!
    "Liquidation LTV, WAD (decimal string)."
    lltv: String!
    "IOracle.price(): collateral in loan-token units, scaled by 1e36; null when it cannot be known (reverts, zero, feed missing)."
    oraclePrice: String
    supplyShares: String!
    borrowShares: String!
    collateral: String!
    "Borrow shares in loan-token assets, rounded up (toAssetsUp with Morpho's virtual shares and assets)."
    borrowedAssets: String!
    "wMulDown(mulDivDown(collateral, oraclePrice, 1e36), lltv); null when the price is unknown."
    maxBorrowAssets: String
    "maxBorrowAssets / borrowedAssets, WAD; null without debt or when the price is unknown."
    healthFactorWad: String
  }

  "IPool.getUserAccountData as the Pool computes it (base-currency units, decimal strings)."
  type AccountData {
    totalCollateralBase: String!
    totalDebtBase: String!
    availableBorrowsBase: String!
    "Basis points."
    currentLiquidationThreshold: String!
    ltv: String!
    "Wad; uint256 max without debt; null unless the position is PRICED."
    healthFactor: String
  }

  type RemoteSupply {
    chainId: Int!
    wrappedToken: String!
    supply: String!
    supplyUsd: Float!
  }

  type BridgeDependent {
    protocol: Protocol!
    "Collateral of this protocol held in the bridge's wrapped tokens."
    collateralUsd: Float!
    "Share of the protocol's collateral (E[p,b])."
    share: Float!
  }

  type BridgeBacking {
    bridge: Bridge!
    asset: Asset!
    "L: held by the home vault."
    locked: String!
    lockedUsd: Float!
    remoteSupply: String!
    inFlight: String!
    "S: remote supply plus in flight."
    supply: String!
    supplyUsd: Float!
    "L / S; null when S = 0 (nothing to back)."
    backingRatio: Float
    "max(0, S - L)."
    shortfall: String!
    shortfallUsd: Float!
    remote: [RemoteSupply!]!
    "Protocols holding this bridge's wrapped tokens as collateral, largest first."
    dependents: [BridgeDependent!]!
  }

  type PositionReserve {
    asset: String!
    symbol: String!
    bridge: Bridge
    "Supplied balance (scaled balance x liquidity index), base units."
    collateral: String!
    "Variable debt (scaled debt x variable borrow index) plus stable debt, base units."
    debt: String!
    "Stable debt compounded to the snapshot's time, base units (part of debt)."
    stableDebt: String!
    priceStatus: PositionStatus!
    "Value counted as collateral (0 unless usedAsCollateral and LT > 0)."
    collateralUsd: Float!
    debtUsd: Float!
    usedAsCollateral: Boolean!
  }

  type PositionBridgeShare {
    bridge: Bridge!
    collateralUsd: Float!
    share: Float!
  }

  type Position {
    protocol: Protocol!
    protocolKind: ProtocolKind!
    user: String!
    "Morpho Blue: the market and Morpho's exact figures; null for Aave positions."
    morpho: MorphoPosition
    "Aave v3: the Pool's own health factor (accountData.healthFactor / 1e18, when exact prices are known). Morpho Blue: maxBorrowAssets / borrowedAssets (below 1 exactly when Morpho would liquidate). Null when the position has no debt (infinite) or is not PRICED (unknown)."
    healthFactor: Float
    status: PositionStatus!
    "Why the position is STALE or UNPRICED (which feed, how old); null when PRICED."
    statusReason: String
    eModeCategory: Int!
    "The Pool's own figures, exact; null when UNPRICED or when the snapshot has no exact prices."
    accountData: AccountData
    "Aave: HF < 1. Morpho: borrowedAssets > maxBorrowAssets, exactly. False for positions that are not PRICED: unknown is not liquidatable, nor healthy."
    liquidatable: Boolean!
    collateralUsd: Float!
    debtUsd: Float!
    bridgedCollateralUsd: Float!
    bridgedShare: Float!
    bridges: [PositionBridgeShare!]!
    "Collateral price at which HF = 1, for single-collateral positions with debt; else null."
    liquidationPrice: Float
    reserves: [PositionReserve!]!
  }

  type PositionEdge {
    cursor: String!
    node: Position!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type PositionConnection {
    edges: [PositionEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type BridgeExposure {
    bridge: Bridge!
    collateralUsd: Float!
    share: Float!
    borrowingPowerShare: Float!
  }

  type ProtocolExposure {
    protocol: Protocol!
    totalCollateralUsd: Float!
    totalBorrowingPowerUsd: Float!
    bridges: [BridgeExposure!]!
    "Herfindahl index over bridges: sum of squared shares."
    hhi: Float!
    "Stale or unpriced positions, whose collateral is left out of these figures."
    positionsSkipped: Int!
  }

  input BridgeFailureInput {
    "Bridge id or name."
    bridge: String!
    "rho in [0, 1]: value kept by the wrapped tokens."
    recovery: Float!
  }

  input PriceShockInput {
    "Home asset id or symbol; omit for every market."
    asset: String
    "Fraction in [0, 1): 0.3 is -30%."
    shock: Float!
    "Cascade round limit, 1..100 (default 25)."
    maxRounds: Int
  }

  "One asset's price multiplier. Values collateral and debt in that asset at the moved price."
  input PriceMoveInput {
    "Home asset id or symbol (moves its wrapped copies too), or a chain-native token's symbol or address."
    asset: String!
    "Multiplier in (0, 11]: 1 is unchanged, 1.2 is +20%, 0.9 is -10%."
    factor: Float!
  }

  input PriceMovesInput {
    "1 to 50 moves, applied in order (an asset listed twice moves by the product)."
    moves: [PriceMoveInput!]!
    "Cascade round limit, 1..100 (default 25)."
    maxRounds: Int
  }

  input DebtShockInput {
    "The borrowed asset: home asset id or symbol, or a chain-native token's symbol or address."
    asset: String!
    "Rise in (0, 10]: 0.2 is +20%."
    rise: Float!
    "Cascade round limit, 1..100 (default 25)."
    maxRounds: Int
  }

  input DepegInput {
    "The stablecoin (or any asset): home asset id or symbol, or a chain-native token's symbol or address."
    asset: String!
    "The USD price it moves to, in (0, 11 x its price]: 0.87 for a stablecoin trading at 87 cents."
    priceUsd: Float!
    "Cascade round limit, 1..100 (default 25)."
    maxRounds: Int
  }

  input GroupShockInput {
    "A default group (eth, btc, stablecoins; see assetGroups), or the label of assets."
    group: String
    "The group's members (1 to 50 asset names); overrides the default group of that name."
    assets: [String!]
    "Multiplier in (0, 11] applied to every member: 0.7 is -30%, 1.5 is +50%."
    factor: Float!
    "Cascade round limit, 1..100 (default 25)."
    maxRounds: Int
  }

  "Exactly one member must be set."
  input StressScenario {
    bridgeFailure: BridgeFailureInput
    "Collateral prices down; debt stays at oracle prices."
    priceShock: PriceShockInput
    "Any assets' prices moved by multipliers; collateral and debt at the moved prices."
    priceMove: PriceMovesInput
    "A borrowed asset rising."
    debtShock: DebtShockInput
    "An asset (a stablecoin) moving to a given price, down or up."
    depeg: DepegInput
    "Every asset of a correlated group moved by one multiplier."
    groupShock: GroupShockInput
  }

  union StressTestResult = BridgeFailureResult | PriceShockResult | PriceMoveResult

  "A default group of correlated assets and its members in the current snapshot."
  type AssetGroup {
    name: String!
    description: String!
    "Home asset symbols and chain-native token symbols, in that order."
    members: [String!]!
  }

  enum PriceMoveKind {
    PRICE_MOVE
    DEBT_SHOCK
    DEPEG
    GROUP_SHOCK
  }

  type AppliedPriceMove {
    "The target's name: the home asset's symbol, or the chain-native token's."
    name: String!
    "The home asset, null for a chain-native token."
    asset: Asset
    factor: Float!
    "Markets (tokens on chains) it moved."
    markets: Int!
  }

  type MovedMarketPrice {
    chainId: Int!
    token: String!
    symbol: String!
    asset: Asset
    oraclePriceUsd: Float!
    "After the moves, before liquidations: collateral and debt are valued here."
    movedPriceUsd: Float!
    "Where the cascade's liquidations executed (moved price x pool impact)."
    finalPriceUsd: Float!
  }

  "The liquidation cascade from the moved prices (as a price shock's, debt at the moved prices)."
  type PriceMoveCascade {
    rounds: Int!
    converged: Boolean!
    "Debt at the moved prices; repaid + bad debt + remaining = initial."
    initialDebtUsd: Float!
    repaidUsd: Float!
    seizedCollateralUsd: Float!
    badDebtUsd: Float!
    remainingDebtUsd: Float!
    liquidatedPositions: Int!
    positionsSkipped: Int!
    dexSales: [DexSale!]!
  }

  type ProtocolPriceMove {
    protocol: Protocol!
    "At the moved prices, before liquidations."
    badDebtUsd: Float!
    liquidatableDebtUsd: Float!
    positionsLiquidatable: Int!
    positionsSkipped: Int!
    baseline: StressLosses!
    cascade: ProtocolCascade!
  }

  type PriceMoveResult {
    kind: PriceMoveKind!
    "GROUP_SHOCK: the group's name (or label)."
    group: String
    moves: [AppliedPriceMove!]!
    "Every market whose price moved, by the scenario or by the cascade."
    prices: [MovedMarketPrice!]!
    "Bad debt sum max(0, D' - C') at the moved prices, before liquidations."
    badDebtUsd: Float!
    "Debt of positions with HF < 1 at the moved prices."
    liquidatableDebtUsd: Float!
    positionsLiquidatable: Int!
    "Stale or unpriced positions left out (health unknown)."
    positionsSkipped: Int!
    "The same figures at oracle prices."
    baseline: StressLosses!
    cascade: PriceMoveCascade!
    protocols: [ProtocolPriceMove!]!
  }

  type StressLosses {
    badDebtUsd: Float!
    liquidatableDebtUsd: Float!
    positionsLiquidatable: Int!
    "Stale or unpriced positions left out (health unknown)."
    positionsSkipped: Int!
  }

  type ProtocolBridgeFailure {
    protocol: Protocol!
    badDebtUsd: Float!
    liquidatableDebtUsd: Float!
    positionsLiquidatable: Int!
    positionsSkipped: Int!
    lendersLossUsd: Float!
    wrappedSupplyHaircutUsd: Float!
    baseline: StressLosses!
  }

  type BridgeFailureResult {
    bridge: Bridge!
    recovery: Float!
    badDebtUsd: Float!
    liquidatableDebtUsd: Float!
    positionsLiquidatable: Int!
    "Stale or unpriced positions left out (health unknown)."
    positionsSkipped: Int!
    "Bad debt added by the failure plus the haircut on wrapped tokens supplied by accounts without debt."
    lendersLossUsd: Float!
    wrappedSupplyHaircutUsd: Float!
    baseline: StressLosses!
    protocols: [ProtocolBridgeFailure!]!
  }

  type MarketPrice {
    chainId: Int!
    token: String!
    symbol: String!
    asset: Asset
    oraclePriceUsd: Float!
    finalPriceUsd: Float!
  }

  type ProtocolCascade {
    protocol: Protocol!
    initialDebtUsd: Float!
    repaidUsd: Float!
    seizedCollateralUsd: Float!
    badDebtUsd: Float!
    remainingDebtUsd: Float!
    liquidatedPositions: Int!
    positionsSkipped: Int!
  }

  type PriceShockResult {
    asset: Asset
    shock: Float!
    rounds: Int!
    converged: Boolean!
    initialDebtUsd: Float!
    "Debt repaid by liquidators (the liquidated value)."
    repaidUsd: Float!
    seizedCollateralUsd: Float!
    badDebtUsd: Float!
    remainingDebtUsd: Float!
    liquidatedPositions: Int!
    "Stale or unpriced positions left out of the cascade (health unknown)."
    positionsSkipped: Int!
    "Markets whose price moved."
    finalPrices: [MarketPrice!]!
    "The DEX depth used per market (token on a chain) that had collateral seized or has a pool."
    dexSales: [DexSale!]!
    protocols: [ProtocolCascade!]!
  }

  "Where the cascade's price impact on a market comes from."
  enum LiquiditySource {
    "A Uniswap v3 pool's tick liquidity, swapped through exactly as the pool would (exact input)."
    UNISWAP_V3
    "The reserves' constant-product depth x: price times (x / (x + sold))^2."
    CONSTANT_PRODUCT
    "No pool data: no price impact."
    NONE
  }

  """
  One market's sale of the collateral the reported liquidations seized. The market's price is its
  shocked price times priceRatio (for UNISWAP_V3: pool price reached / pool price before).
  """
  type DexSale {
    chainId: Int!
    token: String!
    symbol: String!
    asset: Asset
    source: LiquiditySource!
    "Pool address (UNISWAP_V3), else null."
    pool: String
    "Whole tokens seized and offered."
    seizedTokens: Float!
    "Whole tokens the pool took (UNISWAP_V3: fee included)."
    soldTokens: Float!
    "Whole tokens no one bought: the pool's liquidity ran out first (exhausted)."
    unsoldTokens: Float!
    "Base units offered (UNISWAP_V3)."
    amountOffered: String
    "Base units the pool took, fee included (UNISWAP_V3)."
    amountIn: String
    "Base units of the pool's other token paid out (UNISWAP_V3)."
    amountOut: String
    "Pool price before the sale, whole quote tokens per token (UNISWAP_V3)."
    poolPriceBefore: Float
    "Pool price the sale reached (UNISWAP_V3); the last price with liquidity when exhausted."
    poolPriceReached: Float
    "Multiplier of the market's shocked price, in (0, 1]; 1 = no impact."
    priceRatio: Float!
    ticksCrossed: Int!
    "The pool ran out of liquidity before taking every seized token."
    exhausted: Boolean!
  }

  type LiquidationCurvePoint {
    shock: Float!
    liquidatableDebtUsd: Float!
    positionsLiquidatable: Int!
    "Stale or unpriced positions left out (health unknown)."
    positionsSkipped: Int!
  }

  enum Severity {
    INFO
    WARNING
    CRITICAL
  }

  enum AlertKind {
    BRIDGE_UNDERCOLLATERALIZED
    POSITIONS_LIQUIDATABLE
    LIQUIDATION_RISK_HIGH
    EXPOSURE_CONCENTRATION
    STRESS_BAD_DEBT
    STALE_DATA
    POSITIONS_UNPRICED
  }

  type Alert {
    kind: AlertKind!
    severity: Severity!
    message: String!
    value: Float!
    threshold: Float!
    bridge: String
    asset: String
    protocol: String
    protocolKind: ProtocolKind
    source: String
    scenario: String
  }
`;
