import { awsAdapters, type AwsAdapters } from '../../adapters/index.js';
import { createTokenVerifier, type TokenVerifier } from '../../adapters/jwt-verifier.js';
import { loadConfig, type Config } from '../../config.js';
import { ChatService } from '../../domain/chat-service.js';
import { systemClock, timeSortableIds } from '../../domain/ids.js';
import type { WebSocketEvent } from '../../apigw/events.js';
import { logger } from './logger.js';

/*
 * Dependencies are built on first use and kept for the life of the Lambda container, so SDK clients, their
 * keep-alive sockets and the JWKS cache are reused across invocations.
 */
let config: Config | undefined;
let adapters: AwsAdapters | undefined;
let verifier: TokenVerifier | undefined;
const services = new Map<string, ChatService>();

function currentConfig(): Config {
  config ??= loadConfig();
  return config;
}

/** The chat service talking back to the API (domain name + stage) this event came from. */
export function chatFor(event: WebSocketEvent): ChatService {
  return chatForTarget(event.requestContext);
}

/** The chat service of one API (domain name + stage): route events carry it, fan-out jobs pass it on. */
export function chatForTarget({ domainName, stage }: { domainName: string; stage: string }): ChatService {
  const key = `${domainName}/${stage}`;
  let service = services.get(key);
  if (service === undefined) {
    const cfg = currentConfig();
    adapters ??= awsAdapters(cfg);
    service = new ChatService({
      connections: adapters.connections,
      messages: adapters.messages,
      gateway: adapters.gatewayFor({ domainName, stage }),
      dispatcher: adapters.dispatcherFor({ domainName, stage }),
      fanoutInlineMax: cfg.largeRooms.inlineMax,
      callbackRateBudget: cfg.largeRooms.callbackRateBudget,
      clock: systemClock,
      ids: timeSortableIds,
      fanoutConcurrency: cfg.fanoutConcurrency,
      rateLimiter: adapters.rateLimiter,
      limits: cfg.limits,
      onFanoutProblems: (room, result) =>
        logger.warn('fan-out deliveries failed', {
          room,
          failed: result.failed.length,
          firstError: String(result.failed[0]?.error),
        }),
      onDispatchFailure: (job, error) =>
        logger.warn('fan-out job sent inline: the worker could not be invoked', {
          room: job.room,
          shard: job.shard,
          error: String(error),
        }),
      onAfterReplyFailure: (action, error) =>
        logger.warn('work after the reply failed; the reply stands', { action, error: String(error) }),
      onUnfinishedJob: (job, error) =>
        logger.error(
          'fan-out worker out of time could not hand on the rest of its shard: the job fails, to the failure queue',
          {
            room: job.room,
            shard: job.shard,
            startAfter: job.startAfter,
            handOns: job.handOns,
            retry: job.retry?.length ?? 0,
            error: String(error),
          },
        ),
    });
    services.set(key, service);
  }
  return service;
}

export function authConfig(): Config['auth'] {
  return currentConfig().auth;
}

export function tokenVerifier(): TokenVerifier {
  verifier ??= createTokenVerifier(authConfig());
  return verifier;
}
