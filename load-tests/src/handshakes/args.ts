import { ArgsError, prefixArg, strictArgs, wholeNumber } from '../arg-values.js';
import { canSpreadSourceIps, isLoopbackUrl } from '../generator/target.js';
import { tokensFromArgs } from '../generator/tokens.js';
import type { HandshakeOptions } from './run.js';

export const HANDSHAKES_USAGE = `Usage: npm run handshakes -w load-tests -- --url ws(s)://host[:port][/stage] [options]

Opens connections on a fixed schedule and times each WebSocket handshake (authorizer and $connect), with no joins
and no messages, holding every socket open until the last has its answer. The target kept up when
every handshake opened and it accepted them, from the first open to the last, at 95% of the offered rate or more.
Exit 1 when it did not, 2 for bad arguments.

  --url URL               target WebSocket API
  -c, --connections N     connections to open (default 1000)
  --rate N                new connections per second (default 200; API Gateway allows 500 per account and region)
  --token JWT             connect with ?token= (JWT mode) instead of ?name= (guest mode)
  --tokens FILE           JWT mode with one token per line; connection i uses token i mod n
  --name-prefix S         guest name prefix (default "hs")
  --connect-timeout S     seconds to wait for each handshake (default 10)
  --source-ips N          local targets: spread sockets over 127.0.0.1..N (default 8 on Linux, else 1)
  --server-pid PID        local targets on Linux: report the CPU of process PID (all threads) per handshake
  --json FILE             write the result as JSON
  -h, --help              this text`;

export interface HandshakeCli {
  options: HandshakeOptions;
  serverPid: number | undefined;
  json: string | undefined;
  help: boolean;
}

/** Parses argv (without node and script). Throws ArgsError with a message fit for a human. */
export function parseHandshakeArgs(argv: string[], platform: NodeJS.Platform = process.platform): HandshakeCli {
  const { values: v } = strictArgs(argv, {
    url: { type: 'string' },
    connections: { type: 'string', short: 'c' },
    rate: { type: 'string' },
    token: { type: 'string' },
    tokens: { type: 'string' },
    'name-prefix': { type: 'string' },
    'connect-timeout': { type: 'string' },
    'source-ips': { type: 'string' },
    'server-pid': { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const help = v.help === true;
  const url = v.url ?? (help ? 'ws://127.0.0.1:3001' : undefined);
  if (url === undefined) throw new ArgsError('--url is required');
  if (!/^wss?:\/\//.test(url) || !URL.canParse(url))
    throw new ArgsError(`--url must be a ws:// or wss:// URL, got "${url}"`);
  const tokens = tokensFromArgs(v.token, v.tokens);
  const prefix = prefixArg('name-prefix', v['name-prefix'], 'hs');
  const serverPid =
    v['server-pid'] === undefined ? undefined : wholeNumber('server-pid', v['server-pid'], 0, 1, 2 ** 22);
  if (serverPid !== undefined && (!isLoopbackUrl(url) || platform !== 'linux'))
    throw new ArgsError('--server-pid needs a local --url on Linux (/proc/<pid>/stat)');
  return {
    help,
    json: v.json,
    serverPid,
    options: {
      url,
      connections: wholeNumber('connections', v.connections, 1_000, 1, 1_000_000),
      ratePerSecond: wholeNumber('rate', v.rate, 200, 1, 100_000),
      connectTimeoutMs: wholeNumber('connect-timeout', v['connect-timeout'], 10, 1, 3_600) * 1_000,
      namePrefix: prefix,
      sourceIps: canSpreadSourceIps(url)
        ? wholeNumber('source-ips', v['source-ips'], platform === 'linux' ? 8 : 1, 1, 254)
        : 0,
      ...(tokens !== undefined ? { tokens } : {}),
    },
  };
}
