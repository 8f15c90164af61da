import { formatSpread } from './random.js';
import type { SimParams, SimResult } from './simulate.js';

export type Verdict = 'PASS' | 'FAIL';

/** A goal is met when every live member received the message, the last of them within the goal. */
export function verdict(result: SimResult, goalMs: number): Verdict {
  return verdictReasons(result, goalMs).length === 0 ? 'PASS' : 'FAIL';
}

/** Why a run misses its goal; empty when it meets it. */
export function verdictReasons(result: SimResult, goalMs: number): string[] {
  const reasons: string[] = [];
  const lost = result.expected - result.delivered;
  if (lost > 0) reasons.push(`${int(lost)} lost`);
  if (result.failures > 0 && result.failures !== lost) reasons.push(`${int(result.failures)} failures`);
  if (result.timeToLastRecipientMs === null || result.timeToLastRecipientMs > goalMs) reasons.push(`late`);
  return reasons;
}

const ms = (x: number | null): string => (x === null ? 'n/a' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const int = (x: number): string => x.toLocaleString('en-US');

export function formatParams(p: SimParams): string {
  return [
    `room         ${int(p.members)} members, ${p.goneFraction * 100}% gone; shards of ${p.shardSize}, inline up to ${p.inlineMax}, concurrency ${p.concurrency}, ${p.rateBudget > 0 ? `workers paced at ${p.rateBudget}/s in all` : 'workers unpaced'}`,
    `api gateway  ${int(p.callbackRps)} rps, burst ${int(p.callbackBurst)}; post ${formatSpread(p.postLatency)}`,
    `lambda       ${p.postCpuUs} µs CPU per SDK call (full core); worker ${p.memoryMb} MB, send ${p.sendMemoryMb} MB; invoke ${formatSpread(p.invokeLatency)}, queue ${formatSpread(p.asyncQueueDelay)}, cold ${p.coldStartMs} ms x ${p.coldFraction}; account concurrency ${p.lambdaConcurrency}`,
    `dynamodb     query ${formatSpread(p.queryLatency)}, write ${formatSpread(p.writeLatency)}`,
    `retry        ${p.retry.maxAttempts} attempts on 429 (${p.retry.transientAttempts} on 5xx), full-jitter backoff ${p.retry.baseDelayMs} ms doubling to ${p.retry.maxDelayMs} ms; seed ${p.seed}`,
  ].join('\n');
}

/** The human summary of one run; the JSON holds the same numbers. */
export function formatResult(r: SimResult, goalMs?: number): string {
  const d = r.deliveryMs;
  const w = r.workers;
  const lines = [
    formatParams(r.params),
    `last recip.  ${ms(r.timeToLastRecipientMs)}${goalMs !== undefined ? `  (goal ${ms(goalMs)}: ${[verdict(r, goalMs), ...verdictReasons(r, goalMs)].join(': ')})` : ''}; quota floor ${ms(r.quotaFloorMs)}`,
    `per recip.   p50 ${ms(d.p50)}  p90 ${ms(d.p90)}  p99 ${ms(d.p99)}  max ${ms(d.max)}`,
    `deliveries   ${int(r.delivered)}/${int(r.expected)}, duplicates ${r.duplicates}, failures ${r.failures}; 410s ${r.goneAnswers}, members left ${int(r.membersLeft)}`,
    `posts        ${int(r.attempts)} attempts, ${int(r.throttled)} x 429, ${int(r.retries)} retries; peak in flight ${int(r.peakInFlightPosts)}; ${r.achievedPostsPerSecond === null ? 'n/a' : int(Math.round(r.achievedPostsPerSecond))} admitted/s`,
    r.dispatched
      ? `workers      ${w.invocations} invocations (${w.cold} cold), peak ${w.peakConcurrent} at once, longest ${ms(w.maxDurationMs)} (CPU ${ms(w.maxCpuMs)}); send Lambda ${ms(r.sendLambdaMs)}`
      : `workers      none: fanned out inline by the send Lambda in ${ms(r.sendLambdaMs)}`,
    ...(r.workerErrors.length > 0 ? [`worker errors ${r.workerErrors.slice(0, 3).join('; ')}`] : []),
    `simulation   ${int(r.events)} events in ${(r.wallMs / 1000).toFixed(1)} s wall time`,
  ];
  return lines.join('\n');
}

/** The --preset table: one row per room. */
export function formatPresetTable(rows: Array<{ result: SimResult; goalMs?: number }>): string {
  const header = ['room', 'workers', 'last recip.', 'p50', 'p99', 'delivered', '429s', 'retries', 'failures', 'posts/s', 'floor', 'goal', 'verdict'];
  const body = rows.map(({ result: r, goalMs }) => [
    int(r.params.members),
    String(r.workers.invocations),
    ms(r.timeToLastRecipientMs),
    ms(r.deliveryMs.p50),
    ms(r.deliveryMs.p99),
    `${int(r.delivered)}/${int(r.expected)}`,
    int(r.throttled),
    int(r.retries),
    int(r.failures),
    r.achievedPostsPerSecond === null ? 'n/a' : int(Math.round(r.achievedPostsPerSecond)),
    ms(r.quotaFloorMs),
    goalMs === undefined ? '-' : `<= ${ms(goalMs)}`,
    goalMs === undefined ? '-' : [verdict(r, goalMs), ...verdictReasons(r, goalMs)].join(': '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
