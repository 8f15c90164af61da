import { describe, expect, it } from 'vitest';
import { BUILD_CONFIG, loadRuntimeConfig, signInModes } from '../src/config.js';

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

describe('/config.json: an OpenID Connect provider', () => {
  const json = (body: unknown) => async () =>
    new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });

  it('offers the provider sign-in first (and a pasted token) when the stage has one', async () => {
    const oidc = {
      authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
      clientId: 'c1',
      domain: 'd',
    };
    const config = await loadRuntimeConfig(json({ wsUrl: 'wss://x/demo', authMode: 'jwt', oidc }));
    expect(config).toEqual({
      wsUrl: 'wss://x/demo',
      signInModes: ['oidc', 'token'],
      oidc: { authority: oidc.authority, clientId: 'c1' },
    });
    const any = await loadRuntimeConfig(json({ wsUrl: 'wss://x/demo', authMode: 'any', oidc }));
    expect(any.signInModes).toEqual(['oidc', 'guest', 'token']);
  });

  it('ignores an incomplete or malformed provider block', async () => {
    for (const oidc of [
      { clientId: 'c1' },
      { authority: 'not a url', clientId: 'c1' },
      { authority: 'https://i' },
      'x',
    ]) {
      const config = await loadRuntimeConfig(json({ wsUrl: 'wss://x/demo', authMode: 'jwt', oidc }));
      expect(config).toEqual({ wsUrl: 'wss://x/demo', signInModes: ['token'] });
    }
  });

  it('never offers the provider to a guest-only stage', () => {
    expect(signInModes('guest', { authority: 'https://i', clientId: 'c' })).toEqual(['guest']);
  });
});
