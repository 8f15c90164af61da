import { availableParallelism } from 'node:os';
import { lambdaRequestId } from './ids.js';
import { LambdaRuntime, type FunctionSpec, type LambdaRuntimeOptions } from './lambda-runtime.js';
import type { ServerlessConfig } from './serverless-config.js';
import { WorkerPool } from './worker-pool.js';

export interface InvocationsOptions {
  config: ServerlessConfig;
  serverlessFile: string;
  accountId: string;
  /** API Gateway's integration timeout, which caps a route's Lambda timeout. */
  integrationTimeoutMs: number;
  /** Worker threads for Event invocations; 0 runs them in-process. Default os.availableParallelism(). */
  asyncWorkers?: number | undefined;
  /** Event invocations one worker thread runs at once; at least 1. Default 4. */
  concurrencyPerWorker?: number | undefined;
  /**
   * Worker threads for route invocations (and the authorizer); 0 (default) runs them on the gateway's thread.
   * With threads, a route's signed posts no longer share a core with the gateway that receives them.
   */
  routeWorkers?: number | undefined;
  /** Where a finished Event invocation, or a worker's own failure, is reported: nobody waits for them. */
  log: { info(message: string): void; error(message: string, error?: unknown): void };
}

/**
 * Every way the gateway runs a function: routes, RequestResponse and Event invocations through the Invoke API.
 * It tracks what is running so close() can wait for $disconnect handlers before the store they write to goes away.
 */
export class Invocations {
  /** Where Event invocations run: `workers` threads (0 = in-process), each running up to `concurrencyPerWorker`. */
  readonly asyncInvocations: { workers: number; concurrencyPerWorker: number };
  private readonly routeRuntime: LambdaRuntime;
  /**
   * Functions reached through the Invoke API get slots of their own, as on AWS where they run in their own
   * containers: a route waiting on a RequestResponse Invoke would otherwise hold the slot the invoked function
   * needs, and enough such routes at once would all time out.
   */
  private readonly invokedRuntime: LambdaRuntime;
  /** Its threads start on the first Event invocation, after exportLambdaEnvironment, so they copy the Lambda environment. */
  private readonly pool: WorkerPool | undefined;
  private readonly routePool: WorkerPool | undefined;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: InvocationsOptions) {
    const workers = options.asyncWorkers ?? availableParallelism();
    const concurrencyPerWorker = options.concurrencyPerWorker ?? 4;
    // A pool of 0 slots (or a fraction) would accept Event invocations and never run them.
    requireInteger('asyncWorkers', workers, 0);
    requireInteger('asyncConcurrencyPerWorker', concurrencyPerWorker, 1);
    const routeWorkers = options.routeWorkers ?? 0;
    requireInteger('routeWorkers', routeWorkers, 0);
    this.asyncInvocations = { workers, concurrencyPerWorker };
    const { config } = options;
    const runtimeOptions: LambdaRuntimeOptions = {
      serverlessFile: options.serverlessFile,
      service: config.service,
      stage: config.stage,
      region: config.region,
      accountId: options.accountId,
      memorySize: config.lambda.memorySize,
      timeoutSeconds: config.lambda.timeoutSeconds,
    };
    this.routeRuntime = new LambdaRuntime(runtimeOptions);
    this.invokedRuntime = new LambdaRuntime(runtimeOptions);
    this.pool =
      workers > 0
        ? new WorkerPool({
            size: workers,
            init: { runtime: runtimeOptions, concurrency: concurrencyPerWorker },
            onLog: (message, error) => options.log.error(`invocation worker: ${message}`, error),
          })
        : undefined;
    this.routePool =
      routeWorkers > 0
        ? new WorkerPool({
            size: routeWorkers,
            // As many at once as the in-process route runtime allows; beyond that, invocations queue.
            init: { runtime: runtimeOptions, concurrency: ROUTE_CONCURRENCY },
            onLog: (message, error) => options.log.error(`route worker: ${message}`, error),
          })
        : undefined;
  }

  /** Invocations (of any kind) not finished yet. */
  get running(): number {
    return this.pending.size;
  }

  /** A route invocation: the Lambda timeout, capped by API Gateway's integration timeout. */
  invokeRoute(spec: FunctionSpec, event: unknown): Promise<unknown> {
    const seconds = spec.timeoutSeconds ?? this.options.config.lambda.timeoutSeconds;
    const timeoutMs = Math.min(seconds * 1000, this.options.integrationTimeoutMs);
    const run = this.routePool
      ? this.routePool.run(spec, event, lambdaRequestId(), timeoutMs)
      : this.routeRuntime.invoke(spec, event, { timeoutMs });
    return this.track(run);
  }

  /** A RequestResponse invocation through the Invoke API: in-process, in the invoked functions' own slots. */
  invokeSync(spec: FunctionSpec, event: unknown, requestId: string): Promise<unknown> {
    return this.track(this.invokedRuntime.invoke(spec, event, { requestId }));
  }

  /**
   * An Event invocation: nobody waits for it, so failures only reach the log. AWS would retry a failed one up
   * to MaximumRetryAttempts times; this project declares 0, and the local runtime never retries.
   */
  invokeAsync(spec: FunctionSpec, event: unknown, requestId: string): void {
    const run = this.pool
      ? this.pool.run(spec, event, requestId)
      : this.invokedRuntime.invoke(spec, event, { requestId });
    const { log } = this.options;
    // One line per finished invocation, like the END line Lambda writes to CloudWatch: the only trace of it locally.
    this.track(run).then(
      () => log.info(`async invocation of ${spec.functionName} (${requestId}) done`),
      (error: unknown) => log.error(`async invocation of ${spec.functionName} (${requestId}) failed`, error),
    );
  }

  /** Starts every worker thread and loads the functions only the Invoke API reaches, like provisioned concurrency. */
  async prewarm(): Promise<void> {
    await this.pool?.prewarm(invokeOnlyFunctions(this.options.config));
  }

  /** Ends the worker threads; callers wait for `running` to drop first. */
  async close(): Promise<void> {
    await Promise.all([this.pool?.close(), this.routePool?.close()]);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }
}

/** LambdaRuntime's default concurrency: a route thread runs as many invocations at once as the gateway's thread would. */
const ROUTE_CONCURRENCY = 32;

function requireInteger(option: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${option} must be an integer >= ${min}, got ${value}`);
}

/** Functions no route or authorizer uses: only the Lambda Invoke API reaches them (the large-room fan-out worker). */
function invokeOnlyFunctions(config: ServerlessConfig): FunctionSpec[] {
  const used = new Set<string>();
  for (const route of config.routes.values()) {
    used.add(route.functionName);
    if (route.authorizer) used.add(route.authorizer.functionName);
  }
  return [...config.functions.values()]
    .filter((fn) => !used.has(fn.functionName))
    .map((fn) => ({
      functionName: fn.functionName,
      handler: fn.handler,
      timeoutSeconds: fn.timeoutSeconds,
      memorySize: fn.memorySize,
    }));
}
