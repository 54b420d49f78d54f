import type { KitConfig } from '../config';

/**
 * Environment variables the engine's XML config reads with `from_env` (S3 disk, named collection).
 * Set in the engine's process before it starts, so no secret is ever written into a file.
 */
export function engineEnvironment(config: KitConfig): Record<string, string> {
  const s3 = config.s3;
  return {
    KIT_S3_ENDPOINT: s3.endpoint,
    KIT_S3_BUCKET_URL: `${s3.endpoint}/${s3.bucket}/`,
    KIT_S3_REGION: s3.region,
    // compose/config/config.d/storage.xml: the `s3` disk's endpoint and region.
    KIT_S3_DISK_URL: `${s3.endpoint}/${s3.bucket}/clickhouse/disks/s3/`,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey.reveal(),
  };
}
