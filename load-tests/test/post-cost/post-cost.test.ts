import { describe, expect, it } from 'vitest';
import { round, spread } from '../../src/post-cost/measure.js';
import { formatPostCost, runPostCost } from '../../src/post-cost/run.js';
import { startSink } from '../../src/post-cost/sink-process.js';
import { adapterPoster, httpPoster, sdkPoster, signedHttpPoster } from '../../src/post-cost/posters.js';

describe('post-cost bench', () => {
  it('posts every measured and warm-up post to the sink, signed by all variants but the raw one', async () => {
    const result = await runPostCost({ posts: 60, rounds: 2, concurrency: 8, warmup: 10 });

    const perVariant = 10 + 2 * 60;
    expect(result.sink).toEqual({
      expected: 4 * perVariant,
      received: 4 * perVariant,
      signed: 3 * perVariant,
      expectedSigned: 3 * perVariant,
    });
    for (const variant of ['adapter', 'sdk-adapter', 'signed-http', 'http'] as const) {
      const { cpuUsPerPost, wallUsPerPost } = result.variants[variant];
      expect(cpuUsPerPost.min).toBeGreaterThan(0);
      expect(cpuUsPerPost.min).toBeLessThanOrEqual(cpuUsPerPost.median);
      expect(cpuUsPerPost.median).toBeLessThanOrEqual(cpuUsPerPost.max);
      expect(wallUsPerPost.median).toBeGreaterThan(0);
    }
    expect(result.adapterOverHttpCpu).toBeCloseTo(
      result.variants.adapter.cpuUsPerPost.median / result.variants.http.cpuUsPerPost.median,
    );
    expect(result.sdkOverHttpCpu).toBeCloseTo(
      result.variants['sdk-adapter'].cpuUsPerPost.median / result.variants.http.cpuUsPerPost.median,
    );
    const text = formatPostCost(result);
    expect(text).toContain('`adapter`: the fan-out gateway');
    expect(text).toContain('SDK `PostToConnection`');
    expect(text).toContain('SDK SigV4 signer');
    expect(text).toContain('Sink received 520 of 520 posts, 390 of 390 SigV4-signed.');
  });

  it('counts the posts of each poster at the sink, and stops the sink', async () => {
    const sink = await startSink();
    try {
      const [adapter, sdk, signed, http] = [
        adapterPoster(sink.endpoint),
        sdkPoster(sink.endpoint),
        signedHttpPoster(sink.endpoint),
        httpPoster(sink.endpoint),
      ];
      await round(adapter, 6, 3);
      await round(sdk, 7, 3);
      await round(signed, 4, 2);
      await round(http, 5, 2);
      for (const poster of [adapter, sdk, signed, http]) poster.close();
      expect(await sink.counts()).toEqual({ posts: 22, signed: 17 });
    } finally {
      await sink.stop();
    }
    expect(() => process.kill(sink.pid, 0)).toThrow();
  });

  it('fails a round when a post fails, rather than reporting a cost for posts never made', async () => {
    let made = 0;
    const failing = {
      post: async () => {
        made += 1;
        if (made === 3) throw new Error('post answered 500');
      },
      close: () => undefined,
    };
    await expect(round(failing, 10, 2)).rejects.toThrow('post answered 500');
  });

  it('summarizes rounds by median, min and max', () => {
    expect(spread([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(() => spread([])).toThrow();
  });
});
