import { execFile } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.js';
import { openClient, silentLogger, type OpenClient } from '../local/helpers.js';
import { startTestLocalStack } from '../support/local-stack.js';
import {
  apiInvoked,
  declaredFunctions,
  derivedWiring,
  packageService,
  repoRoot,
  templateQueries,
} from './packaging.js';
import { serviceWithRoute } from './throwaway-service.js';

/*
 * Adds a throwaway `echo` route the way docs/ADDING-A-ROUTE.md tells a newcomer (a frame, a ChatService method, a
 * one-line handler, one entry under `functions:`), on a copy of the service, and proves that this is enough:
 * the local stack serves it through a real socket, and `osls package` gives it its role, its log-group permission
 * and its API-only invoke permission with no other edit.
 */
const run = promisify(execFile);
let service: { dir: string; serverlessFile: string };

beforeAll(async () => {
  service = await serviceWithRoute({
    name: 'echo',
    clientFrame: "export const echoFrame = z.object({ action: z.literal('echo'), text: textSchema });",
    serverFrame:
      "export const echoedFrame = z.object({ type: z.literal('echo'), text: z.string(), user: z.string() });",
    method: `  async echo(caller: Caller, text: string): Promise<void> {
    await this.reply(caller, { type: 'echo', text, user: caller.user.name });
  }`,
    handler: `import { wsHandler } from './lib/ws-handler.js';

export const handler = wsHandler('echo', (chat, caller, frame) => chat.echo(caller, frame.text));
`,
    declaration: { handler: 'backend/src/handlers/echo.handler', events: [{ websocket: { route: 'echo' } }] },
  });
});

afterAll(async () => {
  if (service) await rm(service.dir, { recursive: true, force: true });
});

describe('a route added the documented way', () => {
  let stack: (LocalStack & { stage: string }) | undefined;
  let client: OpenClient | undefined;

  afterAll(async () => {
    client?.ws.terminate();
    await stack?.close();
  });

  it('is served end to end by the local stack: the reply comes from the new handler, bad input gets its error frame', async () => {
    stack = await startTestLocalStack({
      serverlessFile: service.serverlessFile,
      logger: silentLogger,
      asyncWorkers: 0,
    });
    client = await openClient(`${stack.wsUrl}/?name=alice`);

    client.ws.send(JSON.stringify({ action: 'echo', text: 'hello' }));
    expect(await client.nextJson()).toEqual({ type: 'echo', text: 'hello', user: 'alice' });

    // The new frame's schema is applied by wsHandler like any other route's; the connection stays usable.
    client.ws.send(JSON.stringify({ action: 'echo' }));
    expect(await client.nextJson()).toMatchObject({ type: 'error', code: 'bad_request', action: 'echo' });
    client.ws.send(JSON.stringify({ action: 'echo', text: 'again' }));
    expect(await client.nextJson()).toEqual({ type: 'echo', text: 'again', user: 'alice' });
  });

  it('type-checks: the frame, the method and the handler agree with each other and with the rest', async () => {
    await writeFile(
      path.join(service.dir, 'backend/tsconfig.json'),
      JSON.stringify({
        extends: path.join(repoRoot, 'tsconfig.base.json'),
        compilerOptions: { types: ['node'] },
        include: ['src'],
      }),
    );
    const tsc = path.join(repoRoot, 'node_modules/.bin/tsc');
    const result = await run(tsc, ['-p', path.join(service.dir, 'backend/tsconfig.json')], { timeout: 120_000 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }),
    );
    expect(result.stdout).toBe(''); // tsc prints its errors to stdout
  }, 150_000);

  it('is packaged with its role, its log-group permission, its route and SourceArn, with no other edit', async () => {
    const declared = await declaredFunctions(service.serverlessFile);
    const echo = declared.find((fn) => fn.name === 'echo')!;
    const { outDir, template } = await packageService(service.dir);
    try {
      const { actual, expected } = derivedWiring(template, echo, apiInvoked(declared).has('echo'));
      expect(actual).toEqual(expected);
      expect(expected).toMatchObject({ routes: ['echo'], logGroupOnItsRole: true, sourceArns: [expect.anything()] });
      // It runs as the default role, which now writes its log group too.
      expect(templateQueries(template).logGroupsOf(echo.role)).toContain('EchoLogGroup');
      expect(await readdir(outDir)).toContain('echo.zip');
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 300_000);
});
