import { gatewayErrorMessage } from './gateway-frames.js';
import { parseServerFrame } from './parse.js';
import { serverFrameSchema, type ServerFrame } from './server-frames.js';

/** What a raw inbound text turned out to be, for every client of this protocol (web, load tests, chaos actors). */
export type Inbound =
  | { kind: 'frame'; frame: ServerFrame }
  /** A frame type this client does not know: a newer server may add some, so clients skip it silently. */
  | { kind: 'unknown'; type: string }
  /** API Gateway's own error body for a request it could not route or run. */
  | { kind: 'gateway'; message: string }
  | { kind: 'malformed' };

const KNOWN_TYPES: ReadonlySet<string> = new Set(serverFrameSchema.options.map((o) => o.shape.type.value));

/** Sorts a raw frame so that only a broken known frame counts as malformed (forward compatible). */
export function classifyInbound(text: string): Inbound {
  try {
    return { kind: 'frame', frame: parseServerFrame(text) };
  } catch {
    const type = typeOf(text);
    if (type !== undefined && !KNOWN_TYPES.has(type)) return { kind: 'unknown', type };
    const message = gatewayErrorMessage(text);
    return message !== undefined ? { kind: 'gateway', message } : { kind: 'malformed' };
  }
}

function typeOf(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const type = (value as { type?: unknown }).type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}
