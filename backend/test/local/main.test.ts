import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../support/chat-client.js';
import { startLocalMain, withTimeout, type LocalMain } from './helpers.js';

let main: LocalMain | undefined;

afterAll(() => {
  if (main && main.child.exitCode === null) main.child.kill('SIGKILL');
});

/** Runs main.ts with arguments that must make it exit on its own (bounded), returning code and output. */
async function runToExit(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/main.ts', ...args], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, LOCAL_WS_PORT: '0', LOCAL_DYNAMODB_PORT: '0', LOCAL_IN_MEMORY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    return { code: await withTimeout(exited, `main.ts ${args.join(' ')} to exit`, 20_000), output };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('npm start -w backend (src/local/main.ts)', () => {
  it('prints the URLs from env ports and stops cleanly on SIGINT', async () => {
    main = await startLocalMain({ LOCAL_WS_PORT: '0', LOCAL_DYNAMODB_PORT: '0', LOCAL_STAGE: 'maintest' });
    const output = main.output();
    const wsUrl = /WebSocket API:\s+(ws:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const dynamo = /DynamoDB:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(wsUrl).toBeDefined();
    expect(dynamo).toBeDefined();
    expect(output).toContain('stage maintest');
    expect(output).toMatch(/AWS simulation:\s+off/);
    expect(output).toMatch(/Data:\s+in memory, lost on exit/);
    expect(output).not.toContain('WARNING');
    expect((await fetch(wsUrl!.replace('ws:', 'http:'))).status).toBe(200);

    main.child.kill('SIGINT');
    expect(await withTimeout(main.exited, 'exit after SIGINT', 10_000)).toBe(0);
  });

  it('takes simulation flags over LOCAL_* variables and prints them in the banner', async () => {
    main = await startLocalMain(
      { LOCAL_WS_PORT: '0', LOCAL_DYNAMODB_PORT: '0', LOCAL_CALLBACK_RPS: '50', LOCAL_POST_LATENCY: '5ms' },
      20_000,
      ['--post-latency', '20ms±10', '--callback-rps=10000'],
    );
    expect(main.output()).toMatch(
      /AWS simulation:\s+@connections latency 20±10 ms; @connections 10000 rps, burst 5000 \(then 429\)/,
    );
    main.child.kill('SIGINT');
    expect(await withTimeout(main.exited, 'exit after SIGINT', 10_000)).toBe(0);
  });

  it('keeps rooms, messages and idempotency keys across a restart on its data directory; --reset wipes them', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ws-chat-local-data-'));
    const env = { LOCAL_WS_PORT: '0', LOCAL_DYNAMODB_PORT: '0', LOCAL_PARAM_logLevel: 'SILENT' };
    const run = async (args: string[], act: (client: ChatClient) => Promise<void>) => {
      main = await startLocalMain(env, 30_000, ['--data-dir', dataDir, ...args]);
      expect(main.output()).toContain(`Data:            ${dataDir} (kept across restarts`);
      const wsUrl = /WebSocket API:\s+(ws:\/\/127\.0\.0\.1:\d+)/.exec(main.output())![1]!;
      const client = await ChatClient.open(wsUrl, 'name=alice');
      await act(client);
      await client.close();
      main.child.kill('SIGINT');
      expect(await withTimeout(main.exited, 'exit after SIGINT', 10_000)).toBe(0);
      return main.output();
    };
    const send = async (client: ChatClient, clientMsgId: string) => {
      client.send({ action: 'send', room: 'kept', text: 'still here?', clientMsgId });
      return (await client.waitFor('ack', (ack) => ack.clientMsgId === clientMsgId)).id;
    };
    try {
      let firstId = '';
      await run([], async (client) => {
        await client.join('kept');
        firstId = await send(client, 'c-1');
      });
      await run([], async (client) => {
        expect((await client.join('kept')).history.map((m) => [m.id, m.text])).toEqual([[firstId, 'still here?']]);
        expect(await send(client, 'c-1')).toBe(firstId);
      });
      const output = await run(['--reset'], async (client) => {
        expect((await client.join('kept')).history).toEqual([]);
      });
      expect(output).toContain(`Wiped the local data in ${dataDir}`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it.each([
    [['--post-latency', 'soon'], /--post-latency must look like 20ms±10/],
    [['--callback-rps', '0'], /--callback-rps must be a positive integer/],
    [['--callback-burst', '10'], /needs --callback-rps/],
    [['--frobnicate'], /unknown argument "--frobnicate"[\s\S]*Usage:/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const { code, output } = await runToExit(args);
    expect(code).toBe(2);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at /);
  });
});
