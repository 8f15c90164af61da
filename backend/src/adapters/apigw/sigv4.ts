import { createHmac, hash } from 'node:crypto';

/** What signing needs of an AWS identity (the shape the SDK's credential providers resolve to). */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** A request to sign: `path` exactly as sent (already URI-encoded), header names lower case, no query string. */
export interface SignableRequest {
  method: string;
  /** The Host header as sent: `hostname` or `hostname:port` when the port is not the scheme's default. */
  host: string;
  path: string;
  /** Signed besides host, x-amz-date and x-amz-security-token. */
  headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body (see sha256Hex). */
  payloadHash: string;
}

/** One-shot SHA-256 (node:crypto `hash`): no Hash object to build and collect per call. */
export const sha256Hex = (data: string | Buffer): string => hash('sha256', data, 'hex');

/** Length of a hex SHA-256, the part of a string to sign that changes from request to request. */
const HEX_SHA256_LENGTH = 64;

/**
 * HMAC-SHA256 under one fixed key (RFC 2104: two hashes over the key's inner and outer pads) from one-shot hashes
 * over buffers laid out once: createHmac's native object per call, or a Buffer allocated per call, costs more than
 * the hashing itself when a fan-out signs every post.
 */
class FixedKeyHmac {
  private readonly innerPad = Buffer.alloc(64, 0x36);
  /** The outer pad, then the inner digest. */
  private readonly outer = Buffer.alloc(64 + 32, 0x5c);

  constructor(key: Buffer) {
    for (let i = 0; i < key.length; i += 1) {
      this.innerPad[i] = key[i]! ^ 0x36;
      this.outer[i] = key[i]! ^ 0x5c;
    }
  }

  /** HMACs (as hex) of `prefix` followed by a hex SHA-256, the prefix written into the inner block once. */
  withPrefix(prefix: string): (hexSha256: string) => string {
    const prefixLength = Buffer.byteLength(prefix);
    const inner = Buffer.alloc(64 + prefixLength + HEX_SHA256_LENGTH);
    this.innerPad.copy(inner);
    inner.write(prefix, 64, 'utf8');
    return (hexSha256) => {
      inner.write(hexSha256, 64 + prefixLength, 'latin1');
      hash('sha256', inner, 'buffer').copy(this.outer, 64);
      return hash('sha256', this.outer, 'hex');
    };
  }
}

/** RFC 3986 encoding, as AWS specifies it for SigV4 (encodeURIComponent leaves !'()* alone). */
export const escapeUri = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Services other than S3 sign the path encoded once more than it is sent. Callers build their paths without
 * empty, "." or ".." segments, so no normalization is needed.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request
 */
const canonicalPath = (path: string): string => escapeUri(path).replace(/%2F/g, '/');

/** What every request signed in one second with one identity, host and header set shares. */
interface SigningContext {
  second: number;
  credentials: SigningCredentials;
  host: string;
  headers: Readonly<Record<string, string>>;
  /** What follows the canonical path in a canonical request, up to the payload hash. */
  canonicalTail: string;
  authorizationPrefix: string;
  /** x-amz-date and any x-amz-security-token, as name/value pairs. */
  added: string[];
  /** The signature of a canonical request, from its hash: the HMAC of the string to sign. */
  signatureOf: (canonicalRequestHash: string) => string;
}

/**
 * AWS Signature Version 4 for one region and service, in the header form. The signing key depends only on the
 * secret, the day, the region and the service, and the canonical headers only on the second, the identity and the
 * host, so a fan-out's posts share them: a request then costs one SHA-256 of its canonical request and one HMAC.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export class SigV4Signer {
  private key: { secret: string; day: string; hmac: FixedKeyHmac } | undefined;
  private context: SigningContext | undefined;

  constructor(
    readonly region: string,
    readonly service: string,
  ) {}

  /**
   * Appends the headers `request` needs, x-amz-date, x-amz-security-token for session credentials and authorization,
   * to `pairs` as name/value pairs: node:http's raw header form, with no object between. Pass the same `headers`
   * object for every request: the shared part is kept while it is the same object.
   */
  appendHeaders(
    pairs: Array<string | number>,
    request: SignableRequest,
    credentials: SigningCredentials,
    now = Date.now(),
  ): void {
    const context = this.contextFor(request, credentials, Math.floor(now / 1000));
    const canonicalRequest =
      request.method + '\n' + canonicalPath(request.path) + context.canonicalTail + request.payloadHash;
    for (const part of context.added) pairs.push(part);
    pairs.push('authorization', context.authorizationPrefix + context.signatureOf(sha256Hex(canonicalRequest)));
  }

  private contextFor(request: SignableRequest, credentials: SigningCredentials, second: number): SigningContext {
    const cached = this.context;
    if (
      cached !== undefined &&
      cached.second === second &&
      cached.credentials === credentials &&
      cached.host === request.host &&
      cached.headers === request.headers
    )
      return cached;
    const amzDate = new Date(second * 1000).toISOString().replace(/[-:]|\.\d{3}/g, '');
    const day = amzDate.slice(0, 8);
    const added: Record<string, string> = { 'x-amz-date': amzDate };
    if (credentials.sessionToken) added['x-amz-security-token'] = credentials.sessionToken;
    const signed: Record<string, string> = { ...request.headers, host: request.host, ...added };
    const names = Object.keys(signed).sort();
    const signedHeaders = names.join(';');
    const canonicalHeaders = names.map((name) => `${name}:${signed[name]!.trim()}\n`).join('');
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    this.context = {
      second,
      credentials,
      host: request.host,
      headers: request.headers,
      canonicalTail: `\n\n${canonicalHeaders}\n${signedHeaders}\n`,
      authorizationPrefix: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=`,
      added: Object.entries(added).flat(),
      signatureOf: this.signingKey(credentials.secretAccessKey, day).withPrefix(
        `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n`,
      ),
    };
    return this.context;
  }

  /** kSigning = HMAC chain over day, region, service; kept until the day or the secret changes. */
  private signingKey(secret: string, day: string): FixedKeyHmac {
    const cached = this.key;
    if (cached !== undefined && cached.secret === secret && cached.day === day) return cached.hmac;
    let value = createHmac('sha256', `AWS4${secret}`).update(day).digest();
    for (const part of [this.region, this.service, 'aws4_request'])
      value = createHmac('sha256', value).update(part).digest();
    this.key = { secret, day, hmac: new FixedKeyHmac(value) };
    return this.key.hmac;
  }
}
