import { describe, expect, it } from 'vitest';
import { forEachBounded } from '../../src/domain/bounded.js';

/** A worker whose calls stay pending until released, so the test controls interleaving exactly. */
function gatedWorker() {
  let active = 0;
  let peak = 0;
  const started: number[] = [];
  const releases: Array<() => void> = [];
  const worker = (item: number) => {
    active += 1;
    peak = Math.max(peak, active);
    started.push(item);
    return new Promise<void>((resolve) =>
      releases.push(() => {
        active -= 1;
        resolve();
      }),
    );
  };
  return { worker, started, releases, peak: () => peak };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('forEachBounded', () => {
  it('never has more than `concurrency` calls in flight and processes every item once', async () => {
    const gate = gatedWorker();
    const done = forEachBounded([1, 2, 3, 4, 5, 6, 7], 3, gate.worker);
    await tick();
    expect(gate.started).toEqual([1, 2, 3]);
    for (let round = 0; round < 50 && (gate.releases.length > 0 || gate.started.length < 7); round++) {
      gate.releases.shift()?.();
      await tick();
    }
    await done;
    expect(gate.started.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(gate.peak()).toBe(3);
  });

  it('pulls an async source lazily: it does not read ahead of free slots', async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 10; i++) {
        pulled += 1;
        yield i;
      }
    }
    const gate = gatedWorker();
    const done = forEachBounded(source(), 2, gate.worker);
    await tick();
    await tick();
    expect(pulled).toBe(2);
    for (let i = 0; i < 50 && (gate.releases.length > 0 || gate.started.length < 10); i++) {
      gate.releases.shift()?.();
      await tick();
    }
    await done;
    expect(pulled).toBe(10);
  });

  it('rethrows the first worker failure after in-flight work settles', async () => {
    const seen: number[] = [];
    await expect(
      forEachBounded([1, 2, 3], 2, async (n) => {
        seen.push(n);
        if (n === 1) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(seen).toContain(1);
  });

  it('rejects a concurrency below 1', async () => {
    await expect(forEachBounded([1], 0, async () => undefined)).rejects.toThrow(RangeError);
  });
});
