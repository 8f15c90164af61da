import type { MonotonicClock } from './clock.js';

/**
 * Runs `fire(i)` at `due[i]` (ms on the shared clock, ascending) from a single timer chain, so thousands
 * of connects or sends cost one pending timer, not thousands. When the event loop falls behind, late items
 * fire in a burst and `onLag` reports by how much: a generator that cannot keep its schedule says so.
 */
export function runSchedule(
  clock: MonotonicClock,
  due: ArrayLike<number>,
  fire: (i: number) => void,
  onLag: (lateMs: number) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = clock.now();
      while (next < due.length && due[next]! <= now) {
        onLag(now - due[next]!);
        fire(next);
        next++;
      }
      if (next >= due.length) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, due[next]! - clock.now()));
    };
    tick();
  });
}
