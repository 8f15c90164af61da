import type { StoreProxy } from '../faults/store-proxy.js';
import { clientNow } from './journal.js';
import type { Random } from './random.js';

export interface FaultPlan {
  /** Mean quiet time between two store faults. */
  meanGapMs: number;
  /** Longest outage; each lasts a uniform 100 ms .. this. */
  maxOutageMs: number;
}

export interface FaultLog {
  /** Outages where every store connection was reset (ECONNRESET to the SDK) and new ones refused. */
  cuts: number;
  /** Outages where the store accepted requests and answered none (the SDK waits out its request timeout). */
  stalls: number;
  outageMs: number;
}

/**
 * Breaks the store at random through the proxy until the chaos phase ends, then restores it. Cuts hit
 * operations at whatever step they are (between an idempotency claim and its message, between a membership
 * write and its count); stalls make the handlers' SDK time out and retry.
 */
export async function runFaults(
  proxy: StoreProxy,
  plan: FaultPlan,
  random: Random,
  clock: { running(): boolean; pause(ms: number): Promise<void> },
): Promise<FaultLog> {
  const log: FaultLog = { cuts: 0, stalls: 0, outageMs: 0 };
  try {
    // The first gap is uniform within one mean, so even a short soak sees a fault.
    for (let gap = random.next() * plan.meanGapMs; clock.running(); gap = random.exponential(plan.meanGapMs)) {
      await clock.pause(gap);
      if (!clock.running()) break;
      const outage = random.int(100, Math.max(100, plan.maxOutageMs));
      const down = clientNow();
      if (random.chance(0.7)) {
        proxy.cut();
        log.cuts += 1;
      } else {
        proxy.stall();
        log.stalls += 1;
      }
      await clock.pause(outage);
      proxy.restore();
      log.outageMs += Math.round(clientNow() - down);
    }
  } finally {
    proxy.restore();
  }
  return log;
}
