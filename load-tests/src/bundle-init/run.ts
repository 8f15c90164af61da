import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalStack, type LocalStack } from '@chat/backend/local';
import {
  DEFAULT_SERVERLESS_FILE,
  loadServerlessConfig,
  type ServerlessConfig,
} from '@chat/backend/local/serverless-config';
import { packageFunctions, unpackBundles, type Bundle } from './bundles.js';
import { coldStart } from './cold-start.js';
import { scenariosFor, type Handshake, type Scenario } from './scenarios.js';
import { FrameLog } from './socket.js';

export interface BundleInitOptions {
  /** A directory of `<function>.zip` artifacts (e.g. .serverless/); default: `osls package` into a temp dir. */
  packageDir?: string;
  /** Fresh processes per function. */
  runs: number;
  /** Per child process, and per expected frame: past it the child is killed and the run fails. */
  limitMs: number;
  onSample?: (sample: Sample, run: number) => void;
}

/** One cold start of one function. */
export interface Sample {
  functionName: string;
  bootMs: number;
  importMs: number;
  invokeMs: number;
  /** importMs + invokeMs: what the function adds to a cold request, Node's own start aside. */
  totalMs: number;
  importCpuMs: number;
  invokeCpuMs: number;
}

export interface BundleInitRun {
  packageDir: string;
  /** The machine's 1-minute load average before the first child and after the last: how quiet the machine was. */
  loadAverage: { start: number; end: number };
  bundles: Array<Pick<Bundle, 'functionName' | 'zipBytes'>>;
  samples: Sample[][];
}

/** The name bundle-init reports the raw floor under (baseline-handler.cjs). */
export const BASELINE = 'baseline (raw node:http post)';
const BASELINE_FILE = path.join(import.meta.dirname, 'baseline-handler.cjs');
/** API Gateway's documented example account, as the local gateway uses: ARNs only need its shape. */
const ACCOUNT_ID = '123456789012';

/**
 * Packages (or takes) the per-function zips, starts the local stack (`npm start`'s runtime: embedded store,
 * loopback, free ports) and runs every function `runs` times, each time in a fresh Node process with the event
 * and the environment it would get from API Gateway and Lambda against this stack. Every answer is checked.
 */
export async function runBundleInit(options: BundleInitOptions): Promise<BundleInitRun> {
  const config = await loadServerlessConfig(DEFAULT_SERVERLESS_FILE, { stage: 'local' });
  const packageDir = options.packageDir ?? (await packageFunctions(config.stage));
  const workDir = await mkdtemp(path.join(tmpdir(), 'bundle-init-'));
  const captured = new Map<string, unknown>();
  let stack: LocalStack | undefined;
  try {
    const bundles = await unpackBundles(config, packageDir, workDir);
    stack = await startLocalStack({
      host: '127.0.0.1',
      port: 0,
      dynamoPort: 0,
      asyncWorkers: 0,
      // The stack's own handlers (the handshakes, the member's join) log errors only; the bundles log as deployed.
      params: { logLevel: 'ERROR' },
      logger: {
        info: () => undefined,
        warn: () => undefined,
        error: (m, e) => console.error(`[gateway] ${m}`, e ?? ''),
      },
      onInvoke: (functionName, event) => captured.set(functionName, event),
    });
    const samples: Sample[][] = [];
    const start = loadavg()[0]!;
    for (let run = 1; run <= options.runs; run += 1) {
      samples.push(await oneRun({ stack, config, bundles, captured, run, options }));
    }
    return {
      packageDir,
      loadAverage: { start, end: loadavg()[0]! },
      bundles: bundles.map(({ functionName, zipBytes }) => ({ functionName, zipBytes })),
      samples,
    };
  } finally {
    await stack?.close();
    await rm(workDir, { recursive: true, force: true });
    if (options.packageDir === undefined) await rm(packageDir, { recursive: true, force: true });
  }
}

interface RunContext {
  stack: LocalStack;
  config: ServerlessConfig;
  bundles: Bundle[];
  captured: Map<string, unknown>;
  run: number;
  options: BundleInitOptions;
}

/** The caller's handshake as the gateway invoked the authorizer and $connect with it. */
function handshakeOf(config: ServerlessConfig, captured: Map<string, unknown>): Handshake {
  const connect = config.routes.get('$connect');
  const authorizer = connect?.authorizer?.functionName;
  if (connect === undefined || authorizer === undefined) throw new Error('serverless.yml has no $connect authorizer');
  const event = (name: string) => {
    const seen = captured.get(name);
    if (seen === undefined) throw new Error(`the gateway did not invoke ${name} for the caller's handshake`);
    return seen;
  };
  return {
    authorizer: { functionName: authorizer, event: event(authorizer) },
    connect: {
      functionName: connect.functionName,
      event: event(connect.functionName) as Handshake['connect']['event'],
    },
  };
}

/** One fresh room, a caller (whose handshake every event repeats) and a member, then each function once. */
async function oneRun(ctx: RunContext): Promise<Sample[]> {
  const { stack, config, captured, run, options } = ctx;
  const room = `init-${randomUUID().slice(0, 8)}-${run}`;
  captured.clear();
  const caller = await FrameLog.open(`${stack.wsUrl}/?name=init-caller-${run}`, options.limitMs);
  let member: FrameLog | undefined;
  try {
    const handshake = handshakeOf(config, captured);
    member = await FrameLog.open(`${stack.wsUrl}/?name=init-member-${run}`, options.limitMs);
    member.send({ action: 'join', room });
    await member.waitFor('joined', 0, options.limitMs);
    const scenarios = scenariosFor(config, handshake, room);
    const baseline: Scenario = {
      functionName: BASELINE,
      event: (scenarios.find((s) => s.frame?.type === 'pong') ?? scenarios[0]!).event,
      check: (result) => ((result as { statusCode?: number })?.statusCode === 200 ? undefined : 'no 200'),
      frame: { to: 'caller', type: 'pong' },
    };
    const samples: Sample[] = [];
    for (const scenario of [baseline, ...scenarios]) {
      const sample = await measure(ctx, scenario, { caller, member });
      options.onSample?.(sample, run);
      samples.push(sample);
    }
    return samples;
  } finally {
    caller.close();
    member?.close();
  }
}

/** One fresh process for one scenario; its answer and the frame it must cause are checked before it counts. */
async function measure(
  { stack, config, bundles, options }: RunContext,
  scenario: Scenario,
  clients: { caller: FrameLog; member: FrameLog },
): Promise<Sample> {
  const { functionName } = scenario;
  const isBaseline = functionName === BASELINE;
  const bundle = isBaseline
    ? { root: path.dirname(BASELINE_FILE), file: BASELINE_FILE, exportName: 'handler' }
    : bundles.find((b) => b.functionName === functionName);
  if (bundle === undefined) throw new Error(`no bundle for function ${functionName}`);
  // The baseline is no declared function: it gets the provider's memory and timeout.
  const definition = isBaseline ? config.lambda : config.functions.get(functionName)!;
  const name = `${config.service}-${config.stage}-${isBaseline ? 'baseline' : functionName}`;
  const from = { caller: clients.caller.types.length, member: clients.member.types.length };
  const cold = await coldStart({
    file: bundle.file,
    exportName: bundle.exportName,
    event: scenario.event,
    context: {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${config.region}:${ACCOUNT_ID}:function:${name}`,
      memoryLimitInMB: String(definition.memorySize),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]bundle-init`,
      timeoutMs: definition.timeoutSeconds * 1000,
    },
    env: {
      ...stack.lambdaEnvironment,
      POWERTOOLS_LOG_LEVEL: config.environment.POWERTOOLS_LOG_LEVEL ?? 'INFO',
      // The reserved variables Lambda sets that the handlers' libraries read (Powertools names its logs by them).
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      LAMBDA_TASK_ROOT: bundle.root,
      TZ: ':UTC',
    },
    limitMs: options.limitMs,
  });
  const problem = scenario.check(cold.result);
  if (problem !== undefined) throw new Error(`${functionName}: ${problem}`);
  if (scenario.frame) {
    const client = clients[scenario.frame.to];
    await client.waitFor(scenario.frame.type, from[scenario.frame.to], options.limitMs).catch((error: Error) => {
      throw new Error(`${functionName}: the ${scenario.frame!.to} got ${error.message}`);
    });
  }
  const { bootMs, importMs, invokeMs, importCpuMs, invokeCpuMs } = cold;
  return { functionName, bootMs, importMs, invokeMs, totalMs: importMs + invokeMs, importCpuMs, invokeCpuMs };
}
