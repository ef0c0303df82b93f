/** Raw token units (decimal string) as a human amount, e.g. ("25000000", 6) -> "25". */
export function formatUnits(raw: string | bigint | null | undefined, decimals: number, digits = 4): string {
  if (raw === null || raw === undefined) return "–";
  const value = BigInt(raw);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  let fraction = (abs % base).toString().padStart(decimals, "0").slice(0, digits).replace(/0+$/, "");
  if (decimals === 0) fraction = "";
  return `${negative ? "-" : ""}${whole.toLocaleString("en-US")}${fraction ? `.${fraction}` : ""}`;
}

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function fixed(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined ? "–" : value.toFixed(digits);
}

export function percent(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? "–" : `${(value * 100).toFixed(digits)}%`;
}

export function shortHex(value: string | null | undefined): string {
  if (!value) return "–";
  return value.length > 14 ? `${value.slice(0, 8)}…${value.slice(-6)}` : value;
}

/** "12 s", "3 min", "2 h" */
export function duration(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function timeOf(unixSeconds: string | number | null | undefined): string {
  if (unixSeconds === null || unixSeconds === undefined) return "–";
  return new Date(Number(unixSeconds) * 1000).toISOString().replace("T", " ").replace(".000Z", " UTC");
}
