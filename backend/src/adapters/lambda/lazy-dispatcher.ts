import type { FanoutDispatcher, FanoutJob } from '../../domain/ports.js';
import type { ClientConfig, ApiTarget } from '../sdk-clients.js';

/**
 * The Lambda dispatcher, loaded on its first job: only a large room's `send` (and a worker handing on) ever
 * dispatches, so the Lambda client's module stays out of every other cold start (docs/PERFORMANCE.md#bundle-init-times).
 */
export function lazyFanoutDispatcher(config: ClientConfig, functionName: string, target: ApiTarget): FanoutDispatcher {
  let loading: Promise<FanoutDispatcher> | undefined;
  const load = async (): Promise<FanoutDispatcher> => {
    const [{ lambdaClient }, { LambdaFanoutDispatcher }] = await Promise.all([
      import('./client.js'),
      import('./fanout-dispatcher.js'),
    ]);
    return new LambdaFanoutDispatcher(lambdaClient(config), functionName, target);
  };
  return {
    async dispatch(job: FanoutJob): Promise<void> {
      loading ??= load();
      await (await loading).dispatch(job);
    },
  };
}
