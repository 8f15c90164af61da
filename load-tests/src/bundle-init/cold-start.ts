import { spawn } from 'node:child_process';
import path from 'node:path';

/** What the child sends back after its one invocation (child.cjs). */
export interface ColdStart {
  /** From the child's process start to just before it loaded the bundle (Node's own start, not the bundle's). */
  bootMs: number;
  /** require() of the bundle: reading, compiling and running its top level. */
  importMs: number;
  /** The first invocation, from the loaded module to the handler's settled promise. */
  invokeMs: number;
  /**
   * CPU time of the child (all its threads) over the import and over the invocation: what the bundle itself costs,
   * without the time spent waiting for the store and the gateway or for a core on a busy machine.
   */
  importCpuMs: number;
  invokeCpuMs: number;
  /** What the handler returned. */
  result: unknown;
}

export interface ColdStartJob {
  /** Absolute path of the unzipped handler file. */
  file: string;
  exportName: string;
  event: unknown;
  /** The Lambda context's plain fields; the child adds getRemainingTimeInMillis from `timeoutMs`. */
  context: Record<string, unknown> & { timeoutMs: number };
  /** The whole Lambda environment of the function: the child gets this and nothing else. */
  env: Record<string, string>;
  /** Kill the child (SIGKILL) when it has not answered by then. */
  limitMs: number;
}

const CHILD = path.join(import.meta.dirname, 'child.cjs');
/** Enough of the child's output to see why it failed, without keeping a log-heavy handler's every line. */
const KEEP_OUTPUT = 4_000;

/**
 * Runs one bundle once in a fresh `node` process and resolves with its timings; rejects, after killing the child,
 * when it fails, exits without answering or outlives `limitMs`.
 */
export function coldStart(job: ColdStartJob): Promise<ColdStart> {
  const child = spawn(process.execPath, [CHILD], { env: job.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-KEEP_OUTPUT));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise<ColdStart>((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(job.file)}: ${reason}${output ? `\n--- child output ---\n${output}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${job.limitMs} ms`), job.limitMs);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) without an answer`));
    child.once('message', (message: { ok: boolean; error?: string } & ColdStart) => {
      if (!message.ok) return fail(message.error ?? 'failed');
      clearTimeout(timer);
      child.removeAllListeners('exit');
      // It exits by itself once the answer is sent; a handler's open socket must not keep it running.
      const exitTimer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      child.once('exit', () => clearTimeout(exitTimer));
      const { bootMs, importMs, invokeMs, importCpuMs, invokeCpuMs, result } = message;
      resolve({ bootMs, importMs, invokeMs, importCpuMs, invokeCpuMs, result });
    });
    child.send({ file: job.file, exportName: job.exportName, event: job.event, context: job.context });
  });
}
