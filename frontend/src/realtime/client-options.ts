import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { socketUrl, type Credentials, type WebSocketConstructor } from './socket.js';
import { systemTimers, type Timers } from './timers.js';

/** Every dependency on the outside world is an option, so tests can run hours of protocol time in milliseconds. */
export interface ChatClientOptions {
  /** Base WebSocket URL, e.g. ws://localhost:3001 or wss://{api}.execute-api.{region}.amazonaws.com/{stage}. */
  url: string;
  /** Those of the first connection; {@link ChatClient.updateCredentials} replaces them (a renewed token). */
  credentials: Credentials;
  /** Injected so tests can use a fake; defaults to the global WebSocket. */
  WebSocket?: WebSocketConstructor;
  timers?: Timers;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Idempotency keys for sends; crypto.randomUUID by default. */
  newClientMsgId?: () => string;
  backoff?: BackoffOptions;
  /**
   * How often an open socket is pinged. Short enough that a server which stops answering is noticed within about
   * heartbeatMs + pongTimeoutMs, far inside API Gateway's 10-minute idle timeout; a ping is one tiny frame.
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html#apigateway-execution-service-websocket-limits-table
   */
  heartbeatMs?: number;
  /** A handshake that neither opens nor fails within this is abandoned and retried (black-holed networks). */
  connectTimeoutMs?: number;
  /** A socket that does not answer a ping in time is presumed half-open and replaced. */
  pongTimeoutMs?: number;
  /** API Gateway ends every connection after 2 hours; reconnect on our own terms a little before. */
  maxConnectionMs?: number;
  ackTimeoutMs?: number;
  /** Base wait before a `rate_limited` send goes out again (one server window), plus up to a quarter more. */
  rateLimitRetryMs?: number;
  /** Delays between the re-sends of a send the server answered with `internal`; at most maxInternalResends. */
  internalRetryBackoff?: BackoffOptions;
  maxInternalResends?: number;
  historyTimeoutMs?: number;
  typingThrottleMs?: number;
  /** How long another user's typing indicator lasts without a fresh typing frame. */
  typingTtlMs?: number;
  /** Upper bound on pages fetched to fill a gap after a reconnect, so a huge backlog cannot loop forever. */
  maxGapPages?: number;
}

/** Options with every default filled in and the name to show on own unconfirmed messages. */
export type ResolvedOptions = Required<Omit<ChatClientOptions, 'credentials'>> & { displayName: string };

/** The one place defaults live, so the modules the client wires together never disagree about them. */
export function resolveOptions(options: ChatClientOptions): ResolvedOptions {
  socketUrl(options.url, options.credentials); // a malformed URL throws here, not at every reconnect
  const WebSocket = options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined);
  if (!WebSocket) throw new Error('No WebSocket implementation available; pass options.WebSocket');
  return {
    url: options.url,
    WebSocket,
    displayName: 'name' in options.credentials ? options.credentials.name : 'You',
    timers: options.timers ?? systemTimers,
    random: options.random ?? Math.random,
    newClientMsgId: options.newClientMsgId ?? (() => globalThis.crypto.randomUUID()),
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    pongTimeoutMs: options.pongTimeoutMs ?? 8_000,
    maxConnectionMs: options.maxConnectionMs ?? 115 * 60_000,
    ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
    rateLimitRetryMs: options.rateLimitRetryMs ?? 10_000,
    internalRetryBackoff: options.internalRetryBackoff ?? { baseMs: 1_000, maxMs: 15_000 },
    maxInternalResends: options.maxInternalResends ?? 4,
    historyTimeoutMs: options.historyTimeoutMs ?? 10_000,
    typingThrottleMs: options.typingThrottleMs ?? 2_000,
    typingTtlMs: options.typingTtlMs ?? 3_000,
    maxGapPages: options.maxGapPages ?? 50,
  };
}
