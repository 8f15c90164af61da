import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bannerLines, exposureWarning, isLoopbackHost } from '../../src/local/banner.js';
import { UsageError } from '../../src/local/cli-args.js';
import { DEFAULT_DATA_DIR } from '../../src/local/local-data.js';
import { localOptionsFromEnv } from '../../src/local/options.js';

describe('isLoopbackHost', () => {
  const loopback = [
    '127.0.0.1',
    '127.1.2.3',
    'localhost',
    'LOCALHOST',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
  ];
  it.each(loopback)('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    '0.0.0.0',
    '::',
    '192.168.1.20',
    '10.0.0.1',
    '::ffff:10.0.0.1',
    'fe80::1',
    'my-laptop.local',
    '128.0.0.1',
    '127.0.0.1.nip.io',
  ])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('the banner', () => {
  const stack = {
    wsUrl: 'ws://127.0.0.1:3001',
    managementUrl: 'http://127.0.0.1:3001',
    dynamoEndpoint: 'http://127.0.0.1:8000',
    dataDir: '/repo/.local-data',
    asyncInvocations: { workers: 2, concurrencyPerWorker: 4 },
  };
  const options = (host: string) => ({
    host,
    params: {},
    simulation: {},
    serverlessFile: '/repo/serverless.yml',
    stage: 'local',
  });

  it('says where the data lives, or that it is in memory', () => {
    expect(bannerLines(stack, options('127.0.0.1'))).toContain(
      'Data:            /repo/.local-data (kept across restarts; --reset wipes it, --in-memory keeps nothing)',
    );
    expect(bannerLines({ ...stack, dataDir: undefined }, options('127.0.0.1'))).toContain(
      'Data:            in memory, lost on exit (--in-memory / LOCAL_IN_MEMORY=1)',
    );
  });

  it('warns, before its last line, that a non-loopback bind exposes the unauthenticated APIs', () => {
    expect(exposureWarning('127.0.0.1')).toBeUndefined();
    const lines = bannerLines({ ...stack, wsUrl: 'ws://127.0.0.1:3001' }, options('0.0.0.0'));
    const warning = lines.at(-2)!;
    expect(warning).toMatch(/^WARNING: LOCAL_HOST=0\.0\.0\.0 is not a loopback address/);
    expect(warning).toMatch(/unauthenticated \(no SigV4, no IAM\)\nand anyone on that network can reach them/);
    expect(warning).toContain('@connections management API');
    expect(warning).toContain('Lambda Invoke API');
    expect(warning).toContain('DynamoDB endpoint');
    expect(lines.at(-1)).toMatch(/Ctrl-C to stop\.$/);
    expect(bannerLines(stack, options('localhost')).join('\n')).not.toContain('WARNING');
  });
});

describe('where npm start keeps its data', () => {
  const storage = (env: Record<string, string>, argv: string[] = []) => {
    const { dataDir, resetData } = localOptionsFromEnv(env, argv);
    return { dataDir, resetData };
  };

  it('is <repo>/.local-data by default, LOCAL_DATA_DIR or --data-dir (relative to where npm start was typed)', () => {
    expect(storage({})).toEqual({ dataDir: DEFAULT_DATA_DIR, resetData: false });
    expect(storage({ LOCAL_DATA_DIR: '/var/chat' })).toEqual({ dataDir: '/var/chat', resetData: false });
    expect(
      storage({ INIT_CWD: '/home/me/repo', LOCAL_DATA_DIR: '/var/chat' }, ['--data-dir', 'mine', '--reset']),
    ).toEqual({
      dataDir: path.resolve('/home/me/repo', 'mine'),
      resetData: true,
    });
  });

  it('is nowhere with --in-memory or LOCAL_IN_MEMORY=1, which --data-dir overrides', () => {
    expect(storage({}, ['--in-memory']).dataDir).toBeUndefined();
    expect(storage({ LOCAL_IN_MEMORY: '1', LOCAL_DATA_DIR: '/var/chat' }).dataDir).toBeUndefined();
    expect(storage({ LOCAL_IN_MEMORY: 'true' }).dataDir).toBeUndefined();
    expect(storage({ LOCAL_IN_MEMORY: '0' }).dataDir).toBe(DEFAULT_DATA_DIR);
    expect(storage({ LOCAL_IN_MEMORY: '1' }, ['--data-dir=/tmp/x']).dataDir).toBe('/tmp/x');
  });

  it.each([
    [{}, ['--in-memory', '--data-dir', '/tmp/x'], /exclude each other/],
    [{}, ['--in-memory', '--reset'], /--reset wipes kept data/],
    [{ LOCAL_IN_MEMORY: '1' }, ['--reset'], /--reset wipes kept data/],
    [{ LOCAL_IN_MEMORY: 'yes' }, [], /LOCAL_IN_MEMORY must be 1 or 0/],
    [{}, ['--data-dir'], /--data-dir needs a value/],
    [{}, ['--reset=now'], /unknown argument "--reset=now"/],
  ])('refuses %j %j', (env, argv, message) => {
    expect(() => localOptionsFromEnv(env, argv)).toThrow(UsageError);
    expect(() => localOptionsFromEnv(env, argv)).toThrow(message);
  });
});
