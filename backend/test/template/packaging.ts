import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { parse } from 'yaml';
import { oslsOffline, packageOffline } from '../../src/local/offline-package.js';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');

export type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
export type Template = {
  Resources: Record<string, Resource>;
  Outputs: Record<string, any>;
  Conditions: Record<string, any>;
};
export type Statement = { Action: string[]; Resource: unknown[] };

export const STAGE = 'ci';

/** `osls package --stage ci` of the serverless.yml in `serviceDir`, offline; the artifacts go to a new temp dir. */
export async function packageService(serviceDir: string): Promise<{ outDir: string; template: Template }> {
  const args = ['--stage', STAGE, '--region', 'eu-west-1'];
  const outDir = await packageOffline(serviceDir, args, process.env, 'ws-chat-package-');
  const template = JSON.parse(await readFile(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  return { outDir, template };
}

/** `osls print` of serverless.yml with `--param` overrides: the configuration as osls resolves it, without packaging. */
export async function printService(
  serviceDir: string,
  params: Record<string, string>,
): Promise<{
  functions: Record<string, any>;
  provider: Record<string, any>;
  resources: { Resources: Record<string, any> };
}> {
  const args = ['print', '--stage', STAGE, '--region', 'eu-west-1', '--format', 'json'];
  for (const [key, value] of Object.entries(params)) args.push(`--param=${key}=${value}`);
  return JSON.parse(await oslsOffline(serviceDir, args, process.env));
}

/** One entry of serverless.yml's `functions:` as the convention reads it: its role is `role:`, else the default. */
export interface DeclaredFunction {
  name: string;
  role: string;
  routes: string[];
  /** The authorizer function its websocket route names, if any. */
  authorizer?: string;
}

/** The functions serverless.yml declares, read the way the function-wiring plugin reads them (no second list). */
export async function declaredFunctions(serverlessFile: string): Promise<DeclaredFunction[]> {
  const raw = parse(await readFile(serverlessFile, 'utf8'));
  const defaultRole: string = raw.provider.iam.role;
  return Object.entries<any>(raw.functions).map(([name, fn]) => {
    const sockets = (fn.events ?? []).map((e: any) => e.websocket).filter(Boolean);
    const auth = sockets.map((s: any) => s.authorizer).find(Boolean);
    return {
      name,
      role: fn.role ?? defaultRole,
      routes: sockets.map((s: any) => (typeof s === 'string' ? s : s.route)),
      authorizer: typeof auth === 'string' ? auth : auth?.name,
    };
  });
}

/** Lookups on a packaged template, by what a resource says rather than by re-deriving the framework's names. */
export function templateQueries(template: Template, service = 'ws-chat') {
  const byType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const resource = (id: string): Resource => {
    const r = template.Resources[id];
    if (!r) throw new Error(`template has no ${id}`);
    return r;
  };
  const ref = (value: any): string | undefined => value?.Ref ?? value?.['Fn::GetAtt']?.[0];
  const inline = (roleId: string) =>
    (resource(roleId).Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement) as Statement[];
  const managed = (roleId: string) =>
    (resource(roleId).Properties.ManagedPolicyArns ?? []).flatMap(
      (arn: unknown) => resource(ref(arn)!).Properties.PolicyDocument.Statement,
    ) as Statement[];
  const statements = (roleId: string) => [...managed(roleId), ...inline(roleId)];
  const functionId = (name: string): string => {
    const found = byType('AWS::Lambda::Function').find(
      ([, fn]) => fn.Properties.FunctionName === `${service}-${STAGE}-${name}`,
    );
    if (!found) throw new Error(`template has no function ${name}`);
    return found[0];
  };
  const logGroupId = (name: string): string | undefined =>
    byType('AWS::Logs::LogGroup').find(
      ([, g]) => g.Properties.LogGroupName === `/aws/lambda/${service}-${STAGE}-${name}`,
    )?.[0];
  /** The log groups a role may write, by logical id (statements on any logs: action). */
  const logGroupsOf = (roleId: string) =>
    statements(roleId)
      .filter((s) => s.Action.some((a) => a.startsWith('logs:')))
      .flatMap((s) => s.Resource.flatMap(refsIn))
      .sort();
  const apiPermissionsOf = (fnId: string) =>
    byType('AWS::Lambda::Permission').filter(
      ([, p]) => ref(p.Properties.FunctionName) === fnId && p.Properties.Principal === 'apigateway.amazonaws.com',
    );
  return { byType, resource, ref, inline, managed, statements, functionId, logGroupId, logGroupsOf, apiPermissionsOf };
}

/** Every logical id a CloudFormation value refers to (Ref, GetAtt, ${Sub} names). */
export const refsIn = (value: unknown): string[] => {
  const json = JSON.stringify(value);
  const out = new Set<string>();
  for (const m of json.matchAll(/"Ref":"([^"]+)"/g)) out.add(m[1]!);
  for (const m of json.matchAll(/"Fn::GetAtt":\["([^"]+)"/g)) out.add(m[1]!);
  for (const m of json.matchAll(/\$\{([A-Za-z0-9]+)\}/g)) out.add(m[1]!);
  return [...out];
};

/** The SourceArn every API Gateway invoke permission must carry: this API, any stage and route. */
export const THIS_API_ONLY = {
  'Fn::Sub': 'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebsocketsApi}/*',
};

/**
 * What the convention derives for one declared function, actual next to expected: its role, its log-group
 * permission (on its role, by ARN), each route integrated with it, and SourceArn on its API Gateway permission.
 */
export function derivedWiring(template: Template, fn: DeclaredFunction, invokedByApi: boolean) {
  const q = templateQueries(template);
  const fnId = q.functionId(fn.name);
  const routes = q
    .byType('AWS::ApiGatewayV2::Route')
    .filter(([, r]) => {
      const integration = q.resource(refsIn(r.Properties.Target).find((id) => id.endsWith('WebsocketsIntegration'))!);
      return refsIn(integration.Properties.IntegrationUri).includes(fnId);
    })
    .map(([, r]) => r.Properties.RouteKey as string);
  const logGroup = q.logGroupId(fn.name);
  return {
    actual: {
      role: q.ref(q.resource(fnId).Properties.Role),
      logGroupOnItsRole: logGroup !== undefined && q.logGroupsOf(fn.role).includes(logGroup),
      routes: routes.sort(),
      sourceArns: q.apiPermissionsOf(fnId).map(([, p]) => p.Properties.SourceArn),
    },
    expected: {
      role: fn.role,
      logGroupOnItsRole: true,
      routes: [...fn.routes].sort(),
      sourceArns: invokedByApi ? [THIS_API_ONLY] : [],
    },
  };
}

/** The functions API Gateway invokes: those with a route, and the authorizers those routes name. */
export function apiInvoked(functions: DeclaredFunction[]): Set<string> {
  return new Set(functions.flatMap((fn) => (fn.routes.length > 0 ? [fn.name, fn.authorizer ?? []].flat() : [])));
}

/** One entry of a zip (stored or deflated), read through the central directory, which knows the sizes. */
export function zipEntry(zip: Buffer, name: string): Buffer {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < count; i += 1) {
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const dataAt = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataAt, dataAt + compressedSize);
      return method === 0 ? data : inflateRawSync(data);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${name} is not in the zip`);
}
