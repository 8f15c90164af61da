import { describe, expect, it } from 'vitest';
import { BUILD_CONFIG, loadRuntimeConfig } from '../src/config.js';

const reply =
  (body: string, contentType: string, status = 200) =>
  async (url: string) => {
    expect(url).toBe('/config.json');
    return new Response(body, { status, headers: { 'content-type': contentType } });
  };

describe('/config.json: one build for every stage', () => {
  it("takes the stage's WebSocket URL and auth mode from the deploy's config.json", async () => {
    const config = await loadRuntimeConfig(
      reply('{"wsUrl":"wss://abc.execute-api.eu-west-1.amazonaws.com/demo","authMode":"jwt"}', 'application/json'),
    );
    expect(config).toEqual({ wsUrl: 'wss://abc.execute-api.eu-west-1.amazonaws.com/demo', signInModes: ['token'] });
    expect(
      (await loadRuntimeConfig(reply('{"wsUrl":"wss://x/demo","authMode":"guest"}', 'application/json'))).signInModes,
    ).toEqual(['guest']);
  });

  it("keeps the build's settings when there is none, a dev server's HTML, or something unusable", async () => {
    expect(await loadRuntimeConfig(reply('not found', 'text/plain', 404))).toBe(BUILD_CONFIG);
    expect(await loadRuntimeConfig(reply('<!doctype html>', 'text/html'))).toBe(BUILD_CONFIG);
    expect(await loadRuntimeConfig(reply('{"wsUrl":"https://not-a-socket"}', 'application/json'))).toBe(BUILD_CONFIG);
    expect(await loadRuntimeConfig(reply('{broken', 'application/json'))).toBe(BUILD_CONFIG);
    expect(
      await loadRuntimeConfig(async () => {
        throw new TypeError('offline');
      }),
    ).toBe(BUILD_CONFIG);
  });
});
