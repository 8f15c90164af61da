import type { CliOptions } from './args.js';
import { startBaselineServer } from './bench/baseline-server.js';
import { runScenario, type RunHooks } from './generator/generator.js';
import type { ScenarioResult } from './generator/scenario-result.js';
import { mainThreadCpuMeter, processCpuMeter } from './cpu/proc-cpu.js';
import { buildReport, type LoadTestReport } from './report/report.js';

export interface LoadTestHooks extends RunHooks {
  /** Called before each run: "baseline" or "target". */
  onRunStart?: (which: 'baseline' | 'target', url: string) => void;
}

/**
 * The whole invocation: the baseline scenario against an in-process ws server (when asked), then the same
 * scenario against the target. Baseline first, so the target run does not share the CPU with it.
 */
export async function runLoadTest(options: CliOptions, hooks: LoadTestHooks = {}): Promise<LoadTestReport> {
  // Checked before anything runs: a wrong pid should not cost a whole baseline run first.
  const targetCpu = options.serverPid === undefined ? undefined : processCpuMeter(options.serverPid);
  let baseline: ScenarioResult | undefined;
  if (options.baseline) {
    const server = await startBaselineServer();
    try {
      hooks.onRunStart?.('baseline', server.url);
      // The baseline lives on 127.0.0.1 whatever the target; guest auth, since it verifies nothing.
      const { tokens: _ignored, ...scenario } = options.scenario;
      baseline = await runScenario(
        server.url,
        { ...scenario, sourceIps: Math.max(1, scenario.sourceIps) },
        { ...hooks, serverCpu: mainThreadCpuMeter() },
      );
    } finally {
      await server.close();
    }
  }
  if (options.url === undefined) {
    if (baseline === undefined) throw new Error('nothing to run: no --url and no --baseline');
    return buildReport(baseline);
  }
  hooks.onRunStart?.('target', options.url);
  const target = await runScenario(options.url, options.scenario, {
    ...hooks,
    ...(targetCpu ? { serverCpu: targetCpu } : {}),
  });
  return buildReport(target, baseline);
}
