import { gatewayFor } from '../../adapters/apigw/clients.js';
import type { WebSocketEvent, WebSocketResult } from '../../apigw/events.js';
import { loadConfig, type Config } from '../../config.js';
import { isCallerGone } from '../../domain/errors.js';
import { postWithRetry } from '../../domain/fanout.js';
import type { ConnectionGateway } from '../../domain/ports.js';
import type { ClientAction, ClientFrame, ServerFrame } from '../../protocol/index.js';
import { errorFrameFor, OK, parseRouteFrame } from './error-frame.js';

let config: Config | undefined;
const gateways = new Map<string, ConnectionGateway>();

function gatewayOf({ domainName, stage }: { domainName: string; stage: string }): ConnectionGateway {
  const key = `${domainName}/${stage}`;
  let gateway = gateways.get(key);
  if (gateway === undefined) {
    config ??= loadConfig();
    gateway = gatewayFor(config, { domainName, stage });
    gateways.set(key, gateway);
  }
  return gateway;
}

/**
 * A route that only answers its caller (`ping`): wsHandler's frame checks and error frames, but no store, so its
 * bundle holds the management API client alone and a warm container answers with one post.
 */
export function replyHandler<A extends ClientAction>(
  action: A,
  answer: (frame: Extract<ClientFrame, { action: A }>) => ServerFrame,
) {
  return async (event: WebSocketEvent): Promise<WebSocketResult> => {
    const gateway = gatewayOf(event.requestContext);
    const { connectionId } = event.requestContext;
    const request: { action?: string; clientMsgId?: string } = { action };
    try {
      await postWithRetry({ gateway }, connectionId, answer(parseRouteFrame(action, event.body, request)));
    } catch (error) {
      // The caller left before its answer (a heartbeat racing a reconnect): nobody to tell, nothing went wrong.
      if (isCallerGone(error, connectionId)) return OK;
      // An error frame to a caller that already left is dropped the same way.
      await postWithRetry({ gateway }, connectionId, errorFrameFor(error, request)).catch((postError: unknown) => {
        if (!isCallerGone(postError, connectionId)) throw postError;
      });
    }
    return OK;
  };
}
