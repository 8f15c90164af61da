/**
 * A seeded pseudo-random source (mulberry32), so a soak that found a violation can be run again with the same
 * schedule of actions and faults by passing its printed seed. Timing still varies between runs; the seed fixes
 * what is attempted, not how the event loop interleaves it.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Exponentially distributed with the given mean, as the gaps between independent events are. */
  exponential(mean: number): number;
  /** An independent stream derived from this one, so one actor's draws do not shift another's. */
  fork(): Random;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    exponential: (mean) => -mean * Math.log(1 - next()),
    fork: () => seededRandom(Math.floor(next() * 4294967296)),
  };
  return random;
}
