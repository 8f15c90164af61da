import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/args.js';
import { runScenario } from '../src/generator/generator.js';
import { buildReport } from '../src/report/report.js';
import { contractReportSchema } from '../src/report/report-schema.js';

/**
 * The real local stack (embedded DynamoDB + local API Gateway + the Lambda handlers from serverless.yml).
 * Loaded through the `@chat/backend/local` export but typed by the little this test needs, so that work in
 * progress in backend/src/local cannot break the load-tests typecheck; the backend's own tests own its types.
 */
interface LocalStack {
  wsUrl: string;
  close(): Promise<void>;
}
type StartLocalStack = (options: {
  host: string;
  port: number;
  dynamoPort: number;
  params?: Record<string, string>;
  logger: { info(m: string): void; warn(m: string): void; error(m: string, e?: unknown): void };
}) => Promise<LocalStack>;

/** Typed `string`, not the literal, so tsc does not follow the import into the backend's sources. */
const stackModule: string = '@chat/backend/local';

describe('end to end against the local stack', () => {
  let stack: LocalStack;
  const gatewayErrors: string[] = [];
  beforeAll(async () => {
    const { startLocalStack } = (await import(stackModule)) as { startLocalStack: StartLocalStack };
    stack = await startLocalStack({
      host: '127.0.0.1',
      port: 0,
      dynamoPort: 0,
      params: { logLevel: 'ERROR' }, // the handlers' INFO lines would fill the test output
      logger: { info: () => undefined, warn: () => undefined, error: (m) => gatewayErrors.push(m) },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('connects, joins and fans out through the real handlers, losing nothing', async () => {
    // Prepare: 20 connections, 2 rooms of 10, 2 senders x 5 messages.
    const { scenario } = parseCliArgs([
      '--url',
      stack.wsUrl,
      '-c',
      '20',
      '-r',
      '2',
      '-m',
      '5',
      '--rate',
      '10',
      '--ramp',
      '100',
      '--workers',
      '2',
      '--drain',
      '15',
      '--connect-timeout',
      '15',
      '--no-baseline',
    ]);
    // Act
    const report = buildReport(await runScenario(stack.wsUrl, scenario));
    // Assess
    expect(contractReportSchema.safeParse(report).success).toBe(true);
    expect(report.connections).toMatchObject({ opened: 20, failed: 0, joined: 20 });
    expect(report.messages).toMatchObject({ sent: 10, acked: 10, lost: 0 });
    expect(report.deliveries).toMatchObject({ expected: 100, received: 100, missing: 0, extra: 0 });
    expect(report.errors.invalidFrames).toBe(0);
    expect(report.errors.frames).toEqual({});
    // The real backend announces joins: presence frames arrive and are counted, not validated.
    expect(report.framesByType.presence ?? 0).toBeGreaterThan(0);
    expect(gatewayErrors).toEqual([]);
  });
});
