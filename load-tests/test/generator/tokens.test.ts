import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ArgsError, optionsOrExit } from '../../src/arg-values.js';
import { parseCliArgs, USAGE } from '../../src/args.js';
import { runScenario } from '../../src/generator/generator.js';
import { guestName } from '../../src/generator/plan.js';
import { connectionUrl } from '../../src/generator/target.js';
import { tokenFor } from '../../src/generator/tokens.js';

const A = 'aaa.bbb.ccc';
const B = 'ddd.eee.fff';
const C = 'ggg.hhh.iii';

let dir: string;
const file = async (name: string, text: string): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};
const parse = (...extra: string[]) => parseCliArgs(['--url', 'wss://api.example.com/dev', ...extra], 4);
const refusal = (...extra: string[]): string => {
  try {
    parse(...extra);
  } catch (error) {
    expect(error).toBeInstanceOf(ArgsError);
    return (error as Error).message;
  }
  throw new Error(`expected ${extra.join(' ')} to be refused`);
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'load-test-tokens-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

describe('--tokens FILE', () => {
  it('reads one JWT per line, skipping blank lines and CRLF endings', async () => {
    const path = await file('ok.txt', `${A}\r\n\n  ${B}  \r\n${C}\n`);
    expect(parse('--tokens', path).scenario.tokens).toEqual([A, B, C]);
  });

  it('is a usage error (exit 2) for a missing file, an empty file, a line that is not a JWT, or with --token', async () => {
    expect(refusal('--tokens', join(dir, 'missing.txt'))).toMatch(
      /--tokens: cannot read ".*missing\.txt" \(no such file\)/,
    );
    expect(refusal('--tokens', await file('empty.txt', '\n  \n'))).toMatch(/--tokens: ".*empty\.txt" holds no token/);
    const bad = refusal('--tokens', await file('bad.txt', `${A}\nnot-a-jwt secret\n`));
    expect(bad).toMatch(/--tokens: line 2 of ".*bad\.txt" is not a JWT/);
    expect(bad).not.toContain('secret'); // a token is a credential: never echoed
    expect(refusal('--tokens', await file('one.txt', A), '--token', B)).toMatch(/--token and --tokens contradict/);

    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(optionsOrExit('load-test', USAGE, () => parse('--tokens', join(dir, 'missing.txt')))).toBe(2);
    expect(stderr).toHaveBeenCalledWith(expect.stringMatching(/^load-test: --tokens: cannot read/));
  });

  it('gives connection i token i mod n, and guest names without tokens', () => {
    const urls = [0, 1, 2, 3, 4].map((i) =>
      connectionUrl('wss://h/dev', { name: guestName('lt', i), token: tokenFor([A, B, C], i) }),
    );
    expect(urls.map((u) => new URL(u).searchParams.get('token'))).toEqual([A, B, C, A, B]);
    expect(urls.every((u) => !new URL(u).searchParams.has('name'))).toBe(true);
    expect(
      new URL(connectionUrl('wss://h/dev', { name: 'lt-3', token: tokenFor(undefined, 3) })).searchParams.get('name'),
    ).toBe('lt-3');
  });
});

describe('the URLs the generator opens with --tokens', () => {
  let server: Server;
  const seen: string[] = [];
  beforeAll(async () => {
    // Records each handshake's URL and refuses it as a JWT authorizer would a bad token: the test is about URLs.
    server = createServer();
    server.on('upgrade', (request, socket) => {
      seen.push(request.url ?? '');
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects each of 5 clients over 2 workers with its own token, reusing 3 tokens round-robin', async () => {
    // Prepare
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const tokens = await file('three.txt', `${A}\n${B}\n${C}\n`);
    const { scenario } = parseCliArgs(
      [
        '--url',
        url,
        '-c',
        '5',
        '-m',
        '1',
        '--rate',
        '100',
        '--workers',
        '2',
        '--source-ips',
        '1',
        '--connect-timeout',
        '2',
        '--drain',
        '1',
        '--no-baseline',
        '--tokens',
        tokens,
      ],
      4,
    );
    // Act
    const result = await runScenario(url, scenario);
    // Assess
    expect(result.connections).toMatchObject({ attempted: 5, failed: 5 });
    const used = seen.map((u) => new URL(u, url).searchParams.get('token')).sort();
    expect(used).toEqual([A, A, B, B, C]);
    expect(seen.every((u) => !new URL(u, url).searchParams.has('name'))).toBe(true);
  });
});
