import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authModeOf, configFor, planUpload, stageAndRegion, staleKeys } from '../../src/deploy/web-plan.js';

const outputs = {
  WebSocketUrl: 'wss://abc.execute-api.eu-west-1.amazonaws.com/demo',
  WebBucketName: 'bucket',
  WebDistributionId: 'E123',
  WebUrl: 'https://d111.cloudfront.net/',
};

describe('what npm run deploy uploads', () => {
  let dist: string;
  beforeAll(async () => {
    dist = await mkdtemp(path.join(tmpdir(), 'web-dist-'));
    await mkdir(path.join(dist, 'assets'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html>');
    await writeFile(path.join(dist, 'assets', 'index-Ab12.js'), 'x');
    await writeFile(path.join(dist, 'assets', 'index-Cd34.css'), 'x');
    await writeFile(path.join(dist, 'favicon.svg'), '<svg/>');
    await writeFile(path.join(dist, 'config.json'), '{"wsUrl":"ws://localhost:3001"}');
  });
  afterAll(async () => {
    await rm(dist, { recursive: true, force: true });
  });

  it('uploads the build with its types, hashed assets cached for good, the page and config.json revalidated', async () => {
    const objects = await planUpload(dist, configFor(outputs, 'guest'));
    expect(objects.map((o) => [o.key, o.contentType, o.cacheControl])).toEqual([
      ['assets/index-Ab12.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['assets/index-Cd34.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['favicon.svg', 'image/svg+xml', 'no-cache'],
      ['index.html', 'text/html; charset=utf-8', 'no-cache'],
      ['config.json', 'application/json', 'no-cache'],
    ]);
    // The build's own (local) config.json is replaced by the stage's.
    expect(JSON.parse(objects.at(-1)!.body!)).toEqual({ wsUrl: outputs.WebSocketUrl, authMode: 'guest' });
  });

  it('deletes what the new build dropped, but keeps old hashed assets for pages loaded before the deploy', () => {
    const uploaded = [{ key: 'index.html', contentType: '', cacheControl: '' }];
    expect(staleKeys(['index.html', 'old.txt', 'assets/index-Old1.js'], uploaded)).toEqual(['old.txt']);
  });

  it('gives a cognito stage its issuer, client and domain, and refuses a stage without them', () => {
    const cognito = {
      ...outputs,
      CognitoIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X',
      CognitoClientId: 'client',
      CognitoDomain: 'https://ws-chat-demo-1.auth.eu-west-1.amazoncognito.com',
    };
    expect(configFor(cognito, 'cognito')).toEqual({
      wsUrl: outputs.WebSocketUrl,
      authMode: 'jwt',
      oidc: { authority: cognito.CognitoIssuer, clientId: 'client', domain: cognito.CognitoDomain },
    });
    expect(() => configFor(outputs, 'cognito')).toThrow(/no Cognito outputs/);
  });

  it('reads stage, region and authMode from the osls arguments', () => {
    expect(stageAndRegion(['--stage', 'demo', '--region=eu-west-1'])).toEqual({ stage: 'demo', region: 'eu-west-1' });
    expect(stageAndRegion([])).toEqual({ stage: 'dev', region: 'us-east-1' });
    expect(authModeOf(['--param=authMode=cognito', '--param', 'logLevel=DEBUG'])).toBe('cognito');
    expect(authModeOf(['--param', 'authMode=jwt'])).toBe('jwt');
    expect(authModeOf([])).toBe('guest');
    expect(() => authModeOf(['--param=authMode=open'])).toThrow(/unknown authMode/);
  });
});
