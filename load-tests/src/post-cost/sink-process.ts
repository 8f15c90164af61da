import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';

const LOAD_TESTS_DIR = fileURLToPath(new URL('../../', import.meta.url));
const SINK = fileURLToPath(new URL('./sink.ts', import.meta.url));
const LISTENING = /listening (\d+)\n/;

export interface SinkCounts {
  posts: number;
  /** Posts that carried a SigV4 Authorization header. */
  signed: number;
}

/** The counting @connections sink in its own process (see sink.ts). */
export interface SinkProcess {
  readonly pid: number;
  /** `http://127.0.0.1:<port>`: the management endpoint to give the clients. */
  readonly endpoint: string;
  counts(): Promise<SinkCounts>;
  /** Closes its stdin (it exits), SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts the sink and waits, at most `startTimeoutMs`, for the port it bound. */
export async function startSink(startTimeoutMs = 30_000): Promise<SinkProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SINK], {
    cwd: LOAD_TESTS_DIR,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const stop = async (graceMs = 2_000): Promise<void> => {
    child.stdin?.end();
    const timer = setTimeout(kill, graceMs);
    await exited;
    clearTimeout(timer);
    process.removeListener('exit', kill);
  };
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`post sink did not start within ${startTimeoutMs} ms`)),
      startTimeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`post sink exited before listening (${signal ?? `code ${code}`})`));
    });
  }).catch(async (error: unknown) => {
    await stop(0);
    throw error;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    pid: child.pid ?? -1,
    endpoint,
    counts: () =>
      new Promise<SinkCounts>((resolve, reject) => {
        get(`${endpoint}/count`, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve(JSON.parse(body) as SinkCounts));
        }).on('error', reject);
      }),
    stop,
  };
}
