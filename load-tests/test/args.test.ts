import { describe, expect, it } from 'vitest';
import { ArgsError } from '../src/arg-values.js';
import { parseCliArgs, scenarioWarnings } from '../src/args.js';

const parseError = (argv: string[]): string => {
  try {
    parseCliArgs(argv, 4);
  } catch (error) {
    expect(error).toBeInstanceOf(ArgsError);
    return (error as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
};

describe('parseCliArgs', () => {
  it('applies defaults for a local target: baseline on, source IPs spread, one core left to the server', () => {
    // Act
    const o = parseCliArgs(['--url', 'ws://localhost:3001'], 4);
    // Assess
    expect(o.url).toBe('ws://localhost:3001/');
    expect(o.baseline).toBe(true);
    expect(o.scenario).toMatchObject({
      connections: 100,
      rooms: 1,
      senders: 1,
      messagesPerSender: 10,
      warmupMessages: 0,
      ratePerSender: 1,
      rampPerSecond: 50,
      textSize: 64,
      connectTimeoutMs: 10_000,
      drainTimeoutMs: 10_000,
      workers: 3,
    });
    expect(o.scenario.sourceIps).toBe(process.platform === 'linux' ? 8 : 1);
  });

  it('uses every core, no baseline and no source-address spreading for a remote target', () => {
    const o = parseCliArgs(['--url', 'wss://abc.execute-api.eu-west-1.amazonaws.com/dev', '--token', 'jwt'], 4);
    expect(o.baseline).toBe(false);
    expect(o.scenario.workers).toBe(4);
    expect(o.scenario.sourceIps).toBe(0);
    expect(o.scenario.tokens).toEqual(['jwt']);
  });

  it('reads every option', () => {
    const o = parseCliArgs(
      [
        '--url',
        'ws://127.0.0.1:9',
        '-c',
        '50',
        '-r',
        '5',
        '-s',
        '10',
        '-m',
        '3',
        '--warmup',
        '4',
        '--rate',
        '2.5',
        '--ramp',
        '100',
        '--size',
        '4000',
        '--connect-timeout',
        '3',
        '--drain',
        '1.5',
        '--workers',
        '2',
        '--source-ips',
        '4',
        '--no-baseline',
        '--json',
        'r.json',
        '--html',
        'r.html',
        '-q',
        '--name-prefix',
        'bot',
        '--room-prefix',
        'bench',
      ],
      4,
    );
    expect(o).toMatchObject({ baseline: false, jsonFile: 'r.json', htmlFile: 'r.html', quiet: true });
    expect(o.scenario).toMatchObject({
      connections: 50,
      rooms: 5,
      senders: 10,
      messagesPerSender: 3,
      warmupMessages: 4,
      ratePerSender: 2.5,
      rampPerSecond: 100,
      textSize: 4000,
      connectTimeoutMs: 3000,
      drainTimeoutMs: 1500,
      workers: 2,
      sourceIps: 4,
      namePrefix: 'bot',
      roomPrefix: 'bench',
    });
  });

  it('does not bind IPv4 source addresses for an IPv6 loopback target', () => {
    const o = parseCliArgs(['--url', 'ws://[::1]:3001'], 4);
    expect(o.baseline).toBe(true);
    expect(o.scenario.sourceIps).toBe(0);
  });

  it('allows --baseline alone', () => {
    const o = parseCliArgs(['--baseline'], 4);
    expect(o.url).toBeUndefined();
    expect(o.baseline).toBe(true);
  });

  it.each([
    [[], /--url is required/],
    [['--url', 'http://localhost:3001'], /ws:\/\/ or wss:\/\//],
    [['--url', 'not a url'], /not a URL/],
    [['--url', 'ws://x', '--connections', 'ten'], /--connections must be a whole number/],
    [['--url', 'ws://x', '--connections', '0'], /--connections must be between 1/],
    [['--url', 'ws://x', '-c', '5', '--rooms', '6'], /--rooms \(6\) cannot exceed --connections \(5\)/],
    [['--url', 'ws://x', '-c', '5', '--senders', '6'], /--senders \(6\) cannot exceed/],
    [['--url', 'ws://x', '--rate', '0'], /--rate must be a positive number/],
    [['--url', 'ws://x', '--warmup', '1001'], /--warmup must be between 0 and 1000/],
    [['--url', 'ws://x', '--rate=-1'], /--rate must be a positive number/],
    [['--url', 'ws://x', '--size', '4001'], /--size must be between 1 and 4000/],
    [['--url', 'ws://x', '--bogus'], /Unknown option '--bogus'/],
    [['--url', 'ws://x', 'stray'], /positional/i],
    [['--url', 'ws://x', '--baseline', '--no-baseline'], /contradict/],
    [['--url', 'ws://x', '--room-prefix', 'has space'], /--room-prefix must match/],
    [['--url', 'ws://x', '--token', ' '], /--token must not be empty/],
    [['--url'], /argument missing|requires/i],
    [['--url', 'wss://api.example.com', '--server-pid', '42'], /--server-pid needs a local --url/],
    [['--baseline', '--server-pid', '42'], /--server-pid needs a local --url/],
    [['--url', 'ws://127.0.0.1:3001', '--server-pid', 'abc'], /--server-pid must be a whole number/],
    [['--url', 'ws://127.0.0.1:3001', '--server-pid', '0'], /--server-pid must be between 1 and/],
  ])('refuses %j', (argv, message) => {
    expect(parseError(argv)).toMatch(message);
  });

  it('takes --server-pid for a local target on Linux only', () => {
    expect(parseCliArgs(['--url', 'ws://127.0.0.1:3001', '--server-pid', '4242'], 2, 'linux').serverPid).toBe(4242);
    expect(parseCliArgs(['--url', 'ws://127.0.0.1:3001'], 2, 'linux').serverPid).toBeUndefined();
    expect(() => parseCliArgs(['--url', 'ws://127.0.0.1:3001', '--server-pid', '4242'], 2, 'darwin')).toThrow(
      /needs Linux/,
    );
  });

  it('warns when the ramp exceeds API Gateway new-connection rate for a remote target', () => {
    expect(scenarioWarnings(parseCliArgs(['--url', 'wss://api.example.com', '--ramp', '800'], 2))[0]).toMatch(
      /500 new connections/,
    );
    expect(scenarioWarnings(parseCliArgs(['--url', 'ws://127.0.0.1:1', '--ramp', '800'], 2))).toEqual([]);
  });
});
