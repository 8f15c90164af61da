import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { S3Client } from '@aws-sdk/client-s3';
import { parse } from 'yaml';
import { authModeOf, configFor, planUpload, stageAndRegion, type StackOutputs } from './web-plan.js';
import { emptyBucket, publishWeb } from './web-upload.js';

/**
 * `npm run deploy -- --stage demo [osls args]`: builds the web client, deploys the stack, uploads the build and
 * /config.json to the stack's bucket, invalidates CloudFront and prints the demo URL. `npm run remove -- --stage
 * demo` empties the bucket first (CloudFormation cannot delete a bucket that holds objects). Credentials: the SDK's
 * default chain, as osls uses.
 */
const root = path.resolve(import.meta.dirname, '../../..');

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

async function stackOutputs(stackName: string, region: string): Promise<StackOutputs> {
  const cloudformation = new CloudFormationClient({ region });
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs: Record<string, string | undefined> = {};
  for (const output of Stacks?.[0]?.Outputs ?? []) if (output.OutputKey) outputs[output.OutputKey] = output.OutputValue;
  const need = (key: string): string => {
    const value = outputs[key];
    if (!value) throw new Error(`stack ${stackName} has no output ${key}`);
    return value;
  };
  return {
    WebSocketUrl: need('WebSocketUrl'),
    WebBucketName: need('WebBucketName'),
    WebDistributionId: need('WebDistributionId'),
    WebUrl: need('WebUrl'),
    CognitoIssuer: outputs.CognitoIssuer,
    CognitoClientId: outputs.CognitoClientId,
    CognitoDomain: outputs.CognitoDomain,
  };
}

async function serviceName(): Promise<string> {
  return String((parse(await readFile(path.join(root, 'serverless.yml'), 'utf8')) as { service: string }).service);
}

async function deploy(argv: string[]): Promise<void> {
  const { stage, region } = stageAndRegion(argv);
  const authMode = authModeOf(argv);
  run('npm', ['run', 'build', '-w', 'frontend']);
  run('npx', ['osls', 'deploy', ...argv]);
  const outputs = await stackOutputs(`${await serviceName()}-${stage}`, region);
  const objects = await planUpload(path.join(root, 'frontend/dist'), configFor(outputs, authMode));
  await publishWeb({ s3: new S3Client({ region }), cloudfront: new CloudFrontClient({ region }) }, outputs, objects);
  console.log(`\nWeb client: ${outputs.WebUrl}`);
  if (authMode === 'guest')
    console.log('This stage is in guest mode: anyone who has the URL can connect and chat under any name.');
}

async function remove(argv: string[]): Promise<void> {
  const { stage, region } = stageAndRegion(argv);
  const outputs = await stackOutputs(`${await serviceName()}-${stage}`, region).catch(() => undefined);
  if (outputs) {
    await emptyBucket(new S3Client({ region }), outputs.WebBucketName);
  }
  run('npx', ['osls', 'remove', ...argv]);
}

const [command, ...argv] = process.argv.slice(2);
const work = command === 'remove' ? remove(argv) : command === 'deploy' ? deploy(argv) : undefined;
if (work === undefined) {
  console.error('usage: tsx backend/src/deploy/main.ts deploy|remove [osls arguments]');
  process.exit(2);
}
work.catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
