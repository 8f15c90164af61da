import { describe, expect, it } from 'vitest';
import {
  escapeUri,
  sha256Hex,
  SigV4Signer,
  type SignableRequest,
  type SigningCredentials,
} from '../../src/adapters/apigw/sigv4.js';
import { referenceHeaders } from '../support/reference-signer.js';

/** The credentials and clock of AWS's published SigV4 test suite (aws-sig-v4-test-suite). */
const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  now: Date.UTC(2015, 7, 30, 12, 36, 0),
};
const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The headers appendHeaders adds, as an object to compare. */
function sign(
  signer: SigV4Signer,
  request: SignableRequest,
  credentials: SigningCredentials,
  now: number,
): Record<string, string> {
  const pairs: Array<string | number> = [];
  signer.appendHeaders(pairs, request, credentials, now);
  const headers: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i += 2) headers[String(pairs[i])] = String(pairs[i + 1]);
  return headers;
}

/** The SDK's own signer, for the same request. */
function sdkAuthorization(
  request: SignableRequest,
  body: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
  service: string,
  now: number,
): Promise<Record<string, string>> {
  return referenceHeaders(
    { method: request.method, host: request.host, path: request.path, headers: { ...request.headers }, body },
    credentials,
    { region, service },
    new Date(now),
  );
}

describe('SigV4Signer', () => {
  it.each([
    ['get-vanilla', 'GET', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    ['post-vanilla', 'POST', '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'],
  ])('signs the AWS test suite request %s to its published signature', (_name, method, signature) => {
    const signer = new SigV4Signer('us-east-1', 'service');

    const headers = sign(
      signer,
      { method, host: 'example.amazonaws.com', path: '/', headers: {}, payloadHash: EMPTY_HASH },
      SUITE.credentials,
      SUITE.now,
    );

    expect(headers).toEqual({
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        `SignedHeaders=host;x-amz-date, Signature=${signature}`,
    });
  });

  it.each([
    ['static credentials', undefined, 'abc123=', 'abc-123.execute-api.eu-west-1.amazonaws.com', '/prod'],
    ['session credentials', 'IQoJb3JpZ2luX2VjE//token+with=specials', 'L0SM9cOFvHcCIhw=', 'chat.example.com', ''],
    ['odd id characters', 'token', "a!'()*~ b/é", '127.0.0.1:3001', '/dev'],
  ])(
    'signs a PostToConnection with %s exactly as @smithy/signature-v4 does',
    async (_name, sessionToken, connectionId, host, stage) => {
      const body = '{"type":"message","text":"héllo 👋🏽"}';
      const credentials = { accessKeyId: 'AKIDPOST', secretAccessKey: 'secret/+key', sessionToken };
      const request: SignableRequest = {
        method: 'POST',
        host,
        path: `${stage}/@connections/${escapeUri(connectionId)}`,
        headers: { 'content-type': 'application/octet-stream' },
        payloadHash: sha256Hex(Buffer.from(body, 'utf8')),
      };
      const now = Date.UTC(2026, 11, 4, 23, 59, 59, 999);

      const ours = sign(new SigV4Signer('eu-west-1', 'execute-api'), request, credentials, now);
      const sdk = await sdkAuthorization(request, body, credentials, 'eu-west-1', 'execute-api', now);

      expect(ours.authorization).toBe(sdk.authorization);
      expect(ours['x-amz-date']).toBe(sdk['x-amz-date']);
      expect(ours['x-amz-security-token']).toBe(sdk['x-amz-security-token']);
    },
  );

  it('derives a new signing key when the day or the secret changes, and reuses it otherwise', async () => {
    const signer = new SigV4Signer('us-east-1', 'execute-api');
    const request: SignableRequest = {
      method: 'POST',
      host: 'h.example.com',
      path: '/@connections/x',
      headers: {},
      payloadHash: EMPTY_HASH,
    };
    const day1 = Date.UTC(2026, 0, 1, 23, 59, 59);
    const day2 = day1 + 1000;
    const a = { accessKeyId: 'A', secretAccessKey: 'one' };
    const b = { accessKeyId: 'A', secretAccessKey: 'two' };

    for (const [credentials, now] of [
      [a, day1],
      [a, day1],
      [a, day2],
      [b, day2],
      [a, day2],
    ] as const) {
      const ours = sign(signer, request, credentials, now);
      const sdk = await sdkAuthorization(request, '', credentials, 'us-east-1', 'execute-api', now);
      expect(ours.authorization).toBe(sdk.authorization);
    }
  });
});
