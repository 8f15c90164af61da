import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../support/chat-client.js';
import { refusedStatus, startLocalMain, withTimeout, type LocalMain } from '../local/helpers.js';
import { AUDIENCE, startTestIssuer, type TestIssuer } from './jwks-server.js';

/** `npm start` in JWT mode, configured only through LOCAL_PARAM_* as the README shows. */
let issuer: TestIssuer;
let main: LocalMain | undefined;

beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => {
  if (main && main.child.exitCode === null) main.child.kill('SIGKILL');
  await issuer?.close();
});

describe('npm start with LOCAL_PARAM_* overrides', () => {
  it('serves JWT mode: the banner asks for a token, a name alone is 401, a signed token connects', async () => {
    main = await startLocalMain({
      LOCAL_WS_PORT: '0',
      LOCAL_DYNAMODB_PORT: '0',
      LOCAL_PARAM_authMode: 'jwt',
      LOCAL_PARAM_identitySource: 'route.request.querystring.token',
      LOCAL_PARAM_jwtIssuer: issuer.issuer,
      LOCAL_PARAM_jwtAudience: AUDIENCE,
      LOCAL_PARAM_jwksUri: issuer.jwksUri,
      LOCAL_PARAM_logLevel: 'SILENT',
    });
    const output = main.output();
    const wsUrl = /WebSocket API:\s+(ws:\/\/127\.0\.0\.1:\d+)\/\?token=<JWT>/.exec(output)?.[1];
    expect(wsUrl, output).toBeDefined();

    expect(await refusedStatus(`${wsUrl}/?name=alice`)).toBe(401);
    const client = await ChatClient.open(wsUrl!, `token=${await issuer.sign({ sub: 'started-1', name: 'Sam' })}`);
    expect((await client.join('started')).members).toEqual([{ userId: 'started-1', name: 'Sam' }]);
    await client.close();

    main.child.kill('SIGINT');
    expect(await withTimeout(main.exited, 'exit after SIGINT', 10_000)).toBe(0);
  });
});
