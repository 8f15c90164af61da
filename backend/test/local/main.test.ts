import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withTimeout } from './helpers.js';

const BACKEND = path.resolve(import.meta.dirname, '../..');
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

describe('npm start -w backend (src/local/main.ts)', () => {
  it('prints the URLs from env ports and stops cleanly on SIGINT', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/local/main.ts'], {
      cwd: BACKEND,
      env: { ...process.env, LOCAL_WS_PORT: '0', LOCAL_DYNAMODB_PORT: '0', LOCAL_STAGE: 'maintest' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

    await withTimeout(
      (async () => {
        while (!output.includes('Ctrl-C to stop')) await new Promise((resolve) => setTimeout(resolve, 50));
      })(),
      'the startup banner',
      20_000,
    );
    const wsUrl = /WebSocket API:\s+(ws:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const dynamo = /DynamoDB:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(wsUrl).toBeDefined();
    expect(dynamo).toBeDefined();
    expect(output).toContain('stage maintest');
    expect((await fetch(wsUrl!.replace('ws:', 'http:'))).status).toBe(200);

    child.kill('SIGINT');
    expect(await withTimeout(exited, 'exit after SIGINT', 10_000)).toBe(0);
  });
});
