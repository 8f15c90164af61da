import type { ErrorFrame } from '@chat/backend/protocol';

export { classifyInbound, type Inbound } from '@chat/backend/protocol';

/**
 * The server answers a frame from a connection it no longer knows (its record expired or was cleaned up)
 * with `unauthorized` and closes the socket: a cue to reconnect and re-join, not a reason to give up.
 */
export function isConnectionExpired(frame: ErrorFrame): boolean {
  return frame.code === 'unauthorized';
}
