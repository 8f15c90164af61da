import { describe, expect, it } from 'vitest';
import {
  clockTicksFrom,
  clockTicksPerSecond,
  mainThreadCpuMeter,
  parseProcStat,
  processCpuMeter,
} from '../../src/cpu/proc-cpu.js';

/** A /proc/<pid>/stat line as Linux 6.x writes it, 52 fields, with `comm` in place and utime/stime given. */
const statLine = (comm: string, utime: number, stime: number): string =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194560 1234 0 0 0 ${utime} ${stime} 7 8 20 0 11 0 123456 1073741824 20000 ` +
  '18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('parseProcStat', () => {
  it('reads utime and stime (fields 14 and 15) of a plain line', () => {
    expect(parseProcStat(statLine('node', 1500, 250))).toEqual({ utime: 1500, stime: 250 });
  });

  it('counts fields from the last ")", so a comm with spaces and parentheses does not shift them', () => {
    // comm is whatever the process named itself (prctl PR_SET_NAME / process.title), up to 15 bytes.
    expect(parseProcStat(statLine('a b) S 9 9 (c', 31, 7))).toEqual({ utime: 31, stime: 7 });
    expect(parseProcStat(statLine(') ) )', 1, 2))).toEqual({ utime: 1, stime: 2 });
    expect(parseProcStat(statLine('', 3, 4))).toEqual({ utime: 3, stime: 4 });
  });

  it('tolerates the trailing newline the kernel writes', () => {
    expect(parseProcStat(`${statLine('tsx worker', 10, 20)}\n`)).toEqual({ utime: 10, stime: 20 });
  });

  it('refuses what is not a stat line instead of returning garbage', () => {
    expect(() => parseProcStat('')).toThrow(/not a \/proc stat line/);
    expect(() => parseProcStat('4242 (node) S 1 2 3')).toThrow(/field 14/);
    expect(() => parseProcStat(statLine('node', 1, 2).replace(' 1 2 7 8 ', ' x 2 7 8 '))).toThrow(
      /field 14 is not a tick count: "x"/,
    );
  });
});

describe('clock ticks', () => {
  it('takes getconf CLK_TCK at its word and says when it had to assume 100', () => {
    expect(clockTicksFrom(() => '250\n')).toEqual({ hz: 250, source: 'getconf' });
    expect(clockTicksFrom(() => 'undefined\n')).toEqual({ hz: 100, source: 'assumed' });
    expect(
      clockTicksFrom(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual({ hz: 100, source: 'assumed' });
  });
});

describe.runIf(process.platform === 'linux')('CPU meters on Linux', () => {
  it('reads this process (all threads) and its main thread, both growing with work', () => {
    // Prepare
    const whole = processCpuMeter(process.pid);
    const main = mainThreadCpuMeter();
    const before = [whole.read(), main.read(), whole.readMainThread!()];
    // Act: 100 ms of busy main thread, ten ticks at 100 Hz.
    const until = Date.now() + 100;
    while (Date.now() < until) Math.sqrt(Math.random());
    // Assess
    expect(whole).toMatchObject({ pid: process.pid, scope: 'process', resolutionMs: 1000 / clockTicksPerSecond().hz });
    expect(main).toMatchObject({ pid: process.pid, scope: 'main-thread' });
    expect(whole.read()).toBeGreaterThan(before[0]!);
    expect(main.read()).toBeGreaterThan(before[1]!);
    expect(main.read()).toBeLessThanOrEqual(whole.read());
    // The process meter also tells its main thread's part, so a report can split main from worker threads.
    expect(whole.readMainThread!()).toBeGreaterThan(before[2]!);
    expect(whole.readMainThread!()).toBeLessThanOrEqual(whole.read());
  });

  it('fails at once, naming the pid, for a process that does not exist', () => {
    expect(() => processCpuMeter(2 ** 22 + 1)).toThrow(/cannot read the CPU time of pid 4194305/);
  });
});
