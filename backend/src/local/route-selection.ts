import type { WebSocketRoute } from './serverless-config.js';

/**
 * Picks the route for an incoming message the way API Gateway evaluates a `$request.body.<path>` route
 * selection expression: the body must be a JSON object whose value at <path> is a string naming a declared
 * route; anything else falls back to $default.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html#apigateway-websocket-api-route-selection-expressions
 */
export type RouteSelector = (body: string) => WebSocketRoute | undefined;

const BODY_PATH = /^\$request\.body\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)$/;

/** Throws for expressions the local gateway cannot evaluate, rather than silently routing everything to $default. */
export function createRouteSelector(expression: string, routes: ReadonlyMap<string, WebSocketRoute>): RouteSelector {
  const match = BODY_PATH.exec(expression.trim());
  if (!match?.[1]) {
    throw new Error(`Route selection expression "${expression}" is not supported locally (only $request.body.<path>)`);
  }
  const path = match[1].split('.');
  const fallback = routes.get('$default');
  return (body) => {
    const key = selectionKey(body, path);
    const route = key === undefined || key.startsWith('$') ? undefined : routes.get(key);
    return route ?? fallback;
  };
}

function selectionKey(body: string, path: string[]): string | undefined {
  let node: unknown;
  try {
    node = JSON.parse(body);
  } catch {
    return undefined;
  }
  for (const part of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' ? node : undefined;
}
