import { isIPv4, isIPv6 } from 'node:net';
import type { LocalOptions } from './options.js';
import { describeSimulation } from './simulation-flags.js';
import type { LocalStack } from './stack.js';

/** What `npm start` prints once the stack serves: where everything is, and what is not as safe as it looks. */

/**
 * True for addresses only this machine can reach: 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`. Any other
 * name or address, 0.0.0.0 and :: included, may be reachable from the network.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (!isIPv6(bare)) return false;
  // The URL parser writes IPv6 in one canonical form, so ::1, 0:0::1 and ::ffff:127.0.0.1 each have one spelling.
  const canonical = new URL(`http://[${bare}]/`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/**
 * The local APIs check no SigV4 signature and no IAM policy, so binding them beyond loopback hands them to the
 * network. Undefined when the host is loopback.
 */
export function exposureWarning(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  return [
    `WARNING: LOCAL_HOST=${host} is not a loopback address. These endpoints are unauthenticated (no SigV4, no IAM)`,
    'and anyone on that network can reach them:',
    '  - the @connections management API: post to, read and close any connection;',
    '  - the Lambda Invoke API: run any function with any payload;',
    '  - the DynamoDB endpoint: read and write every table.',
    'Use LOCAL_HOST=127.0.0.1 (the default) unless you mean to expose them.',
  ].join('\n');
}

export function describeData(dataDir: string | undefined): string {
  return dataDir === undefined
    ? 'in memory, lost on exit (--in-memory / LOCAL_IN_MEMORY=1)'
    : `${dataDir} (kept across restarts; --reset wipes it, --in-memory keeps nothing)`;
}

type BannerStack = Pick<LocalStack, 'wsUrl' | 'managementUrl' | 'dynamoEndpoint' | 'dataDir' | 'asyncInvocations'> &
  Partial<Pick<LocalStack, 'oidc'>>;
type BannerOptions = Pick<LocalOptions, 'host' | 'params' | 'simulation' | 'serverlessFile' | 'stage'>;

/** The banner lines; the last one ends with "Ctrl-C to stop." (tests and the load-test bench wait for it). */
export function bannerLines(stack: BannerStack, options: BannerOptions): string[] {
  const { workers, concurrencyPerWorker } = stack.asyncInvocations;
  const events =
    workers === 0
      ? 'in-process'
      : `up to ${workers} worker threads x ${concurrencyPerWorker} at once (started on first use)`;
  const lines = [
    `WebSocket API:   ${stack.wsUrl}/${stack.oidc || options.params.authMode === 'jwt' ? '?token=<JWT>' : '?name=alice'}`,
    `Management API:  ${stack.managementUrl}/@connections/{connectionId}`,
    `Lambda Invoke:   ${stack.managementUrl}/2015-03-31/functions/{name}/invocations`,
    `DynamoDB:        ${stack.dynamoEndpoint}`,
    `Data:            ${describeData(stack.dataDir)}`,
    `Event invokes:   ${events}`,
    `AWS simulation:  ${describeSimulation(options.simulation)}`,
  ];
  if (stack.oidc) {
    lines.push(
      `OIDC issuer:     ${stack.oidc.issuer} (client id ${stack.oidc.clientId}; code + PKCE, refresh)`,
      '                 signs in ANYONE as the name in login_hint: for trying sign-in locally, never an identity provider',
    );
  }
  const warning = exposureWarning(options.host);
  if (warning !== undefined) lines.push(warning);
  lines.push(`Routes from ${options.serverlessFile} (stage ${options.stage}). Ctrl-C to stop.`);
  return lines;
}
