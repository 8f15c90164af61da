'use strict';

const { templateStep } = require('./template-step.cjs');

/**
 * Local osls plugin: the alarms that follow from what serverless.yml declares, so a new function or table is watched
 * without a second list. For every function, Lambda Errors and Throttles; for every DynamoDB table, throttled
 * requests and system errors (summed over the operations our adapters send). Each alarm notifies the topic
 * `AlarmTopic` (declared in serverless.yml with its optional e-mail subscription). Alarms that name one resource
 * (the failure queue, the API) are written in serverless.yml itself.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 */

const TOPIC = 'AlarmTopic';
/** The operations the adapters send (the IAM policy lists the same); SystemErrors and ThrottledRequests are per operation. */
const TABLE_OPERATIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchWriteItem'];

class OperationsError extends Error {
  constructor(message) {
    super(`operations: ${message}`);
    this.name = 'OperationsError';
  }
}

const pascal = (name) => name.charAt(0).toUpperCase() + name.slice(1);

/** An alarm that fires when the 5-minute sum of `metrics` (one, or a math expression over several) reaches 1. */
function sumAlarm(description, metrics) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: TOPIC }],
      OKActions: [{ Ref: TOPIC }],
      Metrics: metrics,
    },
  };
}

const stat = (id, namespace, metricName, dimensions, returnData) => ({
  Id: id,
  ReturnData: returnData,
  MetricStat: {
    Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions },
    Period: 300,
    Stat: 'Sum',
  },
});

function functionAlarms(naming, functionNames) {
  const alarms = {};
  for (const name of functionNames) {
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: naming.getLambdaLogicalId(name) } }];
    for (const metric of ['Errors', 'Throttles']) {
      alarms[`${pascal(name)}${metric}Alarm`] = sumAlarm(`${name}: Lambda ${metric} in 5 minutes`, [
        stat('m', 'AWS/Lambda', metric, dimensions, true),
      ]);
    }
  }
  return alarms;
}

function tableAlarms(resources) {
  const alarms = {};
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    for (const metric of ['ThrottledRequests', 'SystemErrors']) {
      const metrics = TABLE_OPERATIONS.map((operation, i) =>
        stat(
          `m${i}`,
          'AWS/DynamoDB',
          metric,
          [
            { Name: 'TableName', Value: { Ref: id } },
            { Name: 'Operation', Value: operation },
          ],
          false,
        ),
      );
      metrics.push({ Id: 'total', Expression: `SUM([${metrics.map((m) => m.Id).join(',')}])`, ReturnData: true });
      alarms[`${id}${metric}Alarm`] = sumAlarm(`${id}: DynamoDB ${metric} in 5 minutes`, metrics);
    }
  }
  return alarms;
}

/** Adds the derived alarms to the compiled template's `resources` in place; `functionNames` are serverless.yml's keys. */
function addAlarms({ functionNames, naming, resources }) {
  if (resources[TOPIC]?.Type !== 'AWS::SNS::Topic') throw new OperationsError(`the template has no SNS topic ${TOPIC}`);
  const alarms = { ...functionAlarms(naming, functionNames), ...tableAlarms(resources) };
  for (const [id, alarm] of Object.entries(alarms)) {
    if (resources[id] !== undefined)
      throw new OperationsError(`${id} is generated; rename the resource that has its id`);
    resources[id] = alarm;
  }
  return Object.keys(alarms);
}

const Operations = templateStep('OPERATIONS', OperationsError, (serverless) => {
  const { service } = serverless;
  addAlarms({
    functionNames: service.getAllFunctions(),
    naming: serverless.getProvider('aws').naming,
    resources: service.provider.compiledCloudFormationTemplate.Resources,
  });
});

module.exports = Operations;
module.exports.addAlarms = addAlarms;
