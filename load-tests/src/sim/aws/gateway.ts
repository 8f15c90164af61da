import { ConnectionGoneError, ThrottledError, type ConnectionGateway, type TokenBucket } from '@chat/backend/domain';
import type { ServerFrame } from '@chat/backend/protocol';
import { draw, type Random } from '../random.js';
import type { VirtualScheduler } from '../scheduler.js';
import type { Container } from './lambda.js';
import { RoomModel, type ServiceTimes } from './store.js';
import type { UsageMeter } from './usage.js';

/** What every post did, across all containers; read once the run is over. */
export class PostLedger {
  attempts = 0;
  admitted = 0;
  throttled = 0;
  goneAnswers = 0;
  duplicates = 0;
  inFlight = 0;
  peakInFlight = 0;
  firstAdmitMs = Number.NaN;
  lastAdmitMs = Number.NaN;
  /** Virtual time each member received the message; NaN until it does. */
  readonly deliveredAt: Float64Array;
  /** Attempts per member so far (saturating at 255). */
  private readonly attempted: Uint8Array;
  private retried = 0;
  private most = 0;

  constructor(members: number) {
    this.deliveredAt = new Float64Array(members).fill(Number.NaN);
    this.attempted = new Uint8Array(members);
  }

  /** Attempts after a member's first. */
  get retries(): number {
    return this.retried;
  }

  /** The most attempts any one member needed: how close the run came to RetryPolicy.maxAttempts. */
  get mostAttempts(): number {
    return this.most;
  }

  begin(member: number): void {
    this.attempts += 1;
    const before = this.attempted[member] as number;
    if (before > 0) this.retried += 1;
    if (before < 255) this.attempted[member] = before + 1;
    this.most = Math.max(this.most, before + 1);
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
  }

  admit(member: number, arrivalMs: number, receivedMs: number): void {
    this.admitted += 1;
    if (Number.isNaN(this.firstAdmitMs)) this.firstAdmitMs = arrivalMs;
    this.lastAdmitMs = arrivalMs;
    if (Number.isNaN(this.deliveredAt[member])) this.deliveredAt[member] = receivedMs;
    else this.duplicates += 1;
  }
}

/**
 * API Gateway's @connections API as one container sees it. A post spends the container's CPU, then travels
 * for half its round trip to API Gateway, where the account's token bucket admits it or answers 429
 * (ThrottledError, as the real adapter raises it). A gone connection answers 410 (ConnectionGoneError),
 * after taking a token: the request was processed. The answer comes back after the other half, and an
 * admitted message reaches its recipient at that same moment (API Gateway pushes it to the socket while
 * the 200 travels back to the Lambda). The room's meter counts every frame that reached a socket.
 */
export class SimGateway implements ConnectionGateway {
  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly container: Container,
    private readonly room: RoomModel,
    private readonly bucket: TokenBucket,
    private readonly ledger: PostLedger,
    private readonly times: ServiceTimes,
    private readonly random: Random,
    private readonly usage: UsageMeter,
  ) {}

  async post(connectionId: string, frame: ServerFrame): Promise<void> {
    const member = RoomModel.memberOf(connectionId);
    if (member < 0 || member >= this.room.size) throw new Error(`unknown connection ${connectionId}`);
    // The ledger follows the message; other frames (the sender's ack, presence) take their tokens unrecorded.
    const ledger = frame.type === 'message' ? this.ledger : undefined;
    ledger?.begin(member);
    try {
      await this.container.compute(this.times.postCpuUs);
      const half = draw(this.random, this.times.postLatency) / 2;
      await this.scheduler.sleep(half);
      const arrival = this.scheduler.now();
      const admitted = this.bucket.take(arrival);
      if (admitted && !this.room.gone.has(member)) this.usage.frame('out', frame);
      if (ledger !== undefined) {
        if (admitted && this.room.gone.has(member)) ledger.goneAnswers += 1;
        else if (admitted) ledger.admit(member, arrival, arrival + half);
        else ledger.throttled += 1;
      }
      await this.scheduler.sleep(half);
      if (!admitted) throw new ThrottledError(connectionId);
      if (this.room.gone.has(member)) throw new ConnectionGoneError(connectionId);
    } finally {
      if (ledger !== undefined) ledger.inFlight -= 1;
    }
  }

  close(): Promise<void> {
    return Promise.reject(new Error('ConnectionGateway.close is not modelled by the simulator'));
  }
}
