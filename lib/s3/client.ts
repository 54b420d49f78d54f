import { S3Client } from '@aws-sdk/client-s3';
import type { KitConfig, Secret } from '../config';
import { S3Error } from './errors';

/** An S3 client bound to the kit's endpoint and default bucket. */
export interface KitS3 {
  readonly client: S3Client;
  readonly endpoint: string;
  readonly region: string;
  /** Default bucket of every helper (config.s3.bucket). */
  readonly bucket: string;
  /** Kept to scrub error texts; prints as [REDACTED]. */
  readonly secret: Secret;
}

export interface CreateS3ClientOptions {
  /** Per-request timeout in ms (default 120 000); connection timeout is 5 000 ms. */
  requestTimeoutMs?: number;
  /** SDK retries (default 3). */
  maxAttempts?: number;
}

/**
 * An S3 client for `config.s3` (endpoint, region, keys from .env, path-style addressing).
 * Checksums are only computed when an operation requires them: S3-compatible servers such
 * as Ceph RGW 16 do not understand the SDK's newer default trailing checksums.
 */
export function createS3Client(config: KitConfig, options: CreateS3ClientOptions = {}): KitS3 {
  const s3 = config.s3;
  if (!s3.accessKeyId || s3.secretAccessKey.isEmpty) {
    throw new S3Error(
      'bad-credentials',
      { operation: 'connect', endpoint: s3.endpoint },
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are not set. Run `npm run setup` (it writes them into .env) or set them in the environment.',
    );
  }
  // The SDK warns on every process under Node 22; the kit pins Node 20 knowingly.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey.reveal() },
    maxAttempts: options.maxAttempts ?? 3,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: options.requestTimeoutMs ?? 120_000 },
  });
  return { client, endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, secret: s3.secretAccessKey };
}
