import { describe, expect, it } from 'vitest';
import { ConnectionGoneError, PayloadTooLargeError } from '../../src/domain/errors.js';
import type { ConnectionGateway } from '../../src/domain/ports.js';
import { MAX_FRAME_BYTES, type ServerFrame } from '../../src/protocol/index.js';
import { unique } from './ids.js';

/** What a contract case needs besides the gateway: a way to have clients and to see what they got. */
export interface GatewayHarness {
  gateway: ConnectionGateway;
  /** A client connects. */
  open(connectionId: string): void;
  /** The client vanishes without the server closing it. */
  drop(connectionId: string): void;
  /** Frames the client received, parsed from the wire, oldest first. */
  received(connectionId: string): ServerFrame[];
}

/**
 * The behaviour every ConnectionGateway must have, run against the in-memory fake and against the API
 * Gateway adapter talking to a management API over HTTP, so the fake's 410 semantics match the SDK's.
 */
export function registerConnectionGatewayContract(name: string, create: () => Promise<GatewayHarness>): void {
  describe(`ConnectionGateway contract: ${name}`, () => {
    const message: ServerFrame = {
      type: 'message',
      room: 'lobby',
      id: '0001700000000000-0001',
      ts: 1_700_000_000_000,
      sender: { userId: 'u-zoë', name: 'Zoë 🚀' },
      text: 'héllo 👋🏽 "quoted" \\ مرحبا',
      clientMsgId: 'c-1',
    };

    it('[CG1] post delivers the frame so the client parses back the same frame', async () => {
      // Prepare
      const h = await create();
      const id = unique('conn');
      h.open(id);
      // Act
      await h.gateway.post(id, message);
      // Assess
      expect(h.received(id)).toEqual([message]);
    });

    it('[CG2] frames to one connection arrive in post order and nowhere else', async () => {
      const h = await create();
      const [a, b] = [unique('conn'), unique('conn')];
      h.open(a);
      h.open(b);

      await h.gateway.post(a, { type: 'pong' });
      await h.gateway.post(a, message);

      expect(h.received(a)).toEqual([{ type: 'pong' }, message]);
      expect(h.received(b)).toEqual([]);
    });

    it('[CG3] post to a connection that vanished throws ConnectionGoneError naming it', async () => {
      const h = await create();
      const id = unique('conn');
      h.open(id);
      h.drop(id);

      const attempt = h.gateway.post(id, { type: 'pong' });

      await expect(attempt).rejects.toBeInstanceOf(ConnectionGoneError);
      await expect(attempt).rejects.toMatchObject({ connectionId: id });
    });

    it('[CG4] close ends the connection and is idempotent', async () => {
      const h = await create();
      const id = unique('conn');
      h.open(id);

      await h.gateway.close(id);
      await h.gateway.close(id);

      await expect(h.gateway.post(id, { type: 'pong' })).rejects.toBeInstanceOf(ConnectionGoneError);
    });

    it('[CG5] a frame over 128 KB throws PayloadTooLargeError and delivers nothing', async () => {
      const h = await create();
      const id = unique('conn');
      h.open(id);
      const huge: ServerFrame = { ...message, text: 'x'.repeat(MAX_FRAME_BYTES) };

      await expect(h.gateway.post(id, huge)).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect(h.received(id)).toEqual([]);
    });
  });
}
