import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { createResolver, type Json, type Resolve } from './serverless-variables.js';

/**
 * Reads serverless.yml, the single source of truth for routes, handlers, environment and tables, so the
 * local gateway never keeps a second route table. Resolves the variable sources this project uses
 * (${self:...}, ${sls:stage}, ${opt:...}, ${param:...}); CloudFormation intrinsics (Ref, Fn::GetAtt) are
 * left as objects because only the cloud needs them.
 */
/** One entry of `functions:`, whether or not it has events (a function invoked through the Lambda API has none). */
export interface FunctionDefinition {
  /** serverless.yml key, e.g. "join"; deployed as `${service}-${stage}-${key}`. */
  functionName: string;
  /** "backend/src/handlers/join.handler" as written in serverless.yml. */
  handler: string;
  /** The function's own `timeout` (seconds), else provider.timeout. */
  timeoutSeconds: number;
  /** The function's own `memorySize`, else provider.memorySize. */
  memorySize: number;
}

export interface WebSocketRoute extends FunctionDefinition {
  routeKey: string;
  authorizer?: FunctionDefinition & { identitySource: string[] };
}

export interface TableDefinition {
  logicalId: string;
  /** As declared, or `<service>-<stage>-<logicalId>` when CloudFormation is left to name the table. */
  TableName: string;
  KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  AttributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' | 'N' | 'B' }>;
  GlobalSecondaryIndexes?: unknown[];
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
}

export interface ServerlessConfig {
  service: string;
  stage: string;
  region: string;
  /** provider.memorySize / provider.timeout (seconds), reported through the Lambda context and enforced as timeout. */
  lambda: { memorySize: number; timeoutSeconds: number };
  routeSelectionExpression: string;
  /**
   * provider.environment with variables resolved; `Ref` to a declared table becomes its local name, other
   * intrinsics (which only the cloud resolves) are dropped.
   */
  environment: Record<string, string>;
  /** Every function by serverless.yml key, including those without events. */
  functions: Map<string, FunctionDefinition>;
  routes: Map<string, WebSocketRoute>;
  tables: TableDefinition[];
}

export interface LoadOptions {
  stage?: string;
  region?: string;
  /**
   * `${param:...}` overrides, winning over `params.<stage>` and `params.default` as `osls --param key=value`
   * does, so one serverless.yml serves guest and JWT mode locally too.
   */
  params?: Record<string, string>;
}

/** Loads and resolves serverless.yml; throws on a variable it cannot resolve rather than guessing. */
export async function loadServerlessConfig(file: string, options: LoadOptions = {}): Promise<ServerlessConfig> {
  const raw = parse(await readFile(file, 'utf8')) as { [key: string]: Json };
  const stage = options.stage ?? 'local';
  const region = options.region ?? 'us-east-1';
  const resolve = createResolver({ raw, stage, region, params: options.params });

  const service = String(resolve(raw.service ?? 'service'));
  const provider = (raw.provider ?? {}) as { [key: string]: Json };
  const tables = readTables(raw, resolve, `${service}-${stage}`);
  const environment = readEnvironment(provider, resolve, tables);
  const numberOr = positiveNumberOr(resolve);
  const lambda = { memorySize: numberOr(provider.memorySize, 1024), timeoutSeconds: numberOr(provider.timeout, 6) };
  const declared = (raw.functions ?? {}) as DeclaredFunctions;
  const functions = readFunctions(declared, lambda, resolve);
  const routes = readRoutes(declared, functions, resolve);
  return {
    service,
    stage,
    region: String(resolve(provider.region ?? region)),
    lambda,
    routeSelectionExpression: String(resolve(provider.websocketsApiRouteSelectionExpression ?? '$request.body.action')),
    environment,
    functions,
    routes,
    tables,
  };
}

type DeclaredFunctions = { [name: string]: { [key: string]: Json } };

/** A resolved positive number, else the fallback (provider defaults, then AWS's). */
function positiveNumberOr(resolve: Resolve): (value: Json | undefined, fallback: number) => number {
  return (value, fallback) => {
    const n = Number(value === undefined ? undefined : resolve(value));
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
}

function readFunctions(
  declared: DeclaredFunctions,
  lambda: ServerlessConfig['lambda'],
  resolve: Resolve,
): Map<string, FunctionDefinition> {
  const numberOr = positiveNumberOr(resolve);
  const functions = new Map<string, FunctionDefinition>();
  for (const [functionName, fn] of Object.entries(declared)) {
    const handler = fn.handler === undefined ? undefined : resolve(fn.handler);
    if (typeof handler !== 'string') throw new Error(`serverless.yml: function "${functionName}" has no handler`);
    functions.set(functionName, {
      functionName,
      handler,
      timeoutSeconds: numberOr(fn.timeout, lambda.timeoutSeconds),
      memorySize: numberOr(fn.memorySize, lambda.memorySize),
    });
  }
  return functions;
}

/** Every `websocket` event of every function, with its authorizer (default identity source: the Auth header). */
function readRoutes(
  declared: DeclaredFunctions,
  functions: Map<string, FunctionDefinition>,
  resolve: Resolve,
): Map<string, WebSocketRoute> {
  const functionOf = (name: string): FunctionDefinition => {
    const fn = functions.get(name);
    if (!fn) throw new Error(`serverless.yml: function "${name}" is not declared`);
    return fn;
  };
  const routes = new Map<string, WebSocketRoute>();
  for (const [functionName, fn] of Object.entries(declared)) {
    for (const event of (fn.events ?? []) as Array<{ [key: string]: Json }>) {
      const ws = event.websocket;
      if (ws === undefined) continue;
      const spec = resolve(typeof ws === 'string' ? { route: ws } : ws) as { [key: string]: Json };
      const routeKey = String(spec.route);
      const route: WebSocketRoute = { routeKey, ...functionOf(functionName) };
      const auth = spec.authorizer;
      if (auth !== undefined && auth !== null) {
        const name = typeof auth === 'string' ? auth : String((auth as { [key: string]: Json }).name);
        const sources =
          typeof auth === 'object' && !Array.isArray(auth) && auth.identitySource !== undefined
            ? ([] as Json[]).concat(auth.identitySource).map(String)
            : ['route.request.header.Auth'];
        route.authorizer = { ...functionOf(name), identitySource: sources };
      }
      if (routes.has(routeKey)) throw new Error(`serverless.yml: route ${routeKey} is declared twice`);
      routes.set(routeKey, route);
    }
  }
  return routes;
}

function readEnvironment(
  provider: { [key: string]: Json },
  resolve: Resolve,
  tables: TableDefinition[],
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries((provider.environment ?? {}) as { [key: string]: Json })) {
    const resolved = resolve(value);
    if (typeof resolved === 'string' || typeof resolved === 'number' || typeof resolved === 'boolean') {
      environment[key] = String(resolved);
      continue;
    }
    const ref = (resolved as { Ref?: Json } | null)?.Ref;
    const table = tables.find((t) => t.logicalId === ref);
    if (table !== undefined) environment[key] = table.TableName;
  }
  return environment;
}

/**
 * The `AWS::DynamoDB::Table` resources, which the embedded store creates. A table without TableName gets a stable
 * local name from the stack's (CloudFormation would generate `<stack>-<logicalId>-<suffix>`).
 */
function readTables(raw: { [key: string]: Json }, resolve: Resolve, stackName: string): TableDefinition[] {
  const resources = ((raw.resources as { [key: string]: Json } | undefined)?.Resources ?? {}) as {
    [id: string]: { Type?: Json; Properties?: Json };
  };
  const tables: TableDefinition[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    const props = resolve(resource.Properties ?? {}) as unknown as Omit<TableDefinition, 'logicalId' | 'TableName'> & {
      TableName?: string;
    };
    tables.push({ logicalId, ...props, TableName: props.TableName ?? `${stackName}-${logicalId}` });
  }
  return tables;
}

/** serverless.yml at the repository root, found relative to this file so cwd does not matter. */
export const DEFAULT_SERVERLESS_FILE = path.resolve(
  import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
  '../../../serverless.yml',
);

/** "backend/src/handlers/join.handler" -> { file: <repo>/backend/src/handlers/join.ts, exportName: "handler" }. */
export function handlerModule(handler: string, serverlessFile: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const base = handler.slice(0, dot);
  return { file: path.resolve(path.dirname(serverlessFile), `${base}.ts`), exportName: handler.slice(dot + 1) };
}
