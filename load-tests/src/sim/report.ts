import type { VariedFunction } from './args.js';
import { formatSpread } from './random.js';
import type { SimParams } from './params.js';
import { DEPLOYED_ARCHITECTURE, type FunctionCost, type MessageCost } from './cost.js';
import type { ContentionResult, SimResult } from './results.js';

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

const ms = (x: number | null): string =>
  x === null ? 'n/a' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`;
const int = (x: number): string => x.toLocaleString('en-US');
const usd = (x: number): string =>
  `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const other = DEPLOYED_ARCHITECTURE === 'arm64' ? 'x86_64' : 'arm64';
/** A function's dollars on the deployed architecture, then on the other one. */
const archUsd = (c: FunctionCost | MessageCost['lambda']): string =>
  `${usd(c.usdPerMillion[DEPLOYED_ARCHITECTURE])} (${other} ${usd(c.usdPerMillion[other])})`;
const billed = (c: FunctionCost): string =>
  c.invocations === 0
    ? 'no invocation'
    : `${int(c.invocations)} invocation${c.invocations === 1 ? '' : 's'}, ${int(c.billedMs)} ms billed at ${int(c.memoryMb)} MB`;

/** The cost lines of a run: Lambda per function, then API Gateway and DynamoDB, all per million messages. */
function formatCost(c: MessageCost): string[] {
  const l = c.lambda;
  return [
    `lambda $/1M  ${DEPLOYED_ARCHITECTURE} ${archUsd(l)}: send ${archUsd(l.send)}, ${billed(l.send)}; fanout ${archUsd(l.fanout)}, ${billed(l.fanout)}`,
    `other $/1M   API Gateway ${usd(c.apiGateway.usdPerMillion)} (${int(c.apiGateway.inboundMessages)} in + ${int(c.apiGateway.outboundMessages)} out messages of 32 KB); DynamoDB ${usd(c.dynamodb.usdPerMillion)} (${int(c.dynamodb.readUnits)} RRU in ${int(c.dynamodb.reads)} reads, ${int(c.dynamodb.writeUnits)} WRU); total ${usd(c.usdPerMillion)}`,
    `prices       ${pricesNote(c)}`,
  ];
}

const pricesNote = (c: MessageCost): string =>
  `${c.region} list prices checked ${c.pricesChecked} (src/cost/aws-prices.ts), to be checked; no free tier, no connection minutes`;

export function formatParams(p: SimParams): string {
  return [
    `room         ${int(p.members)} members, ${p.goneFraction * 100}% gone; shards of ${p.shardSize}, inline up to ${p.inlineMax}, concurrency ${p.concurrency}, ${p.rateBudget > 0 ? `workers paced at ${p.rateBudget}/s in all` : 'workers unpaced'}`,
    `api gateway  ${int(p.callbackRps)} rps, burst ${int(p.callbackBurst)}; post ${formatSpread(p.postLatency)}`,
    `lambda       ${p.postCpuUs} µs CPU per post, ${p.sdkCallCpuUs} µs per other SDK call (full core); worker ${p.memoryMb} MB, send ${p.sendMemoryMb} MB; invoke ${formatSpread(p.invokeLatency)}, queue ${formatSpread(p.asyncQueueDelay)}, cold ${p.coldStartMs} ms x ${p.coldFraction}; account concurrency ${p.lambdaConcurrency}`,
    `dynamodb     query ${formatSpread(p.queryLatency)}, write ${formatSpread(p.writeLatency)}`,
    `retry        429s ${p.retry.throttleBudgetMs !== undefined ? `for up to ${p.retry.throttleBudgetMs / 1000} s, at most ` : ''}${p.retry.maxAttempts} attempts (${p.retry.transientAttempts} on 5xx), full-jitter backoff ${p.retry.baseDelayMs} ms doubling to ${p.retry.maxDelayMs} ms; seed ${p.seed}`,
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
    ...formatCost(r.cost),
    `simulation   ${int(r.events)} events in ${(r.wallMs / 1000).toFixed(1)} s wall time`,
  ];
  return lines.join('\n');
}

/**
 * The --preset memory tables: one function's memory varied while the other keeps its setting, with the latency,
 * each function's billed time and Lambda cost, and the API Gateway and DynamoDB cost beside them.
 */
export function formatMemoryTables(rows: Array<{ result: SimResult; varies?: VariedFunction }>): string {
  const header = [
    'room',
    'send MB',
    'fanout MB',
    'last recip.',
    'p50',
    'p99',
    'send billed',
    'fanout billed',
    `send $/1M`,
    `fanout $/1M`,
    `Lambda $/1M (${other})`,
    'API GW $/1M',
    'DynamoDB $/1M',
  ];
  const group = (varies: VariedFunction): SimResult[] =>
    rows.filter((row) => row.varies === varies).map((row) => row.result);
  const body = (results: SimResult[]): string[][] =>
    results.map((r) => {
      const l = r.cost.lambda;
      return [
        int(r.params.members),
        int(r.params.sendMemoryMb),
        int(r.params.memoryMb),
        ms(r.timeToLastRecipientMs),
        ms(r.deliveryMs.p50),
        ms(r.deliveryMs.p99),
        `${int(l.send.billedMs)} ms`,
        l.fanout.invocations === 0 ? '-' : `${int(l.fanout.billedMs)} ms (${l.fanout.invocations})`,
        usd(l.send.usdPerMillion[DEPLOYED_ARCHITECTURE]),
        usd(l.fanout.usdPerMillion[DEPLOYED_ARCHITECTURE]),
        archUsd(l),
        usd(r.cost.apiGateway.usdPerMillion),
        usd(r.cost.dynamodb.usdPerMillion),
      ];
    });
  const [send, fanout] = [group('send'), group('fanout')];
  return [
    `send memory varied (fanout at ${int(send[0]?.params.memoryMb ?? 0)} MB); $ per million messages, Lambda on ${DEPLOYED_ARCHITECTURE}`,
    table(header, body(send)),
    '',
    `fanout memory varied (send at ${int(fanout[0]?.params.sendMemoryMb ?? 0)} MB)`,
    table(header, body(fanout)),
    ...(rows[0] !== undefined ? ['', `prices: ${pricesNote(rows[0].result.cost)}`] : []),
  ].join('\n');
}

/** The --preset table: one row per room. */
export function formatPresetTable(rows: Array<{ result: SimResult; goalMs?: number }>): string {
  const header = [
    'room',
    'workers',
    'last recip.',
    'p50',
    'p99',
    'delivered',
    '429s',
    'retries',
    'failures',
    'posts/s',
    'floor',
    'goal',
    'verdict',
  ];
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
  return table(header, body);
}

/** A Markdown table, the first column right-aligned. */
function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/** Several rooms at once pass when nothing is lost: every live member of every room got its message, once. */
export function contentionVerdict(result: ContentionResult): string {
  const reasons: string[] = [];
  if (result.lost > 0) reasons.push(`${int(result.lost)} lost`);
  if (result.failures > 0 && result.failures !== result.lost) reasons.push(`${int(result.failures)} failures`);
  if (result.duplicates > 0) reasons.push(`${int(result.duplicates)} duplicates`);
  return reasons.length === 0 ? 'PASS' : ['FAIL', ...reasons].join(': ');
}

const roomsLabel = (r: ContentionResult): string => `${r.contention.rooms} x ${int(r.params.members)}`;

/** The spread of the rooms' times to their last recipient (each from its own send). */
function roomsDone(r: ContentionResult): string {
  const times = r.rooms.flatMap((o) => (o.timeToLastRecipientMs === null ? [] : [o.timeToLastRecipientMs]));
  if (times.length === 0) return 'n/a';
  const [lo, hi] = [Math.min(...times), Math.max(...times)];
  return lo === hi ? ms(lo) : `${ms(lo)} - ${ms(hi)}`;
}

/** The human summary of a run of several rooms: the account as a whole, then one row per room. */
export function formatContention(r: ContentionResult): string {
  const w = r.workers;
  const { rooms, staggerMs } = r.contention;
  const lines = [
    `rooms        ${rooms} x ${int(r.params.members)} members, one message each, sent ${staggerMs} ms apart; one account quota and Lambda concurrency, a send Lambda per room`,
    formatParams(r.params),
    `last recip.  ${ms(r.lastRecipientMs)} (all rooms, from the first send); quota floor ${ms(r.quotaFloorMs)} for ${int(r.posts)} posts; ${contentionVerdict(r)}`,
    `deliveries   ${int(r.delivered)}/${int(r.expected)}, lost ${int(r.lost)}, duplicates ${r.duplicates}, failures ${r.failures}; 410s ${r.goneAnswers}`,
    `posts        ${int(r.attempts)} attempts, ${int(r.throttled)} x 429, ${int(r.retries)} retries, at most ${r.mostAttempts} attempts for one recipient (gives up after ${r.params.retry.maxAttempts}); ${r.achievedPostsPerSecond === null ? 'n/a' : int(Math.round(r.achievedPostsPerSecond))} admitted/s`,
    `workers      ${w.invocations} invocations (${w.cold} cold), peak ${w.peakConcurrent} at once, longest ${ms(w.maxDurationMs)} (CPU ${ms(w.maxCpuMs)})`,
    `simulation   ${int(r.events)} events in ${(r.wallMs / 1000).toFixed(1)} s wall time`,
    '',
    table(
      [
        'room',
        'sent at',
        'workers',
        'last recip.',
        'p50',
        'p99',
        'delivered',
        '429s',
        'retries',
        'most attempts',
        'failures',
      ],
      r.rooms.map((o) => [
        o.room,
        ms(o.sentAtMs),
        String(o.workers),
        ms(o.timeToLastRecipientMs),
        ms(o.deliveryMs.p50),
        ms(o.deliveryMs.p99),
        `${int(o.delivered)}/${int(o.expected)}`,
        int(o.throttled),
        int(o.retries),
        String(o.mostAttempts),
        int(o.failures),
      ]),
    ),
    ...r.rooms.flatMap((o) =>
      o.workerErrors.length > 0 ? [`worker errors in ${o.room}: ${o.workerErrors.slice(0, 3).join('; ')}`] : [],
    ),
  ];
  return lines.join('\n');
}

/**
 * The --preset contention table: one row per scenario. `last recip.` is the last recipient of all rooms from
 * the first send, next to the floor the one quota sets on it; `rooms done` spans the rooms' own times.
 */
export function formatContentionTable(results: ContentionResult[]): string {
  const header = [
    'rooms',
    'posts',
    'workers',
    'last recip.',
    'floor',
    'rooms done',
    '429s',
    'retries',
    'most attempts',
    'delivered',
    'failures',
    'verdict',
  ];
  const body = results.map((r) => [
    roomsLabel(r),
    int(r.posts),
    String(r.workers.invocations),
    ms(r.lastRecipientMs),
    ms(r.quotaFloorMs),
    roomsDone(r),
    int(r.throttled),
    int(r.retries),
    `${r.mostAttempts}/${r.params.retry.maxAttempts}`,
    `${int(r.delivered)}/${int(r.expected)}`,
    int(r.failures),
    contentionVerdict(r),
  ]);
  return table(header, body);
}
