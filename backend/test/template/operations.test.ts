import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './packaging.js';

/* The operations plugin on small templates; package.test.ts checks it on the real one. */
const { addAlarms } = createRequire(import.meta.url)(path.join(repoRoot, 'serverless/operations.cjs')) as {
  addAlarms(input: { functionNames: string[]; naming: object; resources: Record<string, any> }): string[];
};

const naming = { getLambdaLogicalId: (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction` };
const topic = { AlarmTopic: { Type: 'AWS::SNS::Topic', Properties: {} } };
const table = { Type: 'AWS::DynamoDB::Table', Properties: {} };

describe('operations plugin', () => {
  it('adds Errors and Throttles alarms per function and two summed alarms per table, all to AlarmTopic', () => {
    const resources: Record<string, any> = { ...topic, ItemsTable: table };
    const ids = addAlarms({ functionNames: ['worker'], naming, resources });
    expect(ids.sort()).toEqual(
      [
        'ItemsTableSystemErrorsAlarm',
        'ItemsTableThrottledRequestsAlarm',
        'WorkerErrorsAlarm',
        'WorkerThrottlesAlarm',
      ].sort(),
    );
    const perTable = resources.ItemsTableSystemErrorsAlarm.Properties;
    expect(perTable.Metrics).toHaveLength(7);
    expect(perTable.Metrics.at(-1).Expression).toBe('SUM([m0,m1,m2,m3,m4,m5])');
    expect(resources.WorkerErrorsAlarm.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('stops packaging without the topic, and rather than overwrite a resource with a generated id', () => {
    expect(() => addAlarms({ functionNames: ['worker'], naming, resources: {} })).toThrow(/no SNS topic AlarmTopic/);
    const taken = { ...topic, WorkerErrorsAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: {} } };
    expect(() => addAlarms({ functionNames: ['worker'], naming, resources: taken })).toThrow(
      /WorkerErrorsAlarm is generated/,
    );
  });
});
