import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** backend/ of this repository: `node --import tsx src/local/main.ts` runs there (its tsconfig, its paths). */
export const BACKEND_DIR = fileURLToPath(new URL('../../../backend/', import.meta.url));

/** A local stack (`backend/src/local/main.ts`) running as a child process of the bench. */
export interface LocalStackProcess {
  /** The node process serving the stack: what --server-pid measures. */
  readonly pid: number;
  /** `ws://127.0.0.1:<port>/`, from the banner, without the example query. */
  readonly wsUrl: string;
  /** The last few KB of its stdout + stderr, for error messages. */
  outputTail(): string;
  /** SIGINT (main.ts closes the stack), then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<StackExit>;
}

export interface StackExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** SIGINT was not enough within the grace period. */
  killed: boolean;
}

export interface StartStackOptions {
  /** The child's whole environment (the bench passes the caller's, LOCAL_* included, with ports set to 0). */
  env: NodeJS.ProcessEnv;
  /** Where the child's stdout and stderr go in full. */
  logFile?: string;
  /** Until the banner; tsx compiles the backend on the way. Default 60 s. */
  startTimeoutMs?: number;
  backendDir?: string;
}

const TAIL_CHARS = 8192;
const BANNER = /WebSocket API:\s+(wss?:\/\/\S+)\r?\n/;

/**
 * Every stack child still running. Killed on process exit whatever the path (an uncaught error, a
 * process.exit in a signal handler), since an orphaned stack would hold its ports and a CPU.
 */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** The URL clients connect to: the banner shows `<wsUrl>/?name=alice` (or `?token=<JWT>`). */
export function wsUrlFromBanner(output: string): string | undefined {
  const match = BANNER.exec(output);
  if (!match) return undefined;
  const url = new URL(match[1]!);
  url.search = '';
  url.pathname = url.pathname.replace(/\/+$/, '') || '/';
  return url.toString();
}

/**
 * Starts `node --import tsx src/local/main.ts` in backend/ and waits for its banner. The stack gets a process
 * of its own, so its CPU can be read from /proc apart from the generator's, and a fresh one per room size
 * starts from an empty store.
 */
export async function startLocalStackProcess(options: StartStackOptions): Promise<LocalStackProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/main.ts'], {
    cwd: options.backendDir ?? BACKEND_DIR,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let spawnError: Error | undefined;
  child.on('error', (error) => (spawnError ??= error));
  const log: WriteStream | undefined = options.logFile === undefined ? undefined : createWriteStream(options.logFile);
  let tail = '';
  let banner = '';
  let bannerSeen = false;
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString();
    log?.write(chunk);
    tail = (tail + text).slice(-TAIL_CHARS);
    if (!bannerSeen) banner += text;
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const closeLog = (): Promise<void> => new Promise((resolve) => (log ? log.end(resolve) : resolve()));

  const stop = async (graceMs = 15_000): Promise<StackExit> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      await closeLog();
      return { code: child.exitCode, signal: child.signalCode, killed: false };
    }
    child.kill('SIGINT');
    const graceful = await Promise.race([exited, delay(graceMs).then(() => undefined)]);
    let killed = false;
    if (graceful === undefined) {
      killed = true;
      child.kill('SIGKILL');
      await Promise.race([exited, delay(5_000)]);
    }
    await closeLog();
    return { code: child.exitCode, signal: child.signalCode, killed };
  };

  const failStart = async (reason: string): Promise<never> => {
    await stop(2_000);
    throw new Error(`local stack ${reason}; its output ended with:\n${tail}`);
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let wsUrl: string | undefined;
  while ((wsUrl = wsUrlFromBanner(banner)) === undefined || child.pid === undefined) {
    if (spawnError) return failStart(`did not start (${spawnError.message})`);
    if (child.exitCode !== null || child.signalCode !== null)
      return failStart(`exited (${child.exitCode ?? child.signalCode}) before its banner`);
    if (Date.now() > deadline)
      return failStart(`printed no "WebSocket API:" line within ${options.startTimeoutMs ?? 60_000} ms`);
    await delay(50);
  }
  bannerSeen = true;
  banner = '';
  const pid = child.pid;
  return { pid, wsUrl, outputTail: () => tail, stop };
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
