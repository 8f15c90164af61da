import type { Worker } from 'node:worker_threads';
import type { EventLoopUtilization } from 'node:perf_hooks';

/** Above this a generator's timings describe its own queueing more than the system under test. */
export const SATURATION_THRESHOLD = 0.85;

export interface CpuSample {
  /** Process CPU time over wall time, as a fraction of the cores available (0..1). */
  processCpu: number;
  /** Highest event-loop utilization of any worker over the interval (0..1). */
  maxWorkerElu: number;
}

export interface CpuSummary {
  peakProcessCpu: number;
  peakWorkerElu: number;
  meanWorkerElu: number;
  saturated: boolean;
  warnings: string[];
}

/**
 * Samples the generator's own CPU: process.cpuUsage covers every thread (and the in-process baseline
 * server when there is one), worker event-loop utilization shows a single hot worker the process average
 * would hide.
 */
export class CpuMonitor {
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private lastElu: EventLoopUtilization[];
  private readonly startElu: EventLoopUtilization[];
  private peakProcessCpu = 0;
  private peakWorkerElu = 0;
  private readonly warnings: string[] = [];

  constructor(
    private readonly workers: Worker[],
    private readonly cores: number,
    private readonly onWarning: (warning: string) => void,
  ) {
    this.lastElu = workers.map((w) => w.performance.eventLoopUtilization());
    this.startElu = this.lastElu;
  }

  sample(phase: string): CpuSample {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const wallUs = Math.max(1, (now - this.lastAt) * 1000);
    const processCpu = (cpu.user + cpu.system) / wallUs / this.cores;
    const elus = this.workers.map((w) => w.performance.eventLoopUtilization());
    const maxWorkerElu = Math.max(
      0,
      ...elus.map((e, i) => this.workers[i]!.performance.eventLoopUtilization(e, this.lastElu[i]).utilization),
    );
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    this.lastElu = elus;
    this.peakProcessCpu = Math.max(this.peakProcessCpu, processCpu);
    this.peakWorkerElu = Math.max(this.peakWorkerElu, maxWorkerElu);
    if (processCpu > SATURATION_THRESHOLD || maxWorkerElu > SATURATION_THRESHOLD) {
      const warning =
        `generator saturated during ${phase}: process CPU ${(processCpu * 100).toFixed(0)}% of ${this.cores} cores, ` +
        `busiest worker ${(maxWorkerElu * 100).toFixed(0)}% busy; latencies include generator queueing`;
      if (!this.warnings.some((w) => w.startsWith(`generator saturated during ${phase}:`))) this.onWarning(warning);
      this.warnings.push(warning);
    }
    return { processCpu, maxWorkerElu };
  }

  summary(): CpuSummary {
    const elus = this.workers.map((w, i) => w.performance.eventLoopUtilization(this.startElu[i]).utilization);
    const meanWorkerElu = elus.length === 0 ? 0 : elus.reduce((a, b) => a + b, 0) / elus.length;
    const firstPerPhase = [...new Map(this.warnings.map((w) => [w.split(':')[0], w])).values()];
    return {
      peakProcessCpu: round(this.peakProcessCpu),
      peakWorkerElu: round(this.peakWorkerElu),
      meanWorkerElu: round(meanWorkerElu),
      saturated: this.warnings.length > 0,
      warnings: firstPerPhase,
    };
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
