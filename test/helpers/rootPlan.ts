/** Random plans for the root-path property tests: which roots, which batches, in which order. */

/** Small deterministic PRNG so one generated seed drives every split and order (and shrinks with it). */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

export type Action =
  | { kind: "submit"; root: number }
  | { kind: "batch"; root: number; nonces: bigint[] }
  | { kind: "single"; root: number; nonce: bigint }
  | { kind: "perMessage"; nonce: bigint };

/** Roots over contiguous segments (plus maybe one overlapping root), each root's nonces split into random
 * batches (some nonces twice, as racing relayers would), some messages delivered by the per-message path
 * (`mint` / `release`), and every action shuffled. */
export function plan(count: number, seed: number) {
  const rng = random(seed);
  const ranges: [number, number][] = [];
  for (let start = 1; start <= count; ) {
    const end = Math.min(count, start + rng.int(count));
    ranges.push([start, end]);
    start = end + 1;
  }
  if (rng.next() < 0.5) {
    const a = 1 + rng.int(count);
    ranges.push([a, a + rng.int(count - a + 1)]);
  }
  const actions: Action[] = ranges.map((_, root) => ({ kind: "submit", root }));
  ranges.forEach(([a, b], root) => {
    const nonces = Array.from({ length: b - a + 1 }, (_, i) => BigInt(a + i));
    const batches: bigint[][] = [];
    for (const nonce of nonces) {
      const copies = rng.next() < 0.2 ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const k = rng.int(batches.length + 1);
        if (k === batches.length) batches.push([]);
        if (!batches[k]!.includes(nonce)) batches[k]!.push(nonce);
      }
    }
    for (const batch of batches) {
      actions.push(
        batch.length === 1 && rng.next() < 0.5
          ? { kind: "single", root, nonce: batch[0]! }
          : { kind: "batch", root, nonces: batch },
      );
    }
  });
  for (let n = 1; n <= count; n++)
    if (rng.next() < 0.15) actions.push({ kind: "perMessage", nonce: BigInt(n) });
  for (let i = actions.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [actions[i], actions[j]] = [actions[j]!, actions[i]!];
  }
  return { ranges, actions };
}
