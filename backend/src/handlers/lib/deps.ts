import { awsAdapters, type AwsAdapters } from '../../adapters/index.js';
import { loadConfig, type Config } from '../../config.js';
import { ChatService, FanoutWorker, type ChatDeps } from '../../domain/chat-service.js';
import { systemClock, timeSortableIds } from '../../domain/ids.js';
import type { WebSocketEvent } from '../../apigw/events.js';
import { loggingObserver } from './observer.js';

/*
 * Dependencies are built on first use and kept for the life of the Lambda container, so SDK clients, their
 * keep-alive sockets and the JWKS cache are reused across invocations.
 */
let config: Config | undefined;
let adapters: AwsAdapters | undefined;
const services = new Map<string, ChatService>();
const workers = new Map<string, FanoutWorker>();

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
    service = new ChatService(chatDeps(cfg, adapters, { domainName, stage }));
    services.set(key, service);
  }
  return service;
}

/** The fan-out worker posting to one API (domain name + stage): a `fanout` event names its target. */
export function workerForTarget(target: { domainName: string; stage: string }): FanoutWorker {
  const key = `${target.domainName}/${target.stage}`;
  let worker = workers.get(key);
  if (worker === undefined) {
    const cfg = currentConfig();
    adapters ??= awsAdapters(cfg);
    worker = new FanoutWorker(chatDeps(cfg, adapters, target));
    workers.set(key, worker);
  }
  return worker;
}

function chatDeps(cfg: Config, aws: AwsAdapters, target: { domainName: string; stage: string }): ChatDeps {
  return {
    connections: aws.connections,
    messages: aws.messages,
    claims: aws.claims,
    gateway: aws.gatewayFor(target),
    dispatcher: aws.dispatcherFor(target),
    fanoutInlineMax: cfg.largeRooms.inlineMax,
    callbackRateBudget: cfg.largeRooms.callbackRateBudget,
    clock: systemClock,
    ids: timeSortableIds,
    fanoutConcurrency: cfg.fanoutConcurrency,
    rateLimiter: aws.rateLimiter,
    limits: cfg.limits,
    observer: loggingObserver,
  };
}
