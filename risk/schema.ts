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
      minHealthFactor: Float
      maxHealthFactor: Float
      first: Int
      after: String
    ): PositionConnection!
    "Exposure of one protocol to every bridge."
    exposure(protocol: String!): ProtocolExposure!
    "Runs one stress scenario; exactly one member of the input must be set."
    stressTest(scenario: StressScenario!): StressTestResult!
    "Debt liquidatable at -5%, -10%, ... (steps of 5%, 1..19) on one asset's collateral price, or all."
    liquidationCurve(asset: String, steps: Int = 10): [LiquidationCurvePoint!]!
    "Active risk conditions, most severe first."
    alerts(minSeverity: Severity = INFO): [Alert!]!
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

  type Protocol {
    id: String!
    name: String!
    chainId: Int!
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
    "Debt (scaled debt x variable borrow index), base units."
    debt: String!
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
    user: String!
    "Aave v3 health factor; null when the position has no debt (infinite)."
    healthFactor: Float
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

  "Exactly one member must be set."
  input StressScenario {
    bridgeFailure: BridgeFailureInput
    priceShock: PriceShockInput
  }

  union StressTestResult = BridgeFailureResult | PriceShockResult

  type StressLosses {
    badDebtUsd: Float!
    liquidatableDebtUsd: Float!
    positionsLiquidatable: Int!
  }

  type ProtocolBridgeFailure {
    protocol: Protocol!
    badDebtUsd: Float!
    liquidatableDebtUsd: Float!
    positionsLiquidatable: Int!
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
    "Markets whose price moved."
    finalPrices: [MarketPrice!]!
    protocols: [ProtocolCascade!]!
  }

  type LiquidationCurvePoint {
    shock: Float!
    liquidatableDebtUsd: Float!
    positionsLiquidatable: Int!
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
    source: String
    scenario: String
  }
`;
