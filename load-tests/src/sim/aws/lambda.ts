import type { FanoutDispatcher, FanoutJob } from '@chat/backend/domain';
import { draw, type Random, type Spread } from '../random.js';
import type { VirtualScheduler } from '../scheduler.js';

/**
 * Lambda allocates CPU in proportion to memory: one full vCPU at 1,769 MB.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
 * A Node.js handler runs on one thread, so more memory than that adds no speed to it.
 */
export const FULL_CORE_MB = 1769;

export const cpuShare = (memoryMb: number): number => Math.min(1, memoryMb / FULL_CORE_MB);

/**
 * One Lambda execution environment. Its CPU is a serial FIFO resource: every SDK call spends `costUs` of a
 * full core (stretched by the memory's CPU share) before its request leaves, so a container cannot issue
 * calls faster than its CPU allows however high the domain's concurrency is.
 */
export class Container {
  private freeAt = 0;
  busyMs = 0;

  constructor(
    private readonly scheduler: VirtualScheduler,
    readonly share: number,
  ) {}

  /** Waits for the CPU, then spends `costUs` of full-core time on it. */
  compute(costUs: number): Promise<void> {
    const cost = costUs / 1000 / this.share;
    this.freeAt = Math.max(this.scheduler.now(), this.freeAt) + cost;
    this.busyMs += cost;
    return this.scheduler.until(this.freeAt);
  }
}

/** The worker function's side of an asynchronous invocation. */
export type WorkerHandler = (job: FanoutJob, container: Container) => Promise<void>;

export interface LambdaModelOptions {
  /** Account concurrency: invocations beyond it wait in the async queue. */
  concurrency: number;
  /** Of it, held by the send Lambdas for the whole run (one per message sent). */
  reserved: number;
  asyncQueueDelay: Spread;
  coldStartMs: number;
  /** Chance that a worker needing a new execution environment pays the cold start. */
  coldFraction: number;
  workerShare: number;
}

/**
 * Lambda's asynchronous invocation path: an accepted event waits in the service's queue, then runs in an
 * idle execution environment of the worker function or a new one (cold with probability `coldFraction`),
 * once the account has concurrency to spare.
 */
export class LambdaModel {
  private running: number;
  private readonly waiting: Array<() => void> = [];
  private readonly idle: Container[] = [];
  active = 0;
  invocations = 0;
  containers = 0;
  cold = 0;
  /** Running invocations at most, the send Lambdas' reserved ones included. */
  peakConcurrent: number;
  maxDurationMs = 0;
  maxCpuMs = 0;
  lastDoneMs = 0;
  /** What worker invocations threw, with their job (so a run of several rooms can tell whose). */
  readonly errors: Array<{ job: FanoutJob; error: unknown }> = [];
  /**
   * Each invocation's duration before rounding, as Lambda bills it: the handler, plus the init of a cold
   * environment ("duration charges apply to ... initialization code", https://aws.amazon.com/lambda/pricing/).
   */
  readonly durations: Array<{ job: FanoutJob; ms: number }> = [];

  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly options: LambdaModelOptions,
    private readonly random: Random,
    private readonly handler: WorkerHandler,
  ) {
    this.running = options.reserved;
    this.peakConcurrent = options.reserved;
  }

  /** Queues the event; the invocation runs on its own in virtual time. */
  invokeAsync(job: FanoutJob): void {
    this.active += 1;
    void this.invoke(job);
  }

  private async invoke(job: FanoutJob): Promise<void> {
    await this.scheduler.sleep(draw(this.random, this.options.asyncQueueDelay));
    await this.acquire();
    try {
      this.invocations += 1;
      const billedFrom = this.scheduler.now();
      let container = this.idle.pop();
      if (container === undefined) {
        container = new Container(this.scheduler, this.options.workerShare);
        this.containers += 1;
        if (this.random() < this.options.coldFraction) {
          this.cold += 1;
          await this.scheduler.sleep(this.options.coldStartMs);
        }
      }
      const start = this.scheduler.now();
      const cpuBefore = container.busyMs;
      try {
        await this.handler(job, container);
      } catch (error) {
        this.errors.push({ job, error });
      }
      this.maxDurationMs = Math.max(this.maxDurationMs, this.scheduler.now() - start);
      this.durations.push({ job, ms: this.scheduler.now() - billedFrom });
      this.maxCpuMs = Math.max(this.maxCpuMs, container.busyMs - cpuBefore);
      this.idle.push(container);
    } finally {
      this.lastDoneMs = this.scheduler.now();
      this.release();
      this.active -= 1;
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < this.options.concurrency) this.running += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.peakConcurrent = Math.max(this.peakConcurrent, this.running);
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}

/**
 * The send Lambda's FanoutDispatcher: a Lambda Invoke (InvocationType Event) costs its container's CPU and
 * a round trip; the event is accepted halfway, and the call resolves when the 202 is back.
 */
export class SimDispatcher implements FanoutDispatcher {
  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly container: Container,
    private readonly lambda: LambdaModel,
    private readonly sdkCallCpuUs: number,
    private readonly invokeLatency: Spread,
    private readonly random: Random,
  ) {}

  async dispatch(job: FanoutJob): Promise<void> {
    await this.container.compute(this.sdkCallCpuUs);
    const half = draw(this.random, this.invokeLatency) / 2;
    await this.scheduler.sleep(half);
    this.lambda.invokeAsync(job);
    await this.scheduler.sleep(half);
  }
}
