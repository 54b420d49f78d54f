import pl from 'nodejs-polars';
import type { KitS3 } from './client';
import { S3Error } from './errors';
import { getObject } from './objects';
import type { ObjectOptions } from './objects';
import { uploadStream } from './transfer';
import type { UploadOptions, UploadResult } from './transfer';

export type ParquetCompression = 'uncompressed' | 'snappy' | 'gzip' | 'lz4' | 'zstd' | 'brotli';

/** Writes a nodejs-polars DataFrame as one Parquet object (multipart when large). */
export async function uploadFrame(
  s3: KitS3,
  key: string,
  frame: pl.DataFrame,
  options: UploadOptions & { compression?: ParquetCompression } = {},
): Promise<UploadResult & { bytes: number }> {
  const body = frame.writeParquet({ compression: options.compression ?? 'zstd' });
  const r = await uploadStream(s3, key, body, { contentType: 'application/vnd.apache.parquet', ...options });
  return { ...r, bytes: body.byteLength };
}

/** Reads a Parquet object into a nodejs-polars DataFrame (whole object in memory). */
export async function downloadFrame(s3: KitS3, key: string, options: ObjectOptions = {}): Promise<pl.DataFrame> {
  const bytes = await getObject(s3, key, options);
  try {
    return pl.readParquet(bytes);
  } catch (e) {
    throw new S3Error(
      'invalid-input',
      { operation: 'downloadFrame', endpoint: s3.endpoint, bucket: options.bucket ?? s3.bucket, key },
      `the object is not a readable Parquet file (${e instanceof Error ? e.message : String(e)}).`,
    );
  }
}
