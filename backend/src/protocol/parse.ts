import { clientFrameSchema, CLIENT_ACTIONS, type ClientFrame } from './client-frames.js';
import { serverFrameSchema, type ServerFrame, type ErrorFrame } from './server-frames.js';

/** Why a client frame was refused; carries what the error frame echoes back to the sender. */
export class FrameError extends Error {
  constructor(
    public readonly code: 'bad_request' | 'unknown_action',
    message: string,
    public readonly action?: string,
    public readonly clientMsgId?: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }

  toFrame(): ErrorFrame {
    return {
      type: 'error',
      code: this.code,
      message: this.message,
      action: this.action,
      clientMsgId: this.clientMsgId,
    };
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a raw client frame. Echoes action and clientMsgId when they are readable strings so a client can
 * match the error to its pending send.
 */
export function parseClientFrame(body: string | null | undefined): ClientFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(body ?? '');
  } catch {
    throw new FrameError('bad_request', 'frame must be a JSON object');
  }
  if (!isRecord(raw)) throw new FrameError('bad_request', 'frame must be a JSON object');
  const action = typeof raw.action === 'string' ? raw.action.slice(0, 64) : undefined;
  const clientMsgId = typeof raw.clientMsgId === 'string' && raw.clientMsgId.length <= 64 ? raw.clientMsgId : undefined;
  if (action === undefined)
    throw new FrameError('unknown_action', 'frame needs a string "action"', undefined, clientMsgId);
  if (!(CLIENT_ACTIONS as readonly string[]).includes(action)) {
    throw new FrameError('unknown_action', `unknown action "${action}"`, action, clientMsgId);
  }
  const parsed = clientFrameSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new FrameError('bad_request', `${where}${issue?.message ?? 'invalid frame'}`, action, clientMsgId);
  }
  return parsed.data;
}

/** Parses a server frame; used by the web client and load tests to trust nothing they receive. */
export function parseServerFrame(data: string): ServerFrame {
  return serverFrameSchema.parse(JSON.parse(data));
}
