import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig } from '@chat/backend/local/serverless-config';
import { parseClientFrame } from '@chat/backend/protocol';
import { scenariosFor, type Handshake } from '../../src/bundle-init/scenarios.js';

/** What the gateway's authorizer and $connect events carry that the scenarios read. */
const handshake: Handshake = {
  authorizer: { functionName: 'authorize', event: { type: 'REQUEST', methodArn: 'arn' } },
  connect: {
    functionName: 'connect',
    event: {
      requestContext: {
        apiId: 'abc123defg',
        stage: 'local',
        domainName: '127.0.0.1:3001',
        connectionId: 'Caller0000000A=',
        connectedAt: 1,
        identity: { sourceIp: '127.0.0.1' },
        authorizer: { principalId: 'guest:alice', userId: 'guest:alice', name: 'alice' },
      },
    },
  },
};

describe('bundle-init scenarios', () => {
  it('plans one first invocation for every function serverless.yml declares, in an order the store agrees with', async () => {
    const declared = Object.keys(parse(await readFile(DEFAULT_SERVERLESS_FILE, 'utf8')).functions);
    const scenarios = scenariosFor(await loadServerlessConfig(DEFAULT_SERVERLESS_FILE), handshake, 'room-1');

    expect(scenarios.map((s) => s.functionName).sort()).toEqual([...declared].sort());
    const order = scenarios.map((s) => s.functionName);
    expect(order.slice(0, 3)).toEqual(['authorize', 'connect', 'join']);
    expect(order.slice(-2)).toEqual(['leave', 'disconnect']);
    expect(order.indexOf('fanout')).toBeLessThan(order.indexOf('leave'));
  });

  it("gives each message route a frame of its own action from the caller's connection", async () => {
    const config = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE);
    for (const scenario of scenariosFor(config, handshake, 'room-1')) {
      const event = scenario.event as { body?: string; requestContext?: { routeKey: string; connectionId: string } };
      const routeKey = event.requestContext?.routeKey;
      if (routeKey === undefined || routeKey.startsWith('$')) continue;
      expect(parseClientFrame(event.body).action, scenario.functionName).toBe(routeKey);
      expect(event.requestContext!.connectionId).toBe('Caller0000000A=');
    }
  });

  it('refuses an answer that is not the expected one', async () => {
    const scenarios = scenariosFor(await loadServerlessConfig(DEFAULT_SERVERLESS_FILE), handshake, 'room-1');
    const byName = (name: string) => scenarios.find((s) => s.functionName === name)!;
    expect(byName('join').check({ statusCode: 200 })).toBeUndefined();
    expect(byName('join').check({ statusCode: 500 })).toMatch(/statusCode 200/);
    expect(byName('authorize').check({ policyDocument: { Statement: [{ Effect: 'Deny' }] } })).toMatch(/Allow/);
    expect(byName('fanout').check({ delivered: 0, gone: 0, failed: 2, throttled: 0, handedOn: false })).toMatch(
      /both members/,
    );
  });

  it('stops on a function it has no scenario for, so a new one is measured or the run fails', async () => {
    const config = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE);
    const functions = new Map(config.functions);
    functions.set('mystery', {
      functionName: 'mystery',
      handler: 'backend/src/handlers/mystery.handler',
      timeoutSeconds: 6,
      memorySize: 512,
    });
    expect(() => scenariosFor({ ...config, functions }, handshake, 'room-1')).toThrow(
      /no scenario for function "mystery"/,
    );
  });
});
