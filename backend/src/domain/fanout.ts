import type { ServerFrame } from '../protocol/index.js';
import { forEachBounded } from './bounded.js';
import { ConnectionGoneError } from './errors.js';
import type { ConnectionGateway, ConnectionStore, Membership } from './ports.js';

export interface FanoutResult {
  delivered: number;
  /** Connections that answered 410 and were removed with all their memberships. */
  gone: Membership[];
  /** Deliveries that failed for another reason (logged by the caller, never retried blindly). */
  failed: Array<{ connectionId: string; error: unknown }>;
}

export interface FanoutDeps {
  connections: ConnectionStore;
  gateway: ConnectionGateway;
  concurrency: number;
}

/**
 * Sends `frame` to every member of `room`, reading the room's partition page by page (never a Scan) and
 * posting with bounded concurrency. A 410 removes the TARGET connection (not the sender, a classic bug of
 * SDK v3 ports) and its memberships, so dead sockets stop costing a post per message.
 */
export async function fanOut(
  deps: FanoutDeps,
  room: string,
  frame: ServerFrame,
  options: { exceptConnectionId?: string } = {},
): Promise<FanoutResult> {
  const result: FanoutResult = { delivered: 0, gone: [], failed: [] };
  async function* targets(): AsyncGenerator<Membership> {
    for await (const page of deps.connections.members(room)) {
      for (const member of page) if (member.connectionId !== options.exceptConnectionId) yield member;
    }
  }
  await forEachBounded(targets(), deps.concurrency, async (member) => {
    try {
      await deps.gateway.post(member.connectionId, frame);
      result.delivered += 1;
    } catch (error) {
      if (error instanceof ConnectionGoneError) {
        result.gone.push(member);
        try {
          await deps.connections.removeConnection(member.connectionId);
          // A join that raced the disconnect can leave this membership without a connection item.
          await deps.connections.removeMembership(room, member.connectionId);
        } catch (cleanupError) {
          result.failed.push({ connectionId: member.connectionId, error: cleanupError });
        }
      } else {
        result.failed.push({ connectionId: member.connectionId, error });
      }
    }
  });
  return result;
}
