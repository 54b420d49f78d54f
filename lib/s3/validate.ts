import type { KitS3 } from './client';
import { S3Error } from './errors';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function checkBucketName(s3: KitS3, operation: string, bucket: string): void {
  if (!BUCKET_NAME.test(bucket)) {
    throw new S3Error(
      'invalid-input',
      { operation, endpoint: s3.endpoint, bucket },
      `"${bucket}" is not a valid bucket name: use 3-63 lower-case letters, digits, "." and "-".`,
    );
  }
}

/** Object keys: non-empty, at most 1024 bytes, no leading "/" (it would become an empty path segment). */
export function checkKey(s3: KitS3, operation: string, bucket: string, key: string): void {
  const bad = !key
    ? 'the key is empty'
    : key.startsWith('/')
      ? 'the key starts with "/"; S3 keys are relative (write "data/x.parquet", not "/data/x.parquet")'
      : Buffer.byteLength(key) > 1024
        ? 'the key is longer than 1024 bytes'
        : undefined;
  if (bad) throw new S3Error('invalid-input', { operation, endpoint: s3.endpoint, bucket, key }, `${bad}.`);
}

/** Prefixes may be empty only when the caller says so explicitly (deleting "everything" by accident is too easy). */
export function checkPrefix(s3: KitS3, operation: string, bucket: string, prefix: string, allowEmpty: boolean): void {
  if (prefix.startsWith('/')) {
    throw new S3Error(
      'invalid-input',
      { operation, endpoint: s3.endpoint, bucket, key: prefix },
      'the prefix starts with "/"; S3 keys are relative.',
    );
  }
  if (!prefix && !allowEmpty) {
    throw new S3Error(
      'invalid-input',
      { operation, endpoint: s3.endpoint, bucket },
      'the prefix is empty, which means every object in the bucket. Pass { wholeBucket: true } if that is really meant.',
    );
  }
}
