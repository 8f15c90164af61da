import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sendFrame } from '@chat/backend/protocol';
import { startBaselineServer, type BaselineServer } from '../src/bench/baseline-server.js';

interface Latency {
  ms: number;
  clock: 'monotonic' | 'wall';
}
type Hook = (context: { ws: WebSocket; vars: Record<string, unknown> }, events: EventEmitter, next: () => void) => void;
interface Processor {
  setTarget(params: { target: string }, context: object, next: () => void): void;
  joinRoom: Hook;
  sendMessage: Hook;
  drain: Hook;
  settings(vars: Record<string, unknown>): {
    rooms: number;
    roomPrefix: string;
    textSize: number;
    joinTimeoutMs: number;
    drainMs: number;
  };
  roomFor(random: number, rooms: number, prefix: string): string;
  makeClientMsgId(processId: string, seq: number): string;
  isOurs(clientMsgId: unknown): boolean;
  buildText(clientMsgId: string, sentAtEpochMs: number, size: number): string;
  parseSentAt(text: unknown): number | undefined;
  buildSendFrame(room: string, text: string, clientMsgId: string): string;
  withName(target: string, name: string): string;
  receiptLatency(
    frame: unknown,
    sends: Map<string, number>,
    nowMonotonic: number,
    nowEpochMs: number,
  ): Latency | undefined;
}
const processor = createRequire(import.meta.url)('../artillery/processor.cjs') as Processor;

describe('artillery processor (pure functions)', () => {
  it('builds send frames the protocol accepts, carrying a parseable wall-clock send time', () => {
    const id = processor.makeClientMsgId('deadbeef', 42);
    const text = processor.buildText(id, 1_760_000_000_123, 200);
    expect(text).toHaveLength(200);
    expect(processor.parseSentAt(text)).toBe(1_760_000_000_123);
    expect(sendFrame.safeParse(JSON.parse(processor.buildSendFrame('art-3', text, id))).success).toBe(true);
    expect(processor.parseSentAt(processor.buildText(id, 1_760_000_000_123, 1))).toBe(1_760_000_000_123);
    expect(processor.parseSentAt('no time here')).toBeUndefined();
    expect(processor.parseSentAt(undefined)).toBeUndefined();
  });

  it('times own messages with the monotonic clock and others from the text', () => {
    const own = processor.makeClientMsgId('p1', 1);
    const remote = processor.makeClientMsgId('p2', 1);
    const sends = new Map([[own, 1000]]);
    const frame = (clientMsgId: string, text = 'x') => ({
      type: 'message',
      room: 'r',
      id: '1',
      ts: 0,
      sender: { userId: 'u', name: 'n' },
      text,
      clientMsgId,
    });
    expect(processor.receiptLatency(frame(own), sends, 1012.5, 0)).toEqual({ ms: 12.5, clock: 'monotonic' });
    expect(
      processor.receiptLatency(
        frame(remote, processor.buildText(remote, 1_760_000_005_000, 64)),
        sends,
        0,
        1_760_000_005_030,
      ),
    ).toEqual({ ms: 30, clock: 'wall' });
    // Clock skew can make a wall-clock sample negative; it clamps instead of poisoning the histogram.
    expect(
      processor.receiptLatency(
        frame(remote, processor.buildText(remote, 1_760_000_005_000, 64)),
        sends,
        0,
        1_760_000_004_990,
      ),
    ).toEqual({ ms: 0, clock: 'wall' });
    expect(processor.receiptLatency(frame('someone-else'), sends, 0, 0)).toBeUndefined();
    expect(processor.receiptLatency({ type: 'presence' }, sends, 0, 0)).toBeUndefined();
  });

  it('spreads users over the configured rooms and reads settings from config.variables', () => {
    expect(processor.roomFor(0, 10, 'art')).toBe('art-0');
    expect(processor.roomFor(0.999999, 10, 'art')).toBe('art-9');
    expect(processor.roomFor(1, 10, 'art')).toBe('art-9');
    expect(processor.settings({ rooms: '5', textSize: 99999 })).toMatchObject({
      rooms: 5,
      textSize: 4000,
      roomPrefix: 'art',
      drainMs: 10_000,
    });
    expect(processor.withName('wss://h/dev', 'bob')).toBe('wss://h/dev?name=bob');
    expect(processor.withName('wss://h/dev?token=t', 'bob')).toBe('wss://h/dev?token=t');
    expect(processor.isOurs('art.x.1')).toBe(true);
    expect(processor.isOurs(7)).toBe(false);
  });

  it('keeps the scenario wired to hooks the processor exports', async () => {
    const yml = await readFile(new URL('../artillery/scenario.yml', import.meta.url), 'utf8');
    const used = [...yml.matchAll(/function: (\w+)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(typeof (processor as unknown as Record<string, unknown>)[name]).toBe('function');
    expect(yml).toContain('processor: ./processor.cjs');
  });
});

describe('artillery processor hooks against the baseline server', () => {
  let server: BaselineServer;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    server = await startBaselineServer();
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await server.close();
  });

  const step = (hook: Hook, context: { ws: WebSocket; vars: Record<string, unknown> }, events: EventEmitter) =>
    new Promise<void>((resolve) => hook(context, events, resolve));

  it('emits fanout_ms for every receipt, the sender included', async () => {
    // Prepare: two virtual users in the same (single) room.
    const events = new EventEmitter();
    const histograms: Record<string, number[]> = {};
    const counters: Record<string, number> = {};
    events.on('histogram', (name: string, value: number) => (histograms[name] ??= []).push(value));
    events.on('counter', (name: string, value: number) => (counters[name] = (counters[name] ?? 0) + value));
    const users = await Promise.all(
      [0, 1].map(async () => {
        const params = { target: server.url };
        await new Promise<void>((resolve) => processor.setTarget(params, {}, resolve));
        const ws = new WebSocket(params.target);
        sockets.push(ws);
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        const context = {
          ws,
          vars: { rooms: 1, roomPrefix: 'art-test', drainSeconds: 5, joinTimeoutSeconds: 5 } as Record<string, unknown>,
        };
        await step(processor.joinRoom, context, events);
        return context;
      }),
    );
    // Act: the first user sends 3 messages and drains.
    for (let i = 0; i < 3; i++) await step(processor.sendMessage, users[0]!, events);
    await step(processor.drain, users[0]!, events);
    // The second user's receipts may trail the sender's by a moment; wait, bounded.
    for (let i = 0; i < 100 && (histograms.fanout_ms?.length ?? 0) < 6; i++)
      await new Promise((r) => setTimeout(r, 20));
    // Assess
    expect(counters['chat.joined']).toBe(2);
    expect(counters['chat.sent']).toBe(3);
    expect(histograms.fanout_ms).toHaveLength(6);
    expect(histograms.ack_ms).toHaveLength(3);
    for (const v of histograms.fanout_ms!) expect(v).toBeGreaterThanOrEqual(0);
    expect(counters['chat.undelivered_own']).toBeUndefined();
  });
});
