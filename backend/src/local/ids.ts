import { createHash, randomInt, randomUUID } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A 16-character id shaped like API Gateway's connectionId / requestId / messageId (e.g. "L0SM9cOFvHcCIhw="),
 * so code that stores, logs or URL-encodes ids sees realistic values. AWS does not document the format; it is
 * opaque, and handlers must treat it so.
 */
export function awsStyleId(): string {
  let id = '';
  for (let i = 0; i < 15; i += 1) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return `${id}=`;
}

/** Lambda's context.awsRequestId is a UUID. */
export function lambdaRequestId(): string {
  return randomUUID();
}

/** X-Amzn-Trace-Id as API Gateway adds it to $connect headers: Root=1-<epoch hex>-<24 hex>. */
export function traceId(now: number): string {
  const epoch = Math.floor(now / 1000).toString(16);
  return `Root=1-${epoch}-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/** A stable 10-character lowercase api id (AWS style, e.g. "a1b2c3d4e5") so ARNs and domain names look real. */
export function apiIdFor(service: string, stage: string): string {
  const digest = createHash('sha256').update(`${service}/${stage}`).digest();
  let id = '';
  for (let i = 0; i < 10; i += 1) id += '0123456789abcdefghijklmnopqrstuvwxyz'[digest[i]! % 36];
  return id;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** requestContext.requestTime uses the CLF format, always UTC: "25/Nov/2026:08:38:00 +0000". */
export function requestTimeOf(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}
