/**
 * The slice of the browser WebSocket the client uses. Narrow on purpose: tests inject a controllable
 * fake, and Node's or the `ws` package's WebSocket also fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** WebSocket.OPEN, spelled out because an injected constructor need not carry the static constants. */
export const SOCKET_OPEN = 1;

/** Guest mode trusts a display name; JWT mode carries a token the authorizer verifies. */
export type Credentials = { name: string } | { token: string };

/**
 * Builds the handshake URL. Credentials travel in the query string because browsers cannot set headers
 * on a WebSocket handshake and the API's authorizer reads `route.request.querystring.*`.
 */
export function socketUrl(baseUrl: string, credentials: Credentials): string {
  const url = new URL(baseUrl);
  if ('token' in credentials) url.searchParams.set('token', credentials.token);
  else url.searchParams.set('name', credentials.name);
  return url.toString();
}
