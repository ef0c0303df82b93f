const BACKOFF_STEPS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

/** Stepped backoff with ±25% jitter, so a crowd of waiting messages does not poll in lockstep. */
export function steppedBackoff(step: number, scale: number): number {
  const base = BACKOFF_STEPS_MS[Math.min(step, BACKOFF_STEPS_MS.length - 1)]! * scale;
  return Math.round(base * (0.75 + Math.random() * 0.5));
}
