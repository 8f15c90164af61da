import type { Clock, Timers } from './ports.js';

/** How a short burst of work is repeated after a store blip, inside one handler. */
export interface Rounds {
  attempts: number;
  /** Wait before round n + 1: backoffMs x 2^(n - 1). */
  backoffMs: number;
  /** No new round starts later than this after the first: the handler must answer inside API Gateway's 29 s. */
  withinMs: number;
}

/**
 * Most store failures are a blip of a second or two, and the work after a handler's reply (a fan-out, a presence
 * announcement) has nobody to retry it if the handler gives up. Runs `work` until it succeeds or the rounds are used
 * up; `onGiveUp` runs (and its result is awaited) before the last error is thrown.
 */
export async function inRounds<T>(
  rounds: Rounds,
  clock: Clock,
  timers: Timers,
  work: (round: number) => Promise<T>,
  onGiveUp: () => Promise<void> = async () => undefined,
): Promise<T> {
  const started = clock.now();
  for (let round = 1; ; round += 1) {
    try {
      return await work(round);
    } catch (error) {
      const delay = rounds.backoffMs * 2 ** (round - 1);
      if (round >= rounds.attempts || clock.now() + delay - started > rounds.withinMs) {
        await onGiveUp();
        throw error;
      }
      await timers.sleep(delay);
    }
  }
}
