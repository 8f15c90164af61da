import { cpus } from 'node:os';
import { round, spread, type Spread } from './measure.js';
import { adapterPoster, httpPoster, sdkPoster, signedHttpPoster, type Poster } from './posters.js';
import { startSink } from './sink-process.js';

export const VARIANTS = ['adapter', 'sdk-adapter', 'signed-http', 'http'] as const;
/** Every variant but the raw `http` one signs its posts. */
const SIGNED_VARIANTS = VARIANTS.length - 1;
export type Variant = (typeof VARIANTS)[number];

export interface PostCostOptions {
  posts: number;
  rounds: number;
  concurrency: number;
  /** Posts per variant before the measured rounds (JIT, sockets, the SDK's resolved middleware). */
  warmup: number;
  /** Told before each round. */
  onRound?: (variant: Variant, index: number) => void;
}

export interface VariantResult {
  /** CPU µs of this process per post, over the rounds. */
  cpuUsPerPost: Spread;
  wallUsPerPost: Spread;
  postsPerSecond: Spread;
}

export interface PostCostResult {
  startedAt: string;
  machine: { cpu: string; cores: number; node: string };
  options: Omit<PostCostOptions, 'onRound'>;
  variants: Record<Variant, VariantResult>;
  /** adapter / http, medians of CPU per post: the production path against the raw post of the same bytes. */
  adapterOverHttpCpu: number;
  /** sdk-adapter / http, the same for the SDK fallback (POST_CLIENT=sdk). */
  sdkOverHttpCpu: number;
  /** What the sink counted, against what was posted: must match. */
  sink: { expected: number; received: number; signed: number; expectedSigned: number };
}

/**
 * Measures the CPU one signed PostToConnection costs the caller (the fan-out worker's work per recipient): the
 * production gateway (signed posts), the SDK adapter, the request signed by the SDK's SigV4 signer alone, and an
 * unsigned node:http post of the same bytes, against a counting sink in another process. Rounds alternate between
 * the variants so drift (frequency, a neighbour) lands on all.
 */
export async function runPostCost(options: PostCostOptions): Promise<PostCostResult> {
  const startedAt = new Date().toISOString();
  const sink = await startSink();
  const posters: Record<Variant, Poster> = {
    adapter: adapterPoster(sink.endpoint),
    'sdk-adapter': sdkPoster(sink.endpoint),
    'signed-http': signedHttpPoster(sink.endpoint),
    http: httpPoster(sink.endpoint),
  };
  try {
    for (const variant of VARIANTS)
      if (options.warmup > 0) await round(posters[variant], options.warmup, options.concurrency);
    const samples = Object.fromEntries(VARIANTS.map((variant) => [variant, []])) as unknown as Record<
      Variant,
      Array<{ cpu: number; wall: number; rate: number }>
    >;
    for (let i = 0; i < options.rounds; i += 1) {
      // The order rotates each round: a round pays for garbage its predecessor left, so none always follows the same.
      for (let j = 0; j < VARIANTS.length; j += 1) {
        const variant = VARIANTS[(i + j) % VARIANTS.length]!;
        options.onRound?.(variant, i);
        const sample = await round(posters[variant], options.posts, options.concurrency);
        samples[variant].push({
          cpu: sample.cpuUs / sample.posts,
          wall: (sample.wallMs * 1000) / sample.posts,
          rate: sample.posts / (sample.wallMs / 1000),
        });
      }
    }
    const summarize = (variant: Variant): VariantResult => ({
      cpuUsPerPost: spread(samples[variant].map((s) => s.cpu)),
      wallUsPerPost: spread(samples[variant].map((s) => s.wall)),
      postsPerSecond: spread(samples[variant].map((s) => s.rate)),
    });
    const variants = Object.fromEntries(VARIANTS.map((variant) => [variant, summarize(variant)])) as Record<
      Variant,
      VariantResult
    >;
    const overHttp = (variant: Variant): number =>
      variants[variant].cpuUsPerPost.median / variants.http.cpuUsPerPost.median;
    const perVariant = options.warmup + options.rounds * options.posts;
    const counts = await sink.counts();
    const { onRound: _onRound, ...plain } = options;
    return {
      startedAt,
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
      options: plain,
      variants,
      adapterOverHttpCpu: overHttp('adapter'),
      sdkOverHttpCpu: overHttp('sdk-adapter'),
      sink: {
        expected: perVariant * VARIANTS.length,
        received: counts.posts,
        signed: counts.signed,
        expectedSigned: SIGNED_VARIANTS * perVariant,
      },
    };
  } finally {
    for (const poster of Object.values(posters)) poster.close();
    await sink.stop();
  }
}

const us = (n: number): string => n.toFixed(n < 100 ? 1 : 0);

const VARIANT_NAMES: Record<Variant, string> = {
  adapter: '`adapter`: the fan-out gateway, SigV4-signed `node:http` post (POST_CLIENT=signed)',
  'sdk-adapter': '`sdk-adapter`: SDK `PostToConnection` (POST_CLIENT=sdk)',
  'signed-http': '`signed-http`: SDK SigV4 signer + `node:http` (no client middleware)',
  http: '`http`: raw `node:http` POST, same bytes, unsigned',
};

/** A Markdown table of the result, for the terminal and results/. */
export function formatPostCost(result: PostCostResult): string {
  const { options: o, machine: m } = result;
  const rows = VARIANTS.map((variant) => {
    const v = result.variants[variant];
    const name = VARIANT_NAMES[variant];
    return `| ${name} | ${us(v.cpuUsPerPost.median)} (${us(v.cpuUsPerPost.min)}–${us(v.cpuUsPerPost.max)}) | ${us(v.wallUsPerPost.median)} | ${Math.round(v.postsPerSecond.median).toLocaleString('en-US')} |`;
  });
  return [
    `${o.rounds} rounds of ${o.posts.toLocaleString('en-US')} posts per variant, ${o.concurrency} in flight, after ${o.warmup.toLocaleString('en-US')} warm-up posts; ${m.cores} x ${m.cpu}, Node ${m.node}`,
    '',
    '| Variant | Client CPU µs / post, median (min–max) | Wall µs / post | Posts/s (one thread) |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `CPU over raw HTTP: adapter ${result.adapterOverHttpCpu.toFixed(2)}x, sdk-adapter ${result.sdkOverHttpCpu.toFixed(2)}x. Sink received ${result.sink.received.toLocaleString('en-US')} of ${result.sink.expected.toLocaleString('en-US')} posts, ${result.sink.signed.toLocaleString('en-US')} of ${result.sink.expectedSigned.toLocaleString('en-US')} SigV4-signed.`,
  ].join('\n');
}
