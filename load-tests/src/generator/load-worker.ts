import WebSocket from 'ws';
import { gatewayErrorMessage, parseServerFrame, type ServerFrame } from '@chat/backend/protocol';
import { monotonicClock, type MonotonicClock } from './clock.js';
import { emptyErrorCounts, emptyFrameCounts, type ErrorCounts, type WorkerInit, type WorkerResult } from './messages.js';
import {
  clientMsgIdOf,
  connectDueMs,
  guestName,
  messageIndex,
  messageText,
  parseClientMsgId,
  roomName,
  roomOf,
  sendDueMs,
  senderConnection,
  sourceAddressOf,
  workerOf,
} from './plan.js';
import { runSchedule } from './schedule.js';
import { COUNTER, count, viewsOf, type SharedViews } from './shared-state.js';
import { encodeHistogram, newHistogram, recordMs } from '../stats.js';
import { connectionUrl } from './target.js';
import { tokenFor } from './tokens.js';

/** API Gateway meters WebSocket messages in 32 KB units: https://aws.amazon.com/api-gateway/pricing/ */
const BILLING_UNIT_BYTES = 32 * 1024;
const units = (bytes: number): number => Math.max(1, Math.ceil(bytes / BILLING_UNIT_BYTES));

/**
 * Presence and typing frames are O(members^2) while a big room fills up; they only get counted, because
 * schema-validating millions of them would make the generator the bottleneck it is trying to measure.
 * A JSON string value cannot contain an unescaped `"type":"presence"`, so this never misfiles a message.
 */
const COUNT_ONLY = /"type":"(presence|typing)"/;


type State = 'pending' | 'connecting' | 'joining' | 'joined' | 'failed' | 'closed';

interface Conn {
  index: number;
  room: number;
  roomName: string;
  state: State;
  ws?: WebSocket;
  startedAt: number;
  openedAt: number;
  joinSentAt: number;
  closedAt: number;
  joinTimer?: NodeJS.Timeout;
  /** We closed it; a close is then not an error. */
  closing: boolean;
}

const bump = (record: Record<string, number>, key: string): void => {
  record[key] = (record[key] ?? 0) + 1;
};

/** One worker thread's share of the connections: opens, joins, sends, receives, measures. */
export class LoadWorker {
  private readonly clock: MonotonicClock;
  private readonly views: SharedViews;
  private readonly conns: Conn[] = [];
  private readonly totalMessages: number;
  private readonly hist = {
    connect: newHistogram(),
    join: newHistogram(),
    fanout: newHistogram(),
    ack: newHistogram(),
    sendLag: newHistogram(),
  };
  private readonly lastReceiptMs: Float64Array;
  /** Receipts whose send time was not yet visible in shared memory; resolved at finish. */
  private readonly pending: number[] = [];
  private readonly errors: ErrorCounts = emptyErrorCounts();
  private readonly framesByType: Record<string, number> = {};
  private readonly frames = emptyFrameCounts();
  private foreignMessages = 0;
  private misrouted = 0;
  private acks = 0;
  private rejected = 0;
  private skippedSends = 0;
  private substitutedSends = 0;
  private unsettled = 0;
  private settledWaiter?: () => void;

  constructor(private readonly init: WorkerInit) {
    this.clock = monotonicClock(init.originNs);
    this.views = viewsOf(init.shared);
    const s = init.scenario;
    this.totalMessages = s.senders * s.messagesPerSender;
    this.lastReceiptMs = new Float64Array(this.totalMessages);
    for (let i = init.workerIndex; i < s.connections; i += init.workerCount) {
      const room = roomOf(i, s.rooms);
      this.conns.push({
        index: i,
        room,
        roomName: roomName(s.roomPrefix, init.runId, room),
        state: 'pending',
        startedAt: 0,
        openedAt: 0,
        joinSentAt: 0,
        closedAt: 0,
        closing: false,
      });
    }
  }

  /** Opens every connection on the global ramp schedule and resolves once each has joined or failed. */
  async connectAll(startAtMs: number): Promise<void> {
    const s = this.init.scenario;
    this.unsettled = this.conns.length;
    const settled = new Promise<void>((resolve) => {
      this.settledWaiter = resolve;
      if (this.unsettled === 0) resolve();
    });
    const due = this.conns.map((c) => connectDueMs(startAtMs, c.index, s.rampPerSecond));
    await runSchedule(this.clock, due, (i) => this.open(this.conns[i]!), () => undefined);
    await settled;
  }

  /** Sends this worker's senders' messages on their schedule; resolves after the last send. */
  async sendAll(startAtMs: number): Promise<void> {
    const s = this.init.scenario;
    const plan: { due: number; conn: Conn; index: number }[] = [];
    for (let sender = 0; sender < s.senders; sender++) {
      const connection = senderConnection(sender);
      if (workerOf(connection, this.init.workerCount) !== this.init.workerIndex) continue;
      const conn = this.conns[Math.floor(connection / this.init.workerCount)]!;
      for (let seq = 0; seq < s.messagesPerSender; seq++) {
        plan.push({
          due: sendDueMs(startAtMs, sender, s.senders, seq, s.ratePerSender),
          conn,
          index: messageIndex(sender, seq, s.messagesPerSender),
        });
      }
    }
    plan.sort((a, b) => a.due - b.due);
    await runSchedule(
      this.clock,
      plan.map((p) => p.due),
      (i) => this.send(plan[i]!.conn, plan[i]!.index),
      (late) => recordMs(this.hist.sendLag, late),
    );
  }

  /** Closes every socket (bounded wait), then reports everything measured. */
  async finish(): Promise<WorkerResult> {
    const open = this.conns.filter((c) => c.ws !== undefined && c.state !== 'closed' && c.state !== 'failed');
    await Promise.all(open.map((c) => this.close(c)));
    for (const c of this.conns) if (c.state !== 'closed' && c.ws) c.ws.terminate();
    for (let i = 0; i < this.pending.length; i += 2) {
      this.recordReceipt(this.pending[i]!, this.pending[i + 1]!, false);
    }
    let connectedMs = 0;
    for (const c of this.conns) {
      if (c.openedAt > 0) connectedMs += (c.closedAt > 0 ? c.closedAt : this.clock.now()) - c.openedAt;
    }
    return {
      type: 'result',
      workerIndex: this.init.workerIndex,
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
      misrouted: this.misrouted,
      acks: this.acks,
      rejected: this.rejected,
      skippedSends: this.skippedSends,
      substitutedSends: this.substitutedSends,
      frames: this.frames,
      connectedMs,
    };
  }

  private open(c: Conn): void {
    const s = this.init.scenario;
    const url = connectionUrl(this.init.url, { name: guestName(s.namePrefix, c.index), token: tokenFor(s.tokens, c.index) });
    c.state = 'connecting';
    c.startedAt = this.clock.now();
    count(this.views, COUNTER.attempted);
    const ws = new WebSocket(url, {
      // API Gateway does not negotiate permessage-deflate; keep the baseline and local runs comparable.
      perMessageDeflate: false,
      handshakeTimeout: s.connectTimeoutMs,
      ...(s.sourceIps > 0 ? { localAddress: sourceAddressOf(c.index, s.sourceIps), family: 4 } : {}),
    });
    c.ws = ws;
    ws.on('unexpected-response', (req, res) => {
      bump(this.errors.http, String(res.statusCode ?? 'unknown'));
      res.resume();
      req.destroy();
      this.fail(c, false);
    });
    ws.on('error', (error: NodeJS.ErrnoException) => {
      if (c.state === 'failed' || c.state === 'closed') return;
      bump(this.errors.network, error.code ?? error.message.slice(0, 60));
      this.fail(c, c.state !== 'connecting');
    });
    ws.on('open', () => {
      c.openedAt = this.clock.now();
      recordMs(this.hist.connect, c.openedAt - c.startedAt);
      count(this.views, COUNTER.opened);
      c.state = 'joining';
      c.joinSentAt = this.clock.now();
      this.write(c, JSON.stringify({ action: 'join', room: c.roomName }));
      c.joinTimer = setTimeout(() => {
        if (c.state !== 'joining') return;
        this.errors.joinTimeouts++;
        this.fail(c, true);
      }, s.connectTimeoutMs);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(c, data, isBinary));
    ws.on('close', (code: number) => this.onClose(c, code));
  }

  /** A connection that will take no part: handshake refused, or opened but never joined. */
  private fail(c: Conn, opened: boolean): void {
    if (c.state === 'failed' || c.state === 'closed') return;
    const wasJoined = c.state === 'joined';
    const wasUnsettled = c.state === 'connecting' || c.state === 'joining';
    c.state = 'failed';
    if (c.joinTimer) clearTimeout(c.joinTimer);
    if (wasJoined) {
      Atomics.sub(this.views.roomMembers, c.room, 1);
      count(this.views, COUNTER.closedEarly);
    } else {
      count(this.views, opened ? COUNTER.joinFailed : COUNTER.failed);
    }
    if (c.openedAt > 0 && c.closedAt === 0) c.closedAt = this.clock.now();
    c.ws?.terminate();
    if (wasUnsettled) this.settle();
  }

  private settle(): void {
    this.unsettled--;
    if (this.unsettled === 0) this.settledWaiter?.();
  }

  private onClose(c: Conn, code: number): void {
    if (c.openedAt > 0 && c.closedAt === 0) c.closedAt = this.clock.now();
    if (c.state === 'failed' || c.state === 'closed') return;
    if (c.closing) {
      if (c.state === 'joined') Atomics.sub(this.views.roomMembers, c.room, 1);
      c.state = 'closed';
      return;
    }
    bump(this.errors.closes, String(code));
    this.fail(c, c.openedAt > 0);
  }

  private close(c: Conn): Promise<void> {
    return new Promise((resolve) => {
      const ws = c.ws!;
      c.closing = true;
      if (ws.readyState === WebSocket.CLOSED) {
        this.onClose(c, 1000);
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000, 'load test done');
    });
  }

  private write(c: Conn, text: string): void {
    const bytes = Buffer.byteLength(text);
    this.frames.out++;
    this.frames.outBytes += bytes;
    this.frames.outUnits += units(bytes);
    c.ws!.send(text);
  }

  /**
   * Sends message `index` from its planned sender or, if that connection failed, from another joined
   * member of the same room in this worker: one refused handshake should cost a connection, not every
   * message of a sender. Failures stay visible in the connection counts.
   */
  private send(planned: Conn, index: number): void {
    let c = planned;
    if (c.state !== 'joined') {
      const substitute = this.conns.find((x) => x.room === planned.room && x.state === 'joined');
      if (substitute === undefined) {
        this.skippedSends++;
        return;
      }
      this.substitutedSends++;
      c = substitute;
    }
    const s = this.init.scenario;
    const clientMsgId = clientMsgIdOf(this.init.runId, index);
    const frame = JSON.stringify({
      action: 'send',
      room: c.roomName,
      text: messageText(clientMsgId, Date.now(), s.textSize),
      clientMsgId,
    });
    const expected = Atomics.load(this.views.roomMembers, c.room);
    Atomics.store(this.views.expected, index, expected);
    count(this.views, COUNTER.expected, expected);
    this.views.sendTimeMs[index] = this.clock.now();
    count(this.views, COUNTER.sent);
    this.write(c, frame);
  }

  private onFrame(c: Conn, data: Buffer, isBinary: boolean): void {
    const at = this.clock.now();
    this.frames.in++;
    this.frames.inBytes += data.length;
    this.frames.inUnits += units(data.length);
    const text = data.toString('utf8');
    const countOnly = isBinary ? undefined : COUNT_ONLY.exec(text);
    if (countOnly) {
      bump(this.framesByType, countOnly[1]!);
      return;
    }
    let frame: ServerFrame;
    try {
      if (isBinary) throw new Error('binary frame');
      frame = parseServerFrame(text);
    } catch {
      const gatewayError = isBinary ? undefined : gatewayErrorMessage(text)?.slice(0, 80);
      if (gatewayError !== undefined) {
        bump(this.errors.gateway, gatewayError);
        count(this.views, COUNTER.errors);
        // A joining connection has sent nothing but its join, so this is the join failing.
        if (c.state === 'joining') this.fail(c, true);
        return;
      }
      this.errors.invalidFrames++;
      count(this.views, COUNTER.errors);
      if (this.errors.invalidSamples.length < 5) this.errors.invalidSamples.push(text.slice(0, 200));
      return;
    }
    bump(this.framesByType, frame.type);
    switch (frame.type) {
      case 'joined':
        if (c.state === 'joining' && frame.room === c.roomName) {
          if (c.joinTimer) clearTimeout(c.joinTimer);
          c.state = 'joined';
          recordMs(this.hist.join, at - c.joinSentAt);
          Atomics.add(this.views.roomMembers, c.room, 1);
          count(this.views, COUNTER.joined);
          this.settle();
        }
        return;
      case 'message': {
        const index = parseClientMsgId(frame.clientMsgId, this.init.runId, this.totalMessages);
        if (index === undefined) {
          this.foreignMessages++;
          return;
        }
        if (frame.room !== c.roomName) {
          this.misrouted++;
          return;
        }
        Atomics.add(this.views.received, index, 1);
        count(this.views, COUNTER.received);
        this.recordReceipt(index, at, true);
        return;
      }
      case 'ack': {
        const index = parseClientMsgId(frame.clientMsgId, this.init.runId, this.totalMessages);
        const sentAt = index === undefined ? 0 : this.views.sendTimeMs[index]!;
        if (sentAt > 0) {
          this.acks++;
          recordMs(this.hist.ack, at - sentAt);
        }
        return;
      }
      case 'error':
        bump(this.errors.frames, frame.code);
        count(this.views, COUNTER.errors);
        if (frame.clientMsgId !== undefined && parseClientMsgId(frame.clientMsgId, this.init.runId, this.totalMessages) !== undefined) {
          this.rejected++;
        }
        if (c.state === 'joining' && frame.action === 'join') this.fail(c, true);
        return;
      default:
        return;
    }
  }

  private recordReceipt(index: number, at: number, deferIfUnknown: boolean): void {
    const sentAt = this.views.sendTimeMs[index]!;
    if (sentAt === 0) {
      if (deferIfUnknown) this.pending.push(index, at);
      return;
    }
    recordMs(this.hist.fanout, at - sentAt);
    if (at > this.lastReceiptMs[index]!) this.lastReceiptMs[index] = at;
  }
}
