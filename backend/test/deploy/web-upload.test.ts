import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planUpload } from '../../src/deploy/web-plan.js';
import { emptyBucket, publishWeb } from '../../src/deploy/web-upload.js';

/* No AWS account is reachable from here: the upload step runs against stubbed S3 and CloudFront clients. */
const s3 = mockClient(S3Client);
const cloudfront = mockClient(CloudFrontClient);
const outputs = { WebBucketName: 'web-bucket', WebDistributionId: 'E2DIST' };

describe('the upload step of npm run deploy', () => {
  let dist: string;
  beforeAll(async () => {
    dist = await mkdtemp(path.join(tmpdir(), 'web-dist-'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>chat</title>');
  });
  afterAll(async () => {
    await rm(dist, { recursive: true, force: true });
  });
  afterEach(() => {
    s3.reset();
    cloudfront.reset();
  });

  it('puts every object with its type and cache headers, deletes the stale ones, then invalidates once', async () => {
    // Prepare: the bucket holds an earlier deploy (a dropped file, an old hashed asset, the old page).
    s3.on(ListObjectsV2Command).resolvesOnce({
      Contents: [{ Key: 'index.html' }, { Key: 'robots.txt' }, { Key: 'assets/index-Old1.js' }],
    });
    const objects = await planUpload(dist, { wsUrl: 'wss://x/demo', authMode: 'guest' });
    // Act
    await publishWeb({ s3: new S3Client({}), cloudfront: new CloudFrontClient({}) }, outputs, objects);
    // Assess
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Bucket, p.Key, p.ContentType, p.CacheControl])).toEqual([
      ['web-bucket', 'index.html', 'text/html; charset=utf-8', 'no-cache'],
      ['web-bucket', 'config.json', 'application/json', 'no-cache'],
    ]);
    expect(String(puts[0]!.Body)).toBe('<!doctype html><title>chat</title>');
    expect(JSON.parse(String(puts[1]!.Body))).toEqual({ wsUrl: 'wss://x/demo', authMode: 'guest' });
    const deletes = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects);
    expect(deletes).toEqual([[{ Key: 'robots.txt' }]]);
    const invalidations = cloudfront.commandCalls(CreateInvalidationCommand).map((c) => c.args[0].input);
    expect(invalidations).toMatchObject([
      { DistributionId: 'E2DIST', InvalidationBatch: { Paths: { Items: ['/*'] } } },
    ]);
  });

  it('empties a bucket of any size page by page before the stack is removed', async () => {
    const page = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ Key: `assets/f${from + i}.js` }));
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: page(0, 1000), NextContinuationToken: 't1' })
      .resolvesOnce({ Contents: page(1000, 500) });
    await emptyBucket(new S3Client({}), 'web-bucket');
    expect(s3.commandCalls(ListObjectsV2Command)[1]!.args[0].input.ContinuationToken).toBe('t1');
    expect(s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.length)).toEqual([
      1000, 500,
    ]);
  });
});
