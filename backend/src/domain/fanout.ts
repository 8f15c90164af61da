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

export interface FanoutOptions {
  exceptConnectionId?: string;
  /** Send to nobody when the room has more connections than this (read with pages of maxMembers + 1). */
  maxMembers?: number;
  /** With maxMembers: send to nobody when this returns true for the recipients (the room minus the exception). */
  unless?: (recipients: readonly Membership[]) => boolean;
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
  options: FanoutOptions = {},
): Promise<FanoutResult> {
  const result: FanoutResult = { delivered: 0, gone: [], failed: [] };
  const { exceptConnectionId, maxMembers, unless } = options;
  async function* targets(): AsyncGenerator<Membership> {
    // With a cap, members are held back until the room is known to be small enough (at most maxMembers).
    const held: Membership[] = [];
    let seen = 0;
    const pages = deps.connections.members(room, maxMembers !== undefined ? { pageSize: maxMembers + 1 } : {});
    for await (const page of pages) {
      for (const member of page) {
        seen += 1;
        if (maxMembers !== undefined && seen > maxMembers) return;
        if (member.connectionId === exceptConnectionId) continue;
        if (maxMembers === undefined) yield member;
        else held.push(member);
      }
    }
    if (!unless?.(held)) yield* held;
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
