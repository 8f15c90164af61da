import type {
  FanoutClaims,
  FanoutJobKey,
  HistoryPage,
  MessageStore,
  RateLimiter,
  SendReservation,
} from '@chat/backend/domain';
import type { Message } from '@chat/backend/protocol';
import { draw, type Random, type Spread } from '../random.js';
import type { VirtualScheduler } from '../scheduler.js';
import type { Container } from './lambda.js';
import type { UsageMeter } from './usage.js';

/**
 * One DynamoDB write as a container makes it: the SDK call's CPU on that container, then a round trip; the room's
 * meter counts it. Every call of these stores is a write of a small item.
 */
export class SimCall {
  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly container: Container,
    private readonly cpuUs: number,
    private readonly random: Random,
    private readonly usage: UsageMeter,
  ) {}

  async write(latency: Spread): Promise<void> {
    this.usage.write();
    await this.container.compute(this.cpuUs);
    await this.scheduler.sleep(draw(this.random, latency));
  }
}

const notModelled = (what: string): Promise<never> =>
  Promise.reject(new Error(`${what} is not modelled by the simulator`));

/**
 * The message store as `send` uses it: reserve is the adapter's conditional PutItem of the idempotency record,
 * append with a fresh reservation the message's conditional PutItem (without one, both), markDelivered one
 * UpdateItem. Every message is new (the simulator sends each once, and never has a frame refused).
 */
export class SimMessageStore implements MessageStore {
  constructor(
    private readonly dynamo: SimCall,
    private readonly writeLatency: Spread,
  ) {}

  async reserve(message: Message): Promise<SendReservation> {
    await this.dynamo.write(this.writeLatency);
    const { room, id: messageId, clientMsgId } = message;
    return { room, userId: message.sender.userId, clientMsgId, messageId, fresh: true };
  }

  release(): Promise<never> {
    return notModelled('MessageStore.release (a refused frame)');
  }

  async append(
    message: Message,
    options: { reservation?: SendReservation } = {},
  ): Promise<{ message: Message; created: boolean; pending: boolean }> {
    if (options.reservation === undefined) await this.dynamo.write(this.writeLatency);
    await this.dynamo.write(this.writeLatency);
    return { message, created: true, pending: true };
  }

  async markDelivered(): Promise<void> {
    await this.dynamo.write(this.writeLatency);
  }

  claimRedelivery(): Promise<never> {
    return notModelled('MessageStore.claimRedelivery');
  }
  renewDelivery(): Promise<never> {
    return notModelled('MessageStore.renewDelivery (a failed fan-out)');
  }
  markFailed(): Promise<never> {
    return notModelled('MessageStore.markFailed (a failed fan-out)');
  }
  page(): Promise<HistoryPage> {
    return notModelled('MessageStore.page');
  }
}

/** The job claims of a run, shared by every container: one conditional PutItem (or DeleteItem) each. */
export class SimFanoutClaims implements FanoutClaims {
  constructor(
    private readonly dynamo: SimCall,
    private readonly writeLatency: Spread,
    private readonly claimed: Set<string>,
  ) {}

  async claimFanoutJob(job: FanoutJobKey): Promise<boolean> {
    await this.dynamo.write(this.writeLatency);
    const key = keyOf(job);
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    return true;
  }

  async releaseFanoutJob(job: FanoutJobKey): Promise<void> {
    await this.dynamo.write(this.writeLatency);
    this.claimed.delete(keyOf(job));
  }
}

const keyOf = (job: FanoutJobKey): string =>
  JSON.stringify([job.room, job.shard, job.jobId, job.startAfter ?? '', job.handOns ?? 0]);

/** The rate limiter's conditional UpdateItem per counter; the simulated sender is always within its limits. */
export class SimRateLimiter implements RateLimiter {
  constructor(
    private readonly dynamo: SimCall,
    private readonly writeLatency: Spread,
  ) {}

  async tryConsume(): Promise<boolean> {
    await this.dynamo.write(this.writeLatency);
    return true;
  }

  async tryConsumeUser(): Promise<boolean> {
    await this.dynamo.write(this.writeLatency);
    return true;
  }

  refundUser(): Promise<never> {
    return notModelled('RateLimiter.refundUser (a refused frame)');
  }
}
