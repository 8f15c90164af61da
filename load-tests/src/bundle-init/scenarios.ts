import { randomUUID } from 'node:crypto';
import { disconnectEvent, messageEvent, type ApiInfo, type ConnectionInfo } from '@chat/backend/local/events';
import type { ServerlessConfig } from '@chat/backend/local/serverless-config';
import { fanoutEventSchema, type ClientAction, type ClientFrame } from '@chat/backend/protocol';

/** Who must receive a frame of this type after the invocation: the caller's socket or the other member's. */
export interface ExpectedFrame {
  to: 'caller' | 'member';
  type: string;
}

/** One function's first invocation: the AWS-shaped event, and how to tell that its handler really did its job. */
export interface Scenario {
  functionName: string;
  event: unknown;
  /** Why the handler's answer is not the expected one, or undefined when it is. */
  check(result: unknown): string | undefined;
  frame?: ExpectedFrame;
}

/** The events the gateway built for the caller's real handshake: the start of every other event. */
export interface Handshake {
  authorizer: { functionName: string; event: unknown };
  connect: { functionName: string; event: { requestContext: Record<string, unknown> } };
}

/** A route answers 200 (a message route always does: failures become error frames, docs/PROTOCOL.md). */
const answered200 = (result: unknown) =>
  (result as { statusCode?: unknown } | undefined)?.statusCode === 200
    ? undefined
    : `expected statusCode 200, got ${JSON.stringify(result)}`;

const allowed = (result: unknown) => {
  const statement = (result as { policyDocument?: { Statement?: Array<{ Effect?: string }> } } | undefined)
    ?.policyDocument?.Statement?.[0];
  return statement?.Effect === 'Allow' ? undefined : `expected an Allow policy, got ${JSON.stringify(result)}`;
};

/** The frame each client action's route sends, and who gets what; a Record, so a new action cannot be forgotten. */
const ACTIONS: Record<ClientAction, { frame: (room: string) => ClientFrame; expect: ExpectedFrame; phase: number }> = {
  join: { frame: (room) => ({ action: 'join', room }), expect: { to: 'caller', type: 'joined' }, phase: 2 },
  send: {
    frame: (room) => ({ action: 'send', room, text: 'first message', clientMsgId: randomUUID() }),
    expect: { to: 'caller', type: 'ack' },
    phase: 3,
  },
  history: { frame: (room) => ({ action: 'history', room }), expect: { to: 'caller', type: 'history' }, phase: 3 },
  typing: { frame: (room) => ({ action: 'typing', room }), expect: { to: 'member', type: 'typing' }, phase: 3 },
  ping: { frame: () => ({ action: 'ping' }), expect: { to: 'caller', type: 'pong' }, phase: 3 },
  leave: { frame: (room) => ({ action: 'leave', room }), expect: { to: 'caller', type: 'left' }, phase: 5 },
};

/** The API and the connection as API Gateway repeats them in every event of the caller's connection. */
function connectionOf(handshake: Handshake): { api: ApiInfo; connection: ConnectionInfo } {
  const context = handshake.connect.event.requestContext as {
    apiId: string;
    stage: string;
    domainName: string;
    connectionId: string;
    connectedAt: number;
    identity: ConnectionInfo['identity'];
    authorizer?: ConnectionInfo['authorizer'];
  };
  return {
    api: { apiId: context.apiId, stage: context.stage, domainName: context.domainName },
    connection: {
      connectionId: context.connectionId,
      connectedAt: context.connectedAt,
      identity: context.identity,
      authorizer: context.authorizer,
    },
  };
}

/** A shard-0 fan-out job for `room`, as `send` hands a large room to the `fanout` worker. */
function fanoutEvent(room: string, api: ApiInfo, sender: { userId: string; name: string }): unknown {
  const ts = Date.now();
  const clientMsgId = randomUUID();
  return fanoutEventSchema.parse({
    room,
    shard: 0,
    jobId: `bundle-init-${clientMsgId}`,
    frame: { type: 'message', room, id: `${ts}-bundle-init`, ts, sender, text: 'fanned out', clientMsgId },
    target: { domainName: api.domainName, stage: api.stage },
  });
}

/**
 * One scenario per function serverless.yml declares, in an order the store agrees with: the authorizer and $connect
 * replay the caller's handshake, join comes before the routes that need membership, the invoke-only fan-out worker
 * posts to the room, leave and $disconnect come last. A function this does not know is an error, so a new one is
 * measured or the run stops.
 */
export function scenariosFor(
  config: Pick<ServerlessConfig, 'functions' | 'routes'>,
  handshake: Handshake,
  room: string,
): Scenario[] {
  const { api, connection } = connectionOf(handshake);
  const authorizers = new Set(
    [...config.routes.values()].flatMap((r) => (r.authorizer ? [r.authorizer.functionName] : [])),
  );
  const routeOf = (name: string) => [...config.routes.values()].find((r) => r.functionName === name)?.routeKey;
  const planned = [...config.functions.keys()].map((functionName): Scenario & { phase: number } => {
    const routeKey = routeOf(functionName);
    if (authorizers.has(functionName))
      return { functionName, phase: 0, event: handshake.authorizer.event, check: allowed };
    if (routeKey === '$connect') return { functionName, phase: 1, event: handshake.connect.event, check: answered200 };
    if (routeKey === '$disconnect') {
      const event = disconnectEvent(api, connection, { code: 1001, reason: 'Going away' });
      return { functionName, phase: 6, event, check: answered200 };
    }
    if (routeKey === '$default') {
      const event = messageEvent(api, connection, routeKey, '{"action":"shout"}');
      return { functionName, phase: 3, event, check: answered200, frame: { to: 'caller', type: 'error' } };
    }
    const action = ACTIONS[routeKey as ClientAction] as (typeof ACTIONS)[ClientAction] | undefined;
    if (routeKey !== undefined && action !== undefined) {
      const event = messageEvent(api, connection, routeKey, JSON.stringify(action.frame(room)));
      return { functionName, phase: action.phase, event, check: answered200, frame: action.expect };
    }
    if (routeKey === undefined && functionName === 'fanout') {
      const sender = { userId: String(connection.authorizer?.userId), name: String(connection.authorizer?.name) };
      const event = fanoutEvent(room, api, sender);
      const check = (result: unknown) =>
        ((result as { delivered?: number } | undefined)?.delivered ?? 0) >= 2
          ? undefined
          : `expected delivery to both members, got ${JSON.stringify(result)}`;
      return { functionName, phase: 4, event, check, frame: { to: 'member', type: 'message' } };
    }
    throw new Error(`bundle-init has no scenario for function "${functionName}" (route ${routeKey ?? 'none'})`);
  });
  return planned.sort((a, b) => a.phase - b.phase).map(({ phase: _phase, ...scenario }) => scenario);
}
