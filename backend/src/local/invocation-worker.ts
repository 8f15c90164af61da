import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { LambdaRuntime } from './lambda-runtime.js';
import { serializeError, type InvocationRequest, type WorkerInit, type WorkerMessage } from './worker-messages.js';

/**
 * One "Lambda container" for asynchronous invocations: a worker thread with its own event loop, module state,
 * SDK clients and sockets, running up to `concurrency` invocations at once. Started by worker-pool.ts through
 * invocation-worker.cjs, which registers tsx first.
 */
const init = workerData as WorkerInit;
const port = parentPort!;
const requireHandler = createRequire(import.meta.url);
const runtime = new LambdaRuntime({
  ...init.runtime,
  maxConcurrency: init.concurrency,
  // import() would bypass tsx here (its ESM hooks are not registered in this thread); require() goes through it.
  loadModule: async (file) => requireHandler(file) as Record<string, unknown>,
});

const post = (message: WorkerMessage) => port.postMessage(message);

// A stray rejection or throw (in a timer or event callback) would end the thread and every invocation in it;
// Lambda would fail only the one invocation, whose container it is. Neither can be traced to its invocation here.
process.on('unhandledRejection', (reason) =>
  post({ type: 'log', message: 'unhandled rejection in a handler', error: serializeError(reason) }),
);
process.on('uncaughtException', (error) =>
  post({ type: 'log', message: 'uncaught exception in a handler', error: serializeError(error) }),
);

port.on('message', (request: InvocationRequest) => {
  const work = request.warm
    ? runtime.preload(request.spec)
    : runtime.invoke(request.spec, request.event, { requestId: request.requestId, timeoutMs: request.timeoutMs });
  work.then(
    (result: unknown) => post({ type: 'done', id: request.id, result: request.warm ? undefined : result }),
    (error: unknown) => post({ type: 'done', id: request.id, error: serializeError(error) }),
  );
});
