import WebSocket from 'ws';
import { classifyInbound, type Inbound } from '@chat/backend/protocol';
import { recordMs } from '../stats.js';
import { monotonicClock, type MonotonicClock } from './clock.js';
import type { WorkerInit, WorkerResult } from './messages.js';
import {
  clientMsgIdOf,
  connectDueMs,
  guestName,
  isWarmupClientMsgId,
  messageIndex,
  messageText,
  parseClientMsgId,
  roomName,
  roomOf,
  sendDueMs,
  senderConnection,
  sourceAddressOf,
  warmupClientMsgId,
  workerOf,
} from './plan.js';
import { runSchedule } from './schedule.js';
import { COUNTER, count, viewsOf, type SharedViews } from './shared-state.js';
import { connectionUrl } from './target.js';
import { tokenFor } from './tokens.js';
import { WorkerMeasures, bump } from './worker-measures.js';

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

/** One worker thread's share of the connections: opens, joins, sends, receives, measures. */
export class LoadWorker {
  private readonly clock: MonotonicClock;
  private readonly views: SharedViews;
  private readonly conns: Conn[] = [];
  private readonly totalMessages: number;
  private readonly measures: WorkerMeasures;
  private unsettled = 0;
  private settledWaiter?: () => void;

  constructor(private readonly init: WorkerInit) {
    this.clock = monotonicClock(init.originNs);
    this.views = viewsOf(init.shared);
    const s = init.scenario;
    this.totalMessages = s.senders * s.messagesPerSender;
    this.measures = new WorkerMeasures(this.views, this.totalMessages);
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
    await runSchedule(
      this.clock,
      due,
      (i) => this.open(this.conns[i]!),
      () => undefined,
    );
    await settled;
  }

  /** Sends this worker's senders' messages on their schedule; resolves after the last send. */
  async sendAll(startAtMs: number): Promise<void> {
    const plan = this.sendPlan(startAtMs, this.init.scenario.messagesPerSender);
    await runSchedule(
      this.clock,
      plan.map((p) => p.due),
      (i) => this.send(plan[i]!.conn, plan[i]!.index),
      (late) => recordMs(this.measures.hist.sendLag, late),
    );
  }

  /** Sends the warm-up messages on the same schedule as sendAll's; nothing about them is measured. */
  async warmUp(startAtMs: number): Promise<void> {
    const plan = this.sendPlan(startAtMs, this.init.scenario.warmupMessages);
    await runSchedule(
      this.clock,
      plan.map((p) => p.due),
      (i) => this.sendWarmup(plan[i]!.conn, plan[i]!.index),
      () => undefined,
    );
  }

  /** This worker's senders' `count` messages each, in due order; `index` is the message's slot. */
  private sendPlan(startAtMs: number, count: number): { due: number; conn: Conn; index: number }[] {
    const s = this.init.scenario;
    const plan: { due: number; conn: Conn; index: number }[] = [];
    for (let sender = 0; sender < s.senders; sender++) {
      const connection = senderConnection(sender);
      if (workerOf(connection, this.init.workerCount) !== this.init.workerIndex) continue;
      const conn = this.conns[Math.floor(connection / this.init.workerCount)]!;
      for (let seq = 0; seq < count; seq++) {
        plan.push({
          due: sendDueMs(startAtMs, sender, s.senders, seq, s.ratePerSender),
          conn,
          index: messageIndex(sender, seq, count),
        });
      }
    }
    return plan.sort((a, b) => a.due - b.due);
  }

  /** Closes every socket (bounded wait), then reports everything measured. */
  async finish(): Promise<WorkerResult> {
    const open = this.conns.filter((c) => c.ws !== undefined && c.state !== 'closed' && c.state !== 'failed');
    await Promise.all(open.map((c) => this.close(c)));
    for (const c of this.conns) if (c.state !== 'closed' && c.ws) c.ws.terminate();
    this.measures.resolvePending();
    let connectedMs = 0;
    for (const c of this.conns) {
      if (c.openedAt > 0) connectedMs += (c.closedAt > 0 ? c.closedAt : this.clock.now()) - c.openedAt;
    }
    return this.measures.result(this.init.workerIndex, connectedMs);
  }

  private open(c: Conn): void {
    const s = this.init.scenario;
    const url = connectionUrl(this.init.url, {
      name: guestName(s.namePrefix, c.index),
      token: tokenFor(s.tokens, c.index),
    });
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
      bump(this.measures.errors.http, String(res.statusCode ?? 'unknown'));
      res.resume();
      req.destroy();
      this.fail(c, false);
    });
    ws.on('error', (error: NodeJS.ErrnoException) => {
      if (c.state === 'failed' || c.state === 'closed') return;
      bump(this.measures.errors.network, error.code ?? error.message.slice(0, 60));
      this.fail(c, c.state !== 'connecting');
    });
    ws.on('open', () => {
      c.openedAt = this.clock.now();
      recordMs(this.measures.hist.connect, c.openedAt - c.startedAt);
      count(this.views, COUNTER.opened);
      c.state = 'joining';
      c.joinSentAt = this.clock.now();
      this.write(c, JSON.stringify({ action: 'join', room: c.roomName }));
      c.joinTimer = setTimeout(() => {
        if (c.state !== 'joining') return;
        this.measures.errors.joinTimeouts++;
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
    bump(this.measures.errors.closes, String(code));
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
    this.measures.frameOut(Buffer.byteLength(text));
    c.ws!.send(text);
  }

  /** A message frame: timed when it is one of this run's measured messages, counted apart otherwise. */
  private onMessage(c: Conn, clientMsgId: string, room: string, at: number): void {
    if (isWarmupClientMsgId(clientMsgId, this.init.runId)) {
      this.measures.warmupReceipts++;
      return;
    }
    const index = parseClientMsgId(clientMsgId, this.init.runId, this.totalMessages);
    if (index === undefined) {
      this.measures.foreignMessages++;
      return;
    }
    if (room !== c.roomName) {
      this.measures.misrouted++;
      return;
    }
    Atomics.add(this.views.received, index, 1);
    count(this.views, COUNTER.received);
    this.measures.recordReceipt(index, at, true);
  }

  /** A warm-up message from the planned sender when it is joined; its id keeps it out of every figure. */
  private sendWarmup(c: Conn, k: number): void {
    if (c.state !== 'joined') return;
    this.write(c, this.sendFrame(c, warmupClientMsgId(this.init.runId, k)));
  }

  /** A `send` frame whose text carries its id and wall-clock send time (plan.ts messageText). */
  private sendFrame(c: Conn, clientMsgId: string): string {
    const text = messageText(clientMsgId, Date.now(), this.init.scenario.textSize);
    return JSON.stringify({ action: 'send', room: c.roomName, text, clientMsgId });
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
        this.measures.skippedSends++;
        return;
      }
      this.measures.substitutedSends++;
      c = substitute;
    }
    const frame = this.sendFrame(c, clientMsgIdOf(this.init.runId, index));
    const expected = Atomics.load(this.views.roomMembers, c.room);
    Atomics.store(this.views.expected, index, expected);
    count(this.views, COUNTER.expected, expected);
    this.views.sendTimeMs[index] = this.clock.now();
    count(this.views, COUNTER.sent);
    this.write(c, frame);
  }

  private onFrame(c: Conn, data: Buffer, isBinary: boolean): void {
    const at = this.clock.now();
    this.measures.frameIn(data.length);
    const text = data.toString('utf8');
    const countOnly = isBinary ? undefined : COUNT_ONLY.exec(text);
    if (countOnly) {
      bump(this.measures.framesByType, countOnly[1]!);
      return;
    }
    const inbound: Inbound = isBinary ? { kind: 'malformed' } : classifyInbound(text);
    if (inbound.kind === 'gateway') {
      bump(this.measures.errors.gateway, inbound.message.slice(0, 80));
      count(this.views, COUNTER.errors);
      // A joining connection has sent nothing but its join, so this is the join failing.
      if (c.state === 'joining') this.fail(c, true);
      return;
    }
    if (inbound.kind === 'unknown') {
      // A newer server's frame type: counted by type, not as an error (clients are forward compatible).
      bump(this.measures.framesByType, inbound.type);
      return;
    }
    if (inbound.kind === 'malformed') {
      this.measures.errors.invalidFrames++;
      count(this.views, COUNTER.errors);
      if (this.measures.errors.invalidSamples.length < 5) this.measures.errors.invalidSamples.push(text.slice(0, 200));
      return;
    }
    const { frame } = inbound;
    bump(this.measures.framesByType, frame.type);
    switch (frame.type) {
      case 'joined':
        if (c.state === 'joining' && frame.room === c.roomName) {
          if (c.joinTimer) clearTimeout(c.joinTimer);
          c.state = 'joined';
          recordMs(this.measures.hist.join, at - c.joinSentAt);
          Atomics.add(this.views.roomMembers, c.room, 1);
          count(this.views, COUNTER.joined);
          this.settle();
        }
        return;
      case 'message':
        this.onMessage(c, frame.clientMsgId, frame.room, at);
        return;
      case 'ack': {
        const index = parseClientMsgId(frame.clientMsgId, this.init.runId, this.totalMessages);
        const sentAt = index === undefined ? 0 : this.views.sendTimeMs[index]!;
        if (sentAt > 0) {
          this.measures.acks++;
          recordMs(this.measures.hist.ack, at - sentAt);
        }
        return;
      }
      case 'error':
        bump(this.measures.errors.frames, frame.code);
        count(this.views, COUNTER.errors);
        if (
          frame.clientMsgId !== undefined &&
          parseClientMsgId(frame.clientMsgId, this.init.runId, this.totalMessages) !== undefined
        ) {
          this.measures.rejected++;
        }
        if (c.state === 'joining' && frame.action === 'join') this.fail(c, true);
        return;
      default:
        return;
    }
  }
}
