import { pathToFileURL } from 'node:url';
import { lambdaRequestId } from './ids.js';
import { handlerModule } from './serverless-config.js';

/**
 * Runs serverless.yml handlers in-process the way the Node.js Lambda runtime calls them: (event, context)
 * returning a promise, or the legacy (event, context, callback) form. Everything shares one process, so
 * module state is shared between "functions" (Lambda would isolate them) and a timed-out handler keeps running.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
 */
export type LambdaHandler = (
  event: unknown,
  context: LambdaContext,
  callback?: (error?: unknown, result?: unknown) => void,
) => unknown;

/** https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html */
export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
}

export interface FunctionSpec {
  /** serverless.yml key, e.g. "join". */
  functionName: string;
  /** e.g. "backend/src/handlers/join.handler". */
  handler: string;
  /** The function's timeout and memory when serverless.yml sets them per function; else the runtime's. */
  timeoutSeconds?: number;
  memorySize?: number;
}

export interface InvokeOptions {
  /** Default: the function's timeout. */
  timeoutMs?: number;
  /** context.awsRequestId; the Invoke API returns it as x-amzn-RequestId, so it must be chosen before the call. */
  requestId?: string;
}

export interface LambdaRuntimeOptions {
  serverlessFile: string;
  service: string;
  stage: string;
  region: string;
  accountId: string;
  memorySize: number;
  /** provider.timeout, in seconds. */
  timeoutSeconds: number;
  /**
   * Invocations running at once; more wait their turn. On AWS every concurrent invocation gets its own
   * container (own CPU, own socket pool); here they share one event loop, and letting hundreds run together
   * (a join storm, a burst of sends to a big room) starves the loop until the handlers' own network timeouts
   * fire. Queueing keeps a saturated local stack slow instead of lossy. Default 32.
   */
  maxConcurrency?: number;
  /**
   * Loads a handler file. Default: dynamic import(). Worker threads pass tsx's require instead, because Node 20
   * does not apply the parent's --import loader hooks to them (see invocation-worker.cjs).
   */
  loadModule?: (file: string) => Promise<Record<string, unknown>>;
}

/** The invocation did not finish within the Lambda timeout. */
export class LambdaTimeoutError extends Error {
  constructor(
    public readonly functionName: string,
    public readonly timeoutMs: number,
  ) {
    super(`${functionName} timed out after ${timeoutMs} ms`);
    this.name = 'LambdaTimeoutError';
  }
}

export class LambdaRuntime {
  private readonly modules = new Map<string, Promise<Record<string, unknown>>>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: LambdaRuntimeOptions) {}

  private get maxConcurrency(): number {
    return this.options.maxConcurrency ?? 32;
  }

  /** Waits for a free slot; the Lambda timeout starts only once the invocation really runs. */
  private async acquire(): Promise<void> {
    if (this.running < this.maxConcurrency) {
      this.running += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot straight to the next waiter, so `running` never drops below the queue's demand. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }

  /** Imports the handler ahead of its first invocation (a provisioned-concurrency-like warm start). */
  async preload(spec: FunctionSpec): Promise<void> {
    await this.load(spec);
  }

  /** Imports every distinct handler file once (Lambda cold start); later invocations reuse the module. */
  private async load(spec: FunctionSpec): Promise<LambdaHandler> {
    const { file, exportName } = handlerModule(spec.handler, this.options.serverlessFile);
    let module = this.modules.get(file);
    if (!module) {
      module = this.options.loadModule
        ? this.options.loadModule(file)
        : (import(pathToFileURL(file).href) as Promise<Record<string, unknown>>);
      this.modules.set(file, module);
      module.catch(() => this.modules.delete(file));
    }
    const fn = (await module)[exportName];
    if (typeof fn !== 'function') throw new Error(`${file} does not export a function named "${exportName}"`);
    return fn as LambdaHandler;
  }

  /** Resolves with the handler's result; rejects with its error or a LambdaTimeoutError after `timeoutMs`. */
  async invoke(spec: FunctionSpec, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    const handler = await this.load(spec);
    await this.acquire();
    try {
      const timeoutMs = options.timeoutMs ?? (spec.timeoutSeconds ?? this.options.timeoutSeconds) * 1000;
      return await this.run(handler, spec, event, timeoutMs, options.requestId ?? lambdaRequestId());
    } finally {
      this.release();
    }
  }

  private async run(
    handler: LambdaHandler,
    spec: FunctionSpec,
    event: unknown,
    timeoutMs: number,
    requestId: string,
  ): Promise<unknown> {
    const { service, stage, region, accountId } = this.options;
    const name = `${service}-${stage}-${spec.functionName}`;
    const deadline = Date.now() + timeoutMs;
    const context: LambdaContext = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${name}`,
      memoryLimitInMB: String(spec.memorySize ?? this.options.memorySize),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]local`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LambdaTimeoutError(name, timeoutMs)), timeoutMs);
    });
    const run = new Promise<unknown>((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the handler's error passes through as Lambda reports it
      const callback = (error?: unknown, result?: unknown) => (error ? reject(error) : resolve(result));
      try {
        const returned = handler(event, context, callback);
        if (returned && typeof (returned as Promise<unknown>).then === 'function') {
          (returned as Promise<unknown>).then(resolve, reject);
        } else if (handler.length < 3) {
          resolve(returned);
        }
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrown as the handler threw it
        reject(error);
      }
    });
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
