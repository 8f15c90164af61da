import { describe, expect, it } from 'vitest';
import { round, spread } from '../../src/post-cost/measure.js';
import { formatPostCost, runPostCost } from '../../src/post-cost/run.js';
import { startSink } from '../../src/post-cost/sink-process.js';
import { httpPoster, sdkPoster, signedHttpPoster } from '../../src/post-cost/posters.js';

describe('post-cost bench', () => {
  it('posts every measured and warm-up post to the sink, signed by all variants but the raw one', async () => {
    const result = await runPostCost({ posts: 60, rounds: 2, concurrency: 8, warmup: 10 });

    const perVariant = 10 + 2 * 60;
    expect(result.sink).toEqual({
      expected: 3 * perVariant,
      received: 3 * perVariant,
      signed: 2 * perVariant,
      expectedSigned: 2 * perVariant,
    });
    for (const variant of ['sdk', 'signed-http', 'http'] as const) {
      const { cpuUsPerPost, wallUsPerPost } = result.variants[variant];
      expect(cpuUsPerPost.min).toBeGreaterThan(0);
      expect(cpuUsPerPost.min).toBeLessThanOrEqual(cpuUsPerPost.median);
      expect(cpuUsPerPost.median).toBeLessThanOrEqual(cpuUsPerPost.max);
      expect(wallUsPerPost.median).toBeGreaterThan(0);
    }
    expect(result.sdkOverHttpCpu).toBeCloseTo(
      result.variants.sdk.cpuUsPerPost.median / result.variants.http.cpuUsPerPost.median,
    );
    const text = formatPostCost(result);
    expect(text).toContain('SDK `PostToConnection`');
    expect(text).toContain('SDK SigV4 signer');
    expect(text).toContain('Sink received 390 of 390 posts, 260 of 260 SigV4-signed.');
  });

  it('counts the posts of each poster at the sink, and stops the sink', async () => {
    const sink = await startSink();
    try {
      const [sdk, signed, http] = [
        sdkPoster(sink.endpoint),
        signedHttpPoster(sink.endpoint),
        httpPoster(sink.endpoint),
      ];
      await round(sdk, 7, 3);
      await round(signed, 4, 2);
      await round(http, 5, 2);
      for (const poster of [sdk, signed, http]) poster.close();
      expect(await sink.counts()).toEqual({ posts: 16, signed: 11 });
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
