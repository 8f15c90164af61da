import { describe, expect, it } from 'vitest';
import { ArgsError } from '../../src/arg-values.js';
import { parseHandshakeArgs } from '../../src/handshakes/args.js';

describe('handshakes arguments', () => {
  it('defaults to 1,000 guest handshakes at 200/s, spread over 8 loopback sources on Linux', () => {
    const { options, serverPid, json, help } = parseHandshakeArgs(['--url', 'ws://127.0.0.1:3001'], 'linux');
    expect(options).toEqual({
      url: 'ws://127.0.0.1:3001',
      connections: 1_000,
      ratePerSecond: 200,
      connectTimeoutMs: 10_000,
      namePrefix: 'hs',
      sourceIps: 8,
    });
    expect({ serverPid, json, help }).toEqual({ serverPid: undefined, json: undefined, help: false });
  });

  it('takes a JWT, a rate, a count and a server pid', () => {
    const { options, serverPid } = parseHandshakeArgs(
      ['--url', 'ws://localhost:3001', '-c', '50', '--rate', '400', '--token', 'a.b.c', '--server-pid', '42'],
      'linux',
    );
    expect(options).toMatchObject({ connections: 50, ratePerSecond: 400, tokens: ['a.b.c'] });
    expect(serverPid).toBe(42);
  });

  it('never spreads sources for a remote target', () => {
    expect(parseHandshakeArgs(['--url', 'wss://chat.example.com/prod'], 'linux').options.sourceIps).toBe(0);
  });

  it.each([
    [[], '--url is required'],
    [['--url', 'http://127.0.0.1:3001'], 'ws:// or wss://'],
    [['--url', 'ws://127.0.0.1:3001', '--rate', '0'], '--rate must be between 1'],
    [['--url', 'ws://127.0.0.1:3001', '-c', '1e3'], 'whole number'],
    [['--url', 'ws://127.0.0.1:3001', '--token', 'x', '--tokens', 'f'], 'contradict'],
    [['--url', 'ws://127.0.0.1:3001', '--name-prefix', 'a b'], '--name-prefix'],
    [['--url', 'wss://chat.example.com', '--server-pid', '42'], 'local --url'],
    [['--url', 'ws://127.0.0.1:3001', '--joins'], "Unknown option '--joins'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseHandshakeArgs(argv, 'linux')).toThrow(ArgsError);
    expect(() => parseHandshakeArgs(argv, 'linux')).toThrow(message);
  });

  it('refuses --server-pid off Linux', () => {
    expect(() => parseHandshakeArgs(['--url', 'ws://127.0.0.1:1', '--server-pid', '42'], 'darwin')).toThrow(
      'local --url on Linux',
    );
  });
});
