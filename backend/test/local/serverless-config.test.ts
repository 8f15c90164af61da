import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerlessConfig } from '../../src/local/serverless-config.js';

/** Tables CloudFormation names itself (no TableName, so a replacement can deploy), referenced with Ref. */
const YAML = `
service: named
provider:
  name: aws
  environment:
    ITEMS_TABLE: { Ref: ItemsTable }
    FIXED_TABLE: \${self:service}-\${sls:stage}-fixed
    QUEUE_ARN: { 'Fn::GetAtt': [Queue, Arn] }
functions:
  echo:
    handler: handlers/echo.handler
resources:
  Resources:
    ItemsTable:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{ AttributeName: pk, AttributeType: S }]
        KeySchema: [{ AttributeName: pk, KeyType: HASH }]
    FixedTable:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: \${self:service}-\${sls:stage}-fixed
        AttributeDefinitions: [{ AttributeName: pk, AttributeType: S }]
        KeySchema: [{ AttributeName: pk, KeyType: HASH }]
    Queue:
      Type: AWS::SQS::Queue
`;

describe('serverless.yml tables without a fixed name', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sls-config-'));
    await writeFile(path.join(dir, 'serverless.yml'), YAML);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names them <service>-<stage>-<logicalId> locally and resolves Ref to that name in the environment', async () => {
    const config = await loadServerlessConfig(path.join(dir, 'serverless.yml'), { stage: 'test' });
    expect(config.tables.map((t) => [t.logicalId, t.TableName])).toEqual([
      ['ItemsTable', 'named-test-ItemsTable'],
      ['FixedTable', 'named-test-fixed'],
    ]);
    expect(config.environment).toEqual({ ITEMS_TABLE: 'named-test-ItemsTable', FIXED_TABLE: 'named-test-fixed' });
  });
});
