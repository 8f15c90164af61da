import { encodeHistogram, newHistogram, recordMs } from '../stats.js';
import { emptyErrorCounts, emptyFrameCounts, type ErrorCounts, type WorkerResult } from './messages.js';
import type { SharedViews } from './shared-state.js';

/** API Gateway meters WebSocket messages in 32 KB units: https://aws.amazon.com/api-gateway/pricing/ */
const BILLING_UNIT_BYTES = 32 * 1024;
const units = (bytes: number): number => Math.max(1, Math.ceil(bytes / BILLING_UNIT_BYTES));

export const bump = (record: Record<string, number>, key: string): void => {
  record[key] = (record[key] ?? 0) + 1;
};

/**
 * What one worker measured: its histograms, frame and error counts, and each message's latest receipt.
 * Kept apart from the sockets so that LoadWorker reads as the connections' life and nothing else.
 */
export class WorkerMeasures {
  readonly hist = {
    connect: newHistogram(),
    join: newHistogram(),
    fanout: newHistogram(),
    ack: newHistogram(),
    sendLag: newHistogram(),
  };
  readonly errors: ErrorCounts = emptyErrorCounts();
  readonly framesByType: Record<string, number> = {};
  foreignMessages = 0;
  warmupReceipts = 0;
  misrouted = 0;
  acks = 0;
  rejected = 0;
  skippedSends = 0;
  substitutedSends = 0;
  private readonly frames = emptyFrameCounts();
  private readonly lastReceiptMs: Float64Array;
  /** Receipts whose send time was not yet visible in shared memory; resolved at finish. */
  private readonly pending: number[] = [];

  constructor(
    private readonly views: SharedViews,
    totalMessages: number,
  ) {
    this.lastReceiptMs = new Float64Array(totalMessages);
  }

  frameOut(bytes: number): void {
    this.frames.out++;
    this.frames.outBytes += bytes;
    this.frames.outUnits += units(bytes);
  }

  frameIn(bytes: number): void {
    this.frames.in++;
    this.frames.inBytes += bytes;
    this.frames.inUnits += units(bytes);
  }

  /**
   * Times a receipt of message `index` from its send. Another worker may have sent it without its send time
   * being visible here yet: such a receipt waits for `resolvePending` when `deferIfUnknown`.
   */
  recordReceipt(index: number, at: number, deferIfUnknown: boolean): void {
    const sentAt = this.views.sendTimeMs[index]!;
    if (sentAt === 0) {
      if (deferIfUnknown) this.pending.push(index, at);
      return;
    }
    recordMs(this.hist.fanout, at - sentAt);
    if (at > this.lastReceiptMs[index]!) this.lastReceiptMs[index] = at;
  }

  /** Records the deferred receipts once every send is over; one still without a send time is dropped. */
  resolvePending(): void {
    for (let i = 0; i < this.pending.length; i += 2) {
      this.recordReceipt(this.pending[i]!, this.pending[i + 1]!, false);
    }
  }

  result(workerIndex: number, connectedMs: number): WorkerResult {
    return {
      type: 'result',
      workerIndex,
      histograms: {
        connect: encodeHistogram(this.hist.connect),
        join: encodeHistogram(this.hist.join),
        fanout: encodeHistogram(this.hist.fanout),
        ack: encodeHistogram(this.hist.ack),
        sendLag: encodeHistogram(this.hist.sendLag),
      },
      lastReceiptMs: this.lastReceiptMs,
      errors: this.errors,
      framesByType: this.framesByType,
      foreignMessages: this.foreignMessages,
      warmupReceipts: this.warmupReceipts,
      misrouted: this.misrouted,
      acks: this.acks,
      rejected: this.rejected,
      skippedSends: this.skippedSends,
      substitutedSends: this.substitutedSends,
      frames: this.frames,
      connectedMs,
    };
  }
}
