/** A seeded source of numbers in [0, 1), so a seed reproduces a simulation exactly. */
export type Random = () => number;

/** SplitMix32-style integer mixer: spreads nearby seeds (1, 2, 3) over unrelated states. */
function mix(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Mulberry32 (period 2^32, fine for millions of draws per run). `stream` gives independent sequences for one
 * seed, so e.g. backoff jitter draws do not shift the latency draws when a parameter changes how many 429s
 * happen (common random numbers make two runs comparable).
 */
export function seededRandom(seed: number, stream = 0): Random {
  let state = mix(mix(seed >>> 0) ^ Math.imul(stream + 1, 0x27d4eb2d));
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A duration spread uniformly over [meanMs - jitterMs, meanMs + jitterMs]. */
export interface Spread {
  meanMs: number;
  jitterMs: number;
}

export const draw = (random: Random, spread: Spread): number =>
  spread.meanMs - spread.jitterMs + 2 * spread.jitterMs * random();

export const formatSpread = (s: Spread): string =>
  s.jitterMs === 0 ? `${s.meanMs} ms` : `${s.meanMs} ms ± ${s.jitterMs}`;
