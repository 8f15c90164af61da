import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** utime and stime of /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat), in clock ticks. */
export interface ProcCpuTicks {
  utime: number;
  stime: number;
}

/**
 * Parses the CPU fields of a `stat` line (proc(5)): `pid (comm) state ppid … utime stime …`, utime and stime
 * being fields 14 and 15. comm is the executable's name as the process set it, so it may hold spaces and
 * parentheses (`(node (x) y)`): fields are counted from the *last* `)`, never by splitting the whole line.
 */
export function parseProcStat(line: string): ProcCpuTicks {
  const close = line.lastIndexOf(')');
  if (line.indexOf('(') < 0 || close < 0) throw new Error(`not a /proc stat line: "${line.slice(0, 80)}"`);
  // After ")" come field 3 (state), 4 (ppid), …: field n is at index n - 3.
  const fields = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const tick = (field: number): number => {
    const raw = fields[field - 3];
    const value = Number(raw);
    if (raw === undefined || !/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
      throw new Error(`/proc stat field ${field} is not a tick count: "${raw}"`);
    }
    return value;
  };
  return { utime: tick(14), stime: tick(15) };
}

/** Clock ticks per second of /proc CPU times, and where the number came from. */
export interface ClockTicks {
  hz: number;
  source: 'getconf' | 'assumed';
}

/** The tick rate `run` (normally `getconf CLK_TCK`) prints, or 100 marked as assumed when it fails. */
export function clockTicksFrom(run: () => string): ClockTicks {
  try {
    const raw = run().trim();
    const hz = Number(raw);
    if (/^\d+$/.test(raw) && hz > 0) return { hz, source: 'getconf' };
  } catch {
    // reported through source: 'assumed'
  }
  return { hz: 100, source: 'assumed' };
}

let clockTicks: ClockTicks | undefined;

/**
 * `getconf CLK_TCK`, read once per process (USER_HZ: 100 on every mainstream Linux build, but a kernel ABI
 * value, not a law). When getconf fails, 100 is used and the meter's notes say it was assumed.
 */
export function clockTicksPerSecond(): ClockTicks {
  clockTicks ??= clockTicksFrom(() =>
    execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  return clockTicks;
}

/**
 * Cumulative CPU time (user + system) of a server, read at the start of the send phase and at the end of the
 * drain phase: the difference is what the server spent on that traffic.
 */
export interface CpuMeter {
  readonly pid: number;
  /** `process`: every thread of the server's process; `main-thread`: the generator's main thread only. */
  readonly scope: 'process' | 'main-thread';
  /** Smallest step a reading moves by, in ms (10 with /proc's 100 Hz ticks). */
  readonly resolutionMs: number;
  /** Warnings about how the numbers were obtained (e.g. an assumed tick rate). */
  readonly notes: string[];
  /** CPU ms used so far. Throws when the process is gone. */
  read(): number;
  /**
   * The main thread's share of read(), for a `process` meter on Linux: the local stack's gateway, route handlers
   * and dynalite run there, its fan-out workers in other threads, so the split shows where the CPU goes.
   */
  readMainThread?(): number;
}

function procMeter(pid: number, file: string, scope: CpuMeter['scope']): CpuMeter {
  const ticks = clockTicksPerSecond();
  const read = (): number => {
    const { utime, stime } = parseProcStat(readFileSync(file, 'utf8'));
    return ((utime + stime) * 1000) / ticks.hz;
  };
  read(); // fail now, with the path in the message, rather than after the connect phase
  return {
    pid,
    scope,
    resolutionMs: 1000 / ticks.hz,
    notes: ticks.source === 'assumed' ? ['getconf CLK_TCK failed; assumed 100 ticks per second'] : [],
    read,
  };
}

/**
 * CPU of another process on this machine, all its threads (worker threads included; child processes not),
 * from /proc/<pid>/stat. Linux only.
 */
export function processCpuMeter(pid: number): CpuMeter {
  if (process.platform !== 'linux') throw new Error('--server-pid needs Linux (/proc/<pid>/stat)');
  try {
    const mainThread = procMeter(pid, `/proc/${pid}/task/${pid}/stat`, 'main-thread');
    return { ...procMeter(pid, `/proc/${pid}/stat`, 'process'), readMainThread: mainThread.read };
  } catch (error) {
    throw new Error(`cannot read the CPU time of pid ${pid}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * CPU of the in-process baseline server. It runs on the generator's main thread, whose workers are the
 * clients: process.cpuUsage() would charge the baseline with the generator's receive work, so on Linux the
 * main thread alone is read (/proc/<pid>/task/<pid>/stat, same ticks as the stack's reading). What remains
 * besides the server is the main thread's polling (every 20 ms) and CPU sampling (every second).
 * Elsewhere process.cpuUsage() is the only per-process figure, and the scope says so.
 */
export function mainThreadCpuMeter(): CpuMeter {
  if (process.platform === 'linux')
    return procMeter(process.pid, `/proc/${process.pid}/task/${process.pid}/stat`, 'main-thread');
  return {
    pid: process.pid,
    scope: 'process',
    resolutionMs: 0.001,
    notes: ['not Linux: process.cpuUsage() includes the generator workers'],
    read: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    },
  };
}
