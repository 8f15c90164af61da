import path from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { LOCAL_CREDENTIALS } from '../../src/local/credentials.js';
import { openClient, silentLogger } from './helpers.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'serverless.yml');
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ serverlessFile: FIXTURE, port: 0, dynamoPort: 0, stage: 'ci', logger: silentLogger });
});

afterAll(async () => {
  await stack?.close();
});

describe('startLocalStack', () => {
  it('serves the serverless.yml routes with DYNAMODB_ENDPOINT pointing at the embedded store', async () => {
    expect(stack.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.managementUrl).toBe(stack.wsUrl.replace('ws:', 'http:'));

    const client = await openClient(`${stack.wsUrl}/?name=stack`);
    client.ws.send('{"action":"echo"}');
    const reply = await client.nextJson();
    expect(reply.env).toEqual({ FIXTURE_GREETING: 'hello-ci', DYNAMODB_ENDPOINT: stack.dynamoEndpoint });
    expect(reply.event.requestContext.stage).toBe('ci');
    client.ws.close();

    const dynamo = new DynamoDBClient({
      endpoint: stack.dynamoEndpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
    });
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: 'fixture-ci-items' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    dynamo.destroy();
  });
});
