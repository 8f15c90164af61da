import { describe, expect, it } from 'vitest';
import { clientMsgIdSchema, sendFrame } from '@chat/backend/protocol';
import {
  clientMsgIdOf,
  connectDueMs,
  isWarmupClientMsgId,
  messageIndex,
  messageText,
  parseClientMsgId,
  roomName,
  roomOf,
  sendDueMs,
  sourceAddressOf,
  warmupClientMsgId,
} from '../../src/generator/plan.js';
import { connectionUrl, isLoopbackUrl } from '../../src/generator/target.js';

describe('plan', () => {
  it('round-trips clientMsgIds and ignores other runs and clients', () => {
    const id = clientMsgIdOf('r4nd0m', 1234);
    expect(clientMsgIdSchema.safeParse(id).success).toBe(true);
    expect(parseClientMsgId(id, 'r4nd0m', 2000)).toBe(1234);
    expect(parseClientMsgId(id, 'other1', 2000)).toBeUndefined();
    expect(parseClientMsgId(id, 'r4nd0m', 1000)).toBeUndefined();
    expect(parseClientMsgId('r4nd0m.12x', 'r4nd0m', 2000)).toBeUndefined();
    expect(parseClientMsgId('r4nd0m.', 'r4nd0m', 2000)).toBeUndefined();
    expect(parseClientMsgId('browser-uuid', 'r4nd0m', 2000)).toBeUndefined();
  });

  it('gives warm-up messages valid clientMsgIds of the run that never parse as a measured message', () => {
    const id = warmupClientMsgId('r4nd0m', 3);
    expect(clientMsgIdSchema.safeParse(id).success).toBe(true);
    expect(parseClientMsgId(id, 'r4nd0m', 2000)).toBeUndefined();
    expect(isWarmupClientMsgId(id, 'r4nd0m')).toBe(true);
    expect(isWarmupClientMsgId(id, 'other1')).toBe(false);
    expect(isWarmupClientMsgId(clientMsgIdOf('r4nd0m', 3), 'r4nd0m')).toBe(false);
  });

  it('builds send frames the protocol schema accepts, at the requested text size', () => {
    for (const size of [1, 64, 4000]) {
      const frame = {
        action: 'send',
        room: roomName('lt', 'abc123', 7),
        text: messageText('abc123.5', Date.now(), size),
        clientMsgId: 'abc123.5',
      };
      expect(sendFrame.safeParse(frame).success).toBe(true);
      if (size > 60) expect(frame.text).toHaveLength(size);
    }
  });

  it('spreads connections evenly over rooms and senders over time', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 10; i++) counts[roomOf(i, 3)]!++;
    expect(counts).toEqual([4, 3, 3]);
    expect(messageIndex(2, 3, 10)).toBe(23);
    expect(sendDueMs(0, 1, 2, 0, 10)).toBe(50);
    expect(sendDueMs(0, 0, 2, 1, 10)).toBe(100);
    expect(connectDueMs(0, 400, 400)).toBe(1000);
    expect(sourceAddressOf(9, 8)).toBe('127.0.0.2');
  });

  it('recognises loopback targets and sets the identity query parameter', () => {
    expect(isLoopbackUrl('ws://localhost:3001')).toBe(true);
    expect(isLoopbackUrl('ws://127.0.0.5:1')).toBe(true);
    expect(isLoopbackUrl('ws://[::1]:1')).toBe(true);
    expect(isLoopbackUrl('wss://x.execute-api.us-east-1.amazonaws.com/dev')).toBe(false);
    expect(connectionUrl('wss://h/dev?x=1', { name: 'lt-1' })).toBe('wss://h/dev?x=1&name=lt-1');
    expect(connectionUrl('ws://h/', { name: 'lt-1', token: 'a.b.c' })).toBe('ws://h/?token=a.b.c');
  });
});
