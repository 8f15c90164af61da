import { describe, expect, it } from 'vitest';
import { ConnectionGoneError, PayloadTooLargeError } from '../../src/domain/errors.js';
import type { ConnectionGateway } from '../../src/domain/ports.js';
import { MAX_FRAME_BYTES, type ServerFrame } from '../../src/protocol/index.js';
import { unique } from './ids.js';

/** What a contract case needs besides the gateway: a way to have clients and to see what they got. */
export interface GatewayHarness {
  gateway: ConnectionGateway;
  /** A client connects (over a real socket, for the local gateway). */
  open(connectionId: string): void | Promise<void>;
  /** The client vanishes without the server closing it. */
  drop(connectionId: string): void | Promise<void>;
  /** Frames the client received, parsed from the wire, oldest first. */
  received(connectionId: string): ServerFrame[] | Promise<ServerFrame[]>;
}

/**
 * The behaviour every ConnectionGateway must have, run against the in-memory fake and against both API Gateway
 * adapters (the SDK client and the signed posts) talking to the local gateway's @connections API and to a
 * stand-in over HTTP, so the fake's 410 semantics match both clients'.
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
      await h.open(id);
      // Act
      await h.gateway.post(id, message);
      // Assess
      expect(await h.received(id)).toEqual([message]);
    });

    it('[CG2] frames to one connection arrive in post order and nowhere else', async () => {
      const h = await create();
      const [a, b] = [unique('conn'), unique('conn')];
      await h.open(a);
      await h.open(b);

      await h.gateway.post(a, { type: 'pong' });
      await h.gateway.post(a, message);

      expect(await h.received(a)).toEqual([{ type: 'pong' }, message]);
      expect(await h.received(b)).toEqual([]);
    });

    it('[CG3] post to a connection that vanished throws ConnectionGoneError naming it', async () => {
      const h = await create();
      const id = unique('conn');
      await h.open(id);
      await h.drop(id);

      const attempt = h.gateway.post(id, { type: 'pong' });

      await expect(attempt).rejects.toBeInstanceOf(ConnectionGoneError);
      await expect(attempt).rejects.toMatchObject({ connectionId: id });
    });

    it('[CG4] close ends the connection and is idempotent', async () => {
      const h = await create();
      const id = unique('conn');
      await h.open(id);

      await h.gateway.close(id);
      await h.gateway.close(id);

      await expect(h.gateway.post(id, { type: 'pong' })).rejects.toBeInstanceOf(ConnectionGoneError);
    });

    it('[CG5] a frame over 128 KB throws PayloadTooLargeError and delivers nothing', async () => {
      const h = await create();
      const id = unique('conn');
      await h.open(id);
      const huge: ServerFrame = { ...message, text: 'x'.repeat(MAX_FRAME_BYTES) };

      await expect(h.gateway.post(id, huge)).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect(await h.received(id)).toEqual([]);
    });
  });
}
