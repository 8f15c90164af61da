import { readFile } from 'node:fs/promises';
import { CreateInvalidationCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { staleKeys, type StackOutputs, type WebObject } from './web-plan.js';

/** The deploy's upload step: every object with its headers, then the stale ones deleted, then one invalidation. */
export async function publishWeb(
  clients: { s3: S3Client; cloudfront: CloudFrontClient },
  outputs: Pick<StackOutputs, 'WebBucketName' | 'WebDistributionId'>,
  objects: readonly WebObject[],
): Promise<void> {
  const { s3, cloudfront } = clients;
  for (const object of objects) {
    await s3.send(
      new PutObjectCommand({
        Bucket: outputs.WebBucketName,
        Key: object.key,
        Body: object.body ?? (await readFile(object.file!)),
        ContentType: object.contentType,
        CacheControl: object.cacheControl,
      }),
    );
  }
  await deleteKeys(s3, outputs.WebBucketName, staleKeys(await listKeys(s3, outputs.WebBucketName), objects));
  await cloudfront.send(
    new CreateInvalidationCommand({
      DistributionId: outputs.WebDistributionId,
      InvalidationBatch: { CallerReference: `deploy-${Date.now()}`, Paths: { Quantity: 1, Items: ['/*'] } },
    }),
  );
}

/** CloudFormation cannot delete a bucket that holds objects: `npm run remove` empties it first. */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<void> {
  await deleteKeys(s3, bucket, await listKeys(s3, bucket));
}

async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

async function deleteKeys(s3: S3Client, bucket: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const Objects = keys.slice(i, i + 1000).map((Key) => ({ Key }));
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects, Quiet: true } }));
  }
}
