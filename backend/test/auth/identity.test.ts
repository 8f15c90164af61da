import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { guestNameForContext, isValidName, userFromClaims } from '../../src/auth/identity.js';
import { localOptionsFromEnv } from '../../src/local/options.js';
import { DEFAULT_SERVERLESS_FILE, loadServerlessConfig } from '../../src/local/serverless-config.js';

describe('userFromClaims', () => {
  it('takes the userId from sub and the name from the first presentable claim', () => {
    expect(userFromClaims({ sub: 's1', name: 'Ann', preferred_username: 'ann' })).toEqual({
      userId: 's1',
      name: 'Ann',
    });
    expect(userFromClaims({ sub: 's1', 'cognito:username': 'ann-c' })).toEqual({ userId: 's1', name: 'ann-c' });
    expect(userFromClaims({ sub: 's1', email: 'a@example.com' })).toEqual({ userId: 's1', name: 'a@example.com' });
    expect(userFromClaims({ sub: 's1' })).toEqual({ userId: 's1', name: 's1' });
  });

  it('skips claims that are empty once control and format characters are gone', () => {
    expect(userFromClaims({ sub: 's1', name: '\u0000\u200b\u0007', preferred_username: 'bob' }).name).toBe('bob');
    expect(userFromClaims({ sub: 's1', name: '   ', email: 'e@x' }).name).toBe('e@x');
    expect(userFromClaims({ sub: 's1', name: 42, preferred_username: ['x'] }).name).toBe('s1');
    expect(userFromClaims({ sub: '\u0001\u0002' })).toEqual({ userId: '\u0001\u0002', name: 'user' });
  });

  it('removes control characters inside a name and never yields one $connect would refuse', () => {
    expect(userFromClaims({ sub: 's', name: 'a\u0000b\nc\u202Ed' }).name).toBe('abcd');
    const names = [
      `${'x'.repeat(31)} and more`,
      ` ${'y'.repeat(40)}`,
      '😀'.repeat(40),
      `${'z'.repeat(31)}\u00a0tail`,
      `\u2028${'w'.repeat(33)}`,
    ];
    for (const name of names) {
      const user = userFromClaims({ sub: 's', name });
      expect(isValidName(user.name), JSON.stringify(user.name)).toBe(true);
    }
    expect([...userFromClaims({ sub: 's', name: '😀'.repeat(40) }).name]).toHaveLength(32);
  });

  it('refuses a token without a usable sub', () => {
    expect(() => userFromClaims({ name: 'ann' })).toThrow(/sub/);
    expect(() => userFromClaims({ sub: '' })).toThrow(/sub/);
    expect(() => userFromClaims({ sub: 123 })).toThrow(/sub/);
    expect(() => userFromClaims({ sub: 's'.repeat(256) })).toThrow(/255/);
    expect(userFromClaims({ sub: 's'.repeat(255) }).userId).toHaveLength(255);
  });
});

describe('guestNameForContext', () => {
  it('keeps a name exactly as valid or invalid as it was, and short', () => {
    const cases = [
      'alice',
      'x'.repeat(32),
      'x'.repeat(33),
      'x'.repeat(9000),
      ' alice',
      'a\u0000b',
      '😀'.repeat(32),
      '😀'.repeat(500),
    ];
    for (const name of cases) {
      const passed = guestNameForContext(name);
      expect(isValidName(passed), name.slice(0, 40)).toBe(isValidName(name));
      expect([...passed].length).toBeLessThanOrEqual(33);
    }
    expect(guestNameForContext('alice')).toBe('alice');
  });
});

describe('serverless params overrides (osls --param for the local stack)', () => {
  it('an override wins over params.default and feeds provider.environment and identity sources', async () => {
    const plain = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE, { stage: 'local' });
    expect(plain.environment.AUTH_MODE).toBe('guest');
    expect(plain.routes.get('$connect')?.authorizer?.identitySource).toEqual(['route.request.querystring.name']);

    const jwt = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE, {
      stage: 'local',
      params: {
        authMode: 'jwt',
        identitySource: 'route.request.querystring.token',
        jwtIssuer: 'https://issuer.example',
        fanoutConcurrency: '8',
      },
    });
    expect(jwt.environment).toMatchObject({
      AUTH_MODE: 'jwt',
      JWT_ISSUER: 'https://issuer.example',
      FANOUT_CONCURRENCY: '8',
      JWT_AUDIENCE: '',
    });
    expect(jwt.routes.get('$connect')?.authorizer?.identitySource).toEqual(['route.request.querystring.token']);
  });

  it('resolves an override over params.<stage> over params.default, as osls does', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sls-params-'));
    try {
      const file = path.join(dir, 'serverless.yml');
      await writeFile(
        file,
        [
          'service: s',
          'params:',
          '  default: { authMode: guest, jwtIssuer: "" }',
          '  prod: { authMode: jwt, jwtIssuer: https://prod.example }',
          'provider:',
          '  name: aws',
          '  environment:',
          '    AUTH_MODE: ${param:authMode}',
          '    JWT_ISSUER: ${param:jwtIssuer}',
        ].join('\n'),
      );
      const env = async (stage: string, params?: Record<string, string>) =>
        (await loadServerlessConfig(file, { stage, ...(params ? { params } : {}) })).environment;
      expect(await env('dev')).toEqual({ AUTH_MODE: 'guest', JWT_ISSUER: '' });
      expect(await env('prod')).toEqual({ AUTH_MODE: 'jwt', JWT_ISSUER: 'https://prod.example' });
      expect(await env('prod', { jwtIssuer: 'https://other.example' })).toEqual({
        AUTH_MODE: 'jwt',
        JWT_ISSUER: 'https://other.example',
      });
      expect(await env('dev', { authMode: 'jwt' })).toEqual({ AUTH_MODE: 'jwt', JWT_ISSUER: '' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('npm start reads them from LOCAL_PARAM_<name>, case preserved', () => {
    expect(localOptionsFromEnv({}).params).toEqual({});
    expect(
      localOptionsFromEnv({
        LOCAL_PARAM_authMode: 'jwt',
        LOCAL_PARAM_jwtIssuer: 'https://i',
        LOCAL_PARAM_: 'ignored',
        OTHER: 'x',
      }).params,
    ).toEqual({ authMode: 'jwt', jwtIssuer: 'https://i' });
  });
});
