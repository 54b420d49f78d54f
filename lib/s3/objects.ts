import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { KitS3 } from './client';
import { toS3Error } from './errors';
import { checkBucketName, checkKey } from './validate';

export interface ObjectOptions {
  /** Bucket (default: the client's bucket, S3_BUCKET). */
  bucket?: string;
  signal?: AbortSignal;
}

export interface PutOptions extends ObjectOptions {
  contentType?: string;
  /** Fail instead of overwriting an existing object (`If-None-Match: *`). */
  ifAbsent?: boolean;
}

export type ObjectInfo = {
  key: string;
  size: number;
  lastModified: Date | undefined;
  etag: string | undefined;
  contentType?: string | undefined;
};

/** Runs one SDK call, turning its failure into an S3Error naming the operation, bucket and key. */
export async function s3Call<T>(
  s3: KitS3,
  operation: string,
  bucket: string,
  key: string | undefined,
  call: () => Promise<T>,
): Promise<T> {
  checkBucketName(s3, operation, bucket);
  if (key !== undefined) checkKey(s3, operation, bucket, key);
  try {
    return await call();
  } catch (e) {
    throw toS3Error(e, { operation, endpoint: s3.endpoint, bucket, key }, [s3.secret]);
  }
}

/** Stores a small object in one request (strings are stored as UTF-8). */
export async function putObject(
  s3: KitS3,
  key: string,
  body: Buffer | Uint8Array | string,
  options: PutOptions = {},
): Promise<{ etag: string | undefined }> {
  const bucket = options.bucket ?? s3.bucket;
  const r = await s3Call(s3, 'putObject', bucket, key, () =>
    s3.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
        ContentType: options.contentType,
        IfNoneMatch: options.ifAbsent ? '*' : undefined,
      }),
      { abortSignal: options.signal },
    ),
  );
  return { etag: r.ETag };
}

/** Reads a whole object into memory. For large objects use downloadFile or downloadStream. */
export async function getObject(s3: KitS3, key: string, options: ObjectOptions = {}): Promise<Buffer> {
  const bucket = options.bucket ?? s3.bucket;
  return s3Call(s3, 'getObject', bucket, key, async () => {
    const r = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.signal });
    return Buffer.from(await r.Body!.transformToByteArray());
  });
}

/** Reads a whole object as UTF-8 text. */
export async function getObjectText(s3: KitS3, key: string, options: ObjectOptions = {}): Promise<string> {
  return (await getObject(s3, key, options)).toString('utf8');
}

/** Size, date and ETag of an object; throws S3Error `no-such-key` when it does not exist. */
export async function headObject(s3: KitS3, key: string, options: ObjectOptions = {}): Promise<ObjectInfo> {
  const bucket = options.bucket ?? s3.bucket;
  const r = await s3Call(s3, 'headObject', bucket, key, () =>
    s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.signal }),
  );
  return { key, size: r.ContentLength ?? 0, lastModified: r.LastModified, etag: r.ETag, contentType: r.ContentType };
}

export async function objectExists(s3: KitS3, key: string, options: ObjectOptions = {}): Promise<boolean> {
  try {
    await headObject(s3, key, options);
    return true;
  } catch (e) {
    if ((e as { reason?: string }).reason === 'no-such-key') return false;
    throw e;
  }
}

/** Deletes one object (no error when it does not exist, as in S3). */
export async function deleteObject(s3: KitS3, key: string, options: ObjectOptions = {}): Promise<void> {
  const bucket = options.bucket ?? s3.bucket;
  await s3Call(s3, 'deleteObject', bucket, key, () =>
    s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.signal }),
  );
}
