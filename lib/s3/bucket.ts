import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import type { KitS3 } from './client';
import { S3Error, toS3Error } from './errors';
import { checkBucketName } from './validate';

/** Makes sure the bucket exists (default: the kit's bucket). Returns whether it was created. */
export async function ensureBucket(s3: KitS3, bucket: string = s3.bucket): Promise<{ created: boolean }> {
  checkBucketName(s3, 'ensureBucket', bucket);
  const target = { operation: 'ensureBucket', endpoint: s3.endpoint, bucket };
  try {
    await s3.client.send(new HeadBucketCommand({ Bucket: bucket }));
    return { created: false };
  } catch (e) {
    const err = toS3Error(e, target, [s3.secret]);
    if (err.reason !== 'no-such-bucket') throw err;
  }
  try {
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    return { created: true };
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === 'BucketAlreadyOwnedByYou') return { created: false };
    if (name === 'BucketAlreadyExists') {
      throw new S3Error(
        'access-denied',
        target,
        `bucket "${bucket}" already exists and belongs to another account. Choose another S3_BUCKET.`,
        name,
      );
    }
    throw toS3Error(e, target, [s3.secret]);
  }
}

/** True when the bucket exists and these credentials may use it. */
export async function bucketExists(s3: KitS3, bucket: string = s3.bucket): Promise<boolean> {
  checkBucketName(s3, 'bucketExists', bucket);
  try {
    await s3.client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (e) {
    const err = toS3Error(e, { operation: 'bucketExists', endpoint: s3.endpoint, bucket }, [s3.secret]);
    if (err.reason === 'no-such-bucket') return false;
    throw err;
  }
}
