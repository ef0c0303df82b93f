/**
 * Aave v3's reserve configuration word (`ReserveConfigurationMap.data`), decoded as
 * `ReserveConfiguration.sol` packs it (v3.0-v3.1; v3.2+ keeps these positions and leaves the eMode
 * category bits to the legacy getter). Used where a market's state is read at a block instead of
 * rebuilt from PoolConfigurator events (markets watched from a start block).
 */
export type ReserveConfiguration = {
  ltv: number;
  liquidationThreshold: number;
  liquidationBonus: number;
  decimals: number;
  active: boolean;
  frozen: boolean;
  borrowingEnabled: boolean;
  stableBorrowingEnabled: boolean;
  paused: boolean;
  reserveFactor: number;
  /** Whole tokens, as stored. */
  borrowCap: bigint;
  supplyCap: bigint;
  liquidationProtocolFee: number;
  eModeCategory: number;
  /** Two decimals, as stored. */
  debtCeiling: bigint;
};

const bits = (word: bigint, from: number, width: number): bigint =>
  (word >> BigInt(from)) & ((1n << BigInt(width)) - 1n);

/**
 * @example
 * decodeReserveConfiguration(reserveData.configuration.data).liquidationThreshold // 8250 (82.5 %)
 */
export function decodeReserveConfiguration(word: bigint): ReserveConfiguration {
  return {
    ltv: Number(bits(word, 0, 16)),
    liquidationThreshold: Number(bits(word, 16, 16)),
    liquidationBonus: Number(bits(word, 32, 16)),
    decimals: Number(bits(word, 48, 8)),
    active: bits(word, 56, 1) === 1n,
    frozen: bits(word, 57, 1) === 1n,
    borrowingEnabled: bits(word, 58, 1) === 1n,
    stableBorrowingEnabled: bits(word, 59, 1) === 1n,
    paused: bits(word, 60, 1) === 1n,
    reserveFactor: Number(bits(word, 64, 16)),
    borrowCap: bits(word, 80, 36),
    supplyCap: bits(word, 116, 36),
    liquidationProtocolFee: Number(bits(word, 152, 16)),
    eModeCategory: Number(bits(word, 168, 8)),
    debtCeiling: bits(word, 212, 40),
  };
}

/** A user's configuration word (`UserConfigurationMap.data`): is reserve `id` used as collateral? */
export function usesAsCollateral(userConfiguration: bigint, reserveId: number): boolean {
  return bits(userConfiguration, reserveId * 2 + 1, 1) === 1n;
}
