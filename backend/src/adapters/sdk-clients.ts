import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../config.js';

/*
 * What every AWS client here shares. Each service's client lives in its own module (dynamodb/client.ts,
 * lambda/client.ts, apigw/clients.ts) so a handler's bundle holds only the clients it uses.
 */

/** The parts of Config that decide how clients are built. */
export type ClientConfig = Pick<Config, 'region' | 'dynamoDbEndpoint' | 'managementEndpoint'> &
  Partial<Pick<Config, 'sdkTimeouts' | 'lambdaEndpoint' | 'postClient'>>;

/** Where a WebSocket API lives, from the event's requestContext. */
export interface ApiTarget {
  domainName: string;
  stage: string;
}

/**
 * Keep-alive agents so a warm Lambda reuses TLS connections instead of paying a handshake per call.
 * Concurrency is bounded by the code (fan-out runs at most FANOUT_CONCURRENCY posts at once), not by
 * the agent: a maxSockets cap would queue requests inside the agent, and the SDK's connection timeout
 * counts that queueing, so a large fan-out (or, locally, several handlers sharing one process) would
 * fail posts that never even tried to connect. Timeouts stay bounded so one stuck socket cannot hold a
 * fan-out until the Lambda timeout.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-reusing-connections.html
 */
export function keepAliveHandler(
  timeouts: Pick<Config['sdkTimeouts'], 'connectMs' | 'requestMs'> = { connectMs: 3_000, requestMs: 5_000 },
): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true }),
    httpsAgent: new HttpsAgent({ keepAlive: true }),
    connectionTimeout: timeouts.connectMs,
    requestTimeout: timeouts.requestMs,
    throwOnRequestTimeout: true,
  });
}

/** Module scope lives as long as the Lambda container, so each client (and its warm sockets) is built once. */
export function cached<T>(clients: Map<string, T>, key: string, build: () => T): T {
  let client = clients.get(key);
  if (client === undefined) {
    client = build();
    clients.set(key, client);
  }
  return client;
}
