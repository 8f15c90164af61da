import type { ChatEvent, ChatObserver } from '../../domain/ports.js';
import { logger } from './logger.js';
import { metrics, publishFanout } from './metrics.js';

/**
 * The chat's reports as structured log lines (warnings for what was worked around, errors for what was not) and
 * each fan-out as metrics.
 */
export const loggingObserver: ChatObserver = {
  observe(event: ChatEvent): void {
    switch (event.type) {
      case 'fanoutDone':
        publishFanout(metrics, event.result, event.durationMs);
        return;
      case 'fanoutProblems':
        logger.warn('fan-out deliveries failed', {
          room: event.room,
          failed: event.result.failed.length,
          firstError: String(event.result.failed[0]?.error),
        });
        return;
      case 'dispatchFailed':
        logger.warn('fan-out job sent inline: the worker could not be invoked', {
          room: event.job.room,
          shard: event.job.shard,
          error: String(event.error),
        });
        return;
      case 'afterReplyFailed':
        logger.warn('work after the reply failed; the reply stands', {
          action: event.action,
          error: String(event.error),
        });
        return;
      case 'unfinishedJob':
        logger.error(
          'fan-out worker out of time could not hand on the rest of its shard: the job fails, to the failure queue',
          {
            room: event.job.room,
            shard: event.job.shard,
            startAfter: event.job.startAfter,
            handOns: event.job.handOns,
            retry: event.job.retry?.length ?? 0,
            error: String(event.error),
          },
        );
    }
  },
};
