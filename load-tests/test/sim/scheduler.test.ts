import { describe, expect, it } from 'vitest';
import { SimulationLimitError, VirtualScheduler } from '../../src/sim/scheduler.js';

describe('VirtualScheduler', () => {
  it('wakes sleepers in order of virtual time, equal times in the order they were scheduled', async () => {
    // Prepare
    const scheduler = new VirtualScheduler();
    const log: string[] = [];
    const sleeper = async (name: string, ms: number) => {
      await scheduler.sleep(ms);
      log.push(`${name}@${scheduler.now()}`);
    };
    // Act
    await scheduler.run(
      Promise.all([sleeper('c', 30), sleeper('a', 10), sleeper('b1', 20), sleeper('b2', 20), sleeper('z', 0)]),
    );
    // Assess
    expect(log).toEqual(['z@0', 'a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(scheduler.events).toBe(5);
  });

  it('lets every promise continuation of a wake-up run before the next wake-up', async () => {
    // Prepare
    const scheduler = new VirtualScheduler();
    const log: string[] = [];
    async function* pages() {
      for (let i = 0; i < 3; i += 1) {
        await Promise.resolve();
        yield i;
      }
    }
    const chain = async () => {
      await scheduler.sleep(10);
      for await (const page of pages()) for (let i = 0; i < 50; i += 1) await Promise.resolve(page);
      log.push(`chain done@${scheduler.now()}`);
      await scheduler.sleep(0);
      log.push(`chain slept 0@${scheduler.now()}`);
    };
    const later = async () => {
      await scheduler.sleep(10.001);
      log.push(`later@${scheduler.now()}`);
    };
    // Act
    await scheduler.run(Promise.all([later(), chain()]));
    // Assess
    expect(log).toEqual(['chain done@10', 'chain slept 0@10', 'later@10.001']);
  });

  it('returns what the main promise resolved with, and rethrows its rejection', async () => {
    const scheduler = new VirtualScheduler();
    await expect(scheduler.run(scheduler.sleep(5).then(() => scheduler.now()))).resolves.toBe(5);
    await expect(new VirtualScheduler().run(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });

  it('refuses to spin forever: bounded in virtual time and in events', async () => {
    const forever = async (scheduler: VirtualScheduler, step: number) => {
      for (;;) await scheduler.sleep(step);
    };
    const byTime = new VirtualScheduler({ maxEvents: 1_000_000, maxVirtualMs: 1000 });
    await expect(byTime.run(forever(byTime, 10))).rejects.toThrow(SimulationLimitError);
    expect(byTime.now()).toBeLessThanOrEqual(1000);
    const byEvents = new VirtualScheduler({ maxEvents: 100, maxVirtualMs: 1e12 });
    await expect(byEvents.run(forever(byEvents, 0))).rejects.toThrow(/more than 100 events/);
  });

  it('reports a run that waits on something outside virtual time instead of hanging', async () => {
    const scheduler = new VirtualScheduler();
    await expect(scheduler.run(new Promise(() => undefined))).rejects.toThrow(/stalled/);
  });
});
