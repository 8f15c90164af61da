import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Data): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** node:crypto in the shape SignatureV4 expects. */
class Sha256 {
  private hash;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

export interface ReferenceRequest {
  method: string;
  /** `hostname` or `hostname:port`. */
  host: string;
  /** As sent, already URI-encoded. */
  path: string;
  /** Every header to sign, host included or not. */
  headers: Record<string, string>;
  body: string | Buffer;
}

/**
 * The headers the SDK's own signer (@smithy/signature-v4) adds to a request, the reference the hand-rolled
 * signer is checked against. applyChecksum off: execute-api does not need x-amz-content-sha256 sent (the
 * payload hash is signed either way).
 */
export async function referenceHeaders(
  request: ReferenceRequest,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  scope: { region: string; service: string },
  signingDate: Date,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ ...scope, credentials, sha256: Sha256, applyChecksum: false });
  const [hostname, port] = request.host.split(':');
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: hostname!,
      port: port === undefined ? undefined : Number(port),
      path: request.path,
      query: {},
      headers: { ...request.headers, host: request.host },
      body: request.body,
    },
    { signingDate },
  );
  return signed.headers;
}

/** The date of an x-amz-date value (YYYYMMDDTHHMMSSZ). */
export function amzDateToDate(value: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) throw new Error(`not an x-amz-date: ${value}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}
