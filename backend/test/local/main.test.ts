import { afterAll, describe, expect, it } from 'vitest';
import { startLocalMain, withTimeout, type LocalMain } from './helpers.js';

let main: LocalMain | undefined;

afterAll(() => {
  if (main && main.child.exitCode === null) main.child.kill('SIGKILL');
});

describe('npm start -w backend (src/local/main.ts)', () => {
  it('prints the URLs from env ports and stops cleanly on SIGINT', async () => {
    main = await startLocalMain({ LOCAL_WS_PORT: '0', LOCAL_DYNAMODB_PORT: '0', LOCAL_STAGE: 'maintest' });
    const output = main.output();
    const wsUrl = /WebSocket API:\s+(ws:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const dynamo = /DynamoDB:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(wsUrl).toBeDefined();
    expect(dynamo).toBeDefined();
    expect(output).toContain('stage maintest');
    expect((await fetch(wsUrl!.replace('ws:', 'http:'))).status).toBe(200);

    main.child.kill('SIGINT');
    expect(await withTimeout(main.exited, 'exit after SIGINT', 10_000)).toBe(0);
  });
});
