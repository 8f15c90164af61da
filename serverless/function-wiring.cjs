'use strict';

const { templateStep } = require('./template-step.cjs');

/**
 * Local osls plugin: a function is declared once, under `functions:` in serverless.yml, and this plugin derives
 * the per-function wiring the framework leaves out once we use our own roles:
 * - each role gets logs:CreateLogStream/PutLogEvents on exactly the log groups of the functions that run as it
 *   (by ARN: a `<service>-<stage>-*` wildcard would also match the log groups of stage `dev-eu` from `dev`);
 * - every API Gateway invoke permission (WebSocket routes and authorizers) gets SourceArn = this API, which the
 *   framework leaves out, so no other API in any account can invoke the handlers.
 * It edits the compiled template after `resources:` are merged, and fails packaging when something it expects is
 * missing instead of deploying a function that cannot log or that any API may invoke. The local runtime
 * (backend/src/local) ignores `plugins:`; it needs none of this. See docs/ADDING-A-ROUTE.md, step 4.
 */

const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const LOGS_POLICY_NAME = 'write-own-log-groups';
const LAMBDA_PRINCIPAL = 'lambda.amazonaws.com';
const APIGATEWAY_PRINCIPAL = 'apigateway.amazonaws.com';

class WiringError extends Error {
  constructor(message) {
    super(`function-wiring: ${message}`);
    this.name = 'WiringError';
  }
}

/** The logical id a value refers to by `Fn::GetAtt: [Id, Arn]` or `Ref: Id`, else undefined. */
function logicalIdOf(value) {
  if (value === null || typeof value !== 'object') return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

function resourceOf(resources, id, type, why) {
  const resource = resources[id];
  if (resource === undefined) throw new WiringError(`${why}: the template has no ${id}`);
  if (resource.Type !== type) throw new WiringError(`${why}: ${id} is a ${resource.Type}, not a ${type}`);
  return resource;
}

function assumedByLambda(role) {
  const statements = role.Properties?.AssumeRolePolicyDocument?.Statement ?? [];
  return statements.some((s) => [].concat(s.Principal?.Service ?? []).includes(LAMBDA_PRINCIPAL));
}

/** Role logical id -> the log group logical ids of the functions that run as it. */
function logGroupsByRole({ functionNames, naming, resources, declared }) {
  const byRole = new Map();
  for (const name of functionNames) {
    const fn = resourceOf(resources, naming.getLambdaLogicalId(name), 'AWS::Lambda::Function', `function ${name}`);
    const roleId = logicalIdOf(fn.Properties?.Role);
    if (roleId === undefined || resources[roleId] === undefined) {
      throw new WiringError(
        `function ${name} runs as a role outside this template (${JSON.stringify(fn.Properties?.Role)}): give it ` +
          'a role declared under resources.Resources (or provider.iam.role) so its log permission can be derived',
      );
    }
    resourceOf(resources, roleId, 'AWS::IAM::Role', `function ${name}'s role`);
    const logGroupId = naming.getLogGroupLogicalId(name);
    resourceOf(resources, logGroupId, 'AWS::Logs::LogGroup', `function ${name}'s log group (disableLogs?)`);
    byRole.set(roleId, [...(byRole.get(roleId) ?? []), logGroupId]);
  }
  // Only the roles serverless.yml declares: the framework's own (custom resources) run no function of ours.
  for (const [id, resource] of Object.entries(declared)) {
    if (resource.Type === 'AWS::IAM::Role' && assumedByLambda(resource) && !byRole.has(id)) {
      throw new WiringError(`role ${id} is assumed by Lambda but no function runs as it: rename or remove it`);
    }
  }
  return byRole;
}

function grantOwnLogGroups(resources, byRole) {
  for (const [roleId, logGroupIds] of byRole) {
    const properties = resources[roleId].Properties;
    const policies = properties.Policies ?? [];
    if (policies.some((p) => p.PolicyName === LOGS_POLICY_NAME)) {
      throw new WiringError(`role ${roleId} already has a policy named ${LOGS_POLICY_NAME}: it is generated`);
    }
    properties.Policies = [
      ...policies,
      {
        PolicyName: LOGS_POLICY_NAME,
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: LOG_ACTIONS,
              // A log group's Arn ends in `:*`, which covers its streams and nothing else.
              Resource: logGroupIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
            },
          ],
        },
      },
    ];
  }
}

/** The functions API Gateway invokes: those with a websocket route, and the authorizers those routes name. */
function apiInvokedFunctions(functions) {
  const invoked = new Set();
  for (const [name, fn] of Object.entries(functions)) {
    for (const event of fn.events ?? []) {
      if (event.websocket === undefined) continue;
      invoked.add(name);
      const authorizer = typeof event.websocket === 'object' ? event.websocket.authorizer : undefined;
      const authorizerName = typeof authorizer === 'string' ? authorizer : authorizer?.name;
      if (authorizerName !== undefined) invoked.add(authorizerName);
    }
  }
  return invoked;
}

function limitInvokesToThisApi({ functions, naming, resources }) {
  const apiId = naming.getWebsocketsApiLogicalId();
  const expected = new Set(
    [...apiInvokedFunctions(functions)].map((n) => naming.getLambdaWebsocketsPermissionLogicalId(n)),
  );
  if (expected.size > 0) resourceOf(resources, apiId, 'AWS::ApiGatewayV2::Api', 'the WebSocket API');
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Permission' || resource.Properties?.Principal !== APIGATEWAY_PRINCIPAL)
      continue;
    if (!expected.has(id)) {
      throw new WiringError(
        `${id} lets API Gateway invoke a function but is no WebSocket route's or authorizer's: only those are limited`,
      );
    }
  }
  const sourceArn = {
    'Fn::Sub': `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${${apiId}}/*`,
  };
  for (const id of expected) {
    resourceOf(resources, id, 'AWS::Lambda::Permission', 'an API-invoked function').Properties.SourceArn = sourceArn;
  }
}

/**
 * Wires the compiled template in place. `functions` is serverless.yml's `functions:` (resolved), `naming` the aws
 * provider's naming (logical ids), `resources` the template's Resources, `declared` serverless.yml's
 * `resources.Resources`.
 */
function wireFunctions({ functions, naming, resources, declared = {} }) {
  const functionNames = Object.keys(functions);
  grantOwnLogGroups(resources, logGroupsByRole({ functionNames, naming, resources, declared }));
  limitInvokesToThisApi({ functions, naming, resources });
}

const FunctionWiring = templateStep('FUNCTION_WIRING', WiringError, (serverless) => {
  const { service } = serverless;
  wireFunctions({
    functions: Object.fromEntries(service.getAllFunctions().map((name) => [name, service.getFunction(name)])),
    naming: serverless.getProvider('aws').naming,
    resources: service.provider.compiledCloudFormationTemplate.Resources,
    declared: service.resources?.Resources ?? {},
  });
});

module.exports = FunctionWiring;
module.exports.wireFunctions = wireFunctions;
module.exports.LOGS_POLICY_NAME = LOGS_POLICY_NAME;
