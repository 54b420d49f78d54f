import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { KitS3 } from './client';
import { S3Error, toS3Error } from './errors';
import { abortMultipartUploads } from './listing';
import { s3Call } from './objects';
import { checkBucketName, checkKey } from './validate';

export interface TransferProgress {
  key: string;
  loadedBytes: number;
  /** Unknown for streams of unknown length. */
  totalBytes: number | undefined;
}

export interface UploadOptions {
  bucket?: string;
  contentType?: string;
  /** Multipart part size in bytes (default 16 MiB; S3's minimum is 5 MiB). Smaller bodies go in one PUT. */
  partSize?: number;
  /** Parts uploaded at the same time (default 4). */
  queueSize?: number;
  onProgress?: (progress: TransferProgress) => void;
  /** Aborting stops the upload; nothing is stored and no multipart upload is left behind. */
  signal?: AbortSignal;
}

export interface UploadResult {
  key: string;
  bucket: string;
  etag: string | undefined;
}

const MIB = 1024 * 1024;
const DEFAULT_PART_SIZE = 16 * MIB;

/**
 * Uploads a stream or a buffer of any size: one PUT when it fits in a part, otherwise a
 * multipart upload with parts in parallel. If the source fails, the signal aborts, or a request
 * fails, the multipart upload is aborted, so neither a partial object nor stray parts remain.
 */
export async function uploadStream(
  s3: KitS3,
  key: string,
  body: Readable | Buffer | Uint8Array,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const bucket = options.bucket ?? s3.bucket;
  const target = { operation: 'upload', endpoint: s3.endpoint, bucket, key };
  checkBucketName(s3, 'upload', bucket);
  checkKey(s3, 'upload', bucket, key);
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (partSize < 5 * MIB)
    throw new S3Error('invalid-input', target, `partSize ${partSize} is below S3's minimum part size of 5 MiB.`);
  const signal = options.signal;
  if (signal?.aborted) throw new S3Error('aborted', target, 'the signal was already aborted; nothing was uploaded.');

  // Streams are what an abort can interrupt cleanly: destroying the source makes every part
  // uploader stop, after which the upload aborts its multipart upload itself.
  const source =
    body instanceof Readable ? body : Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)]);
  const totalBytes = body instanceof Readable ? streamLength(body) : body.byteLength;
  const onAbort = () => source.destroy(Object.assign(new Error('Upload aborted.'), { name: 'AbortError' }));
  signal?.addEventListener('abort', onAbort, { once: true });
  // Uploads begun before this call belong to someone else: the clean-up leaves them alone.
  const startedAt = new Date(Date.now() - 2_000);
  const upload = new Upload({
    client: s3.client,
    params: { Bucket: bucket, Key: key, Body: source, ContentType: options.contentType },
    partSize,
    queueSize: options.queueSize ?? 4,
    leavePartsOnError: false,
  });
  if (options.onProgress) {
    const report = options.onProgress;
    upload.on('httpUploadProgress', (p) =>
      report({ key, loadedBytes: p.loaded ?? 0, totalBytes: p.total ?? totalBytes }),
    );
  }
  try {
    const r = await upload.done();
    return { key, bucket, etag: r.ETag || undefined };
  } catch (e) {
    await abortMultipartUploads(s3, key, { bucket, exactKey: true, startedAfter: startedAt }).catch(() => undefined);
    if (signal?.aborted) throw new S3Error('aborted', target, 'the upload was aborted; nothing was stored.');
    const err = toS3Error(e, target, [s3.secret]);
    const fromServer = typeof e === 'object' && e !== null && '$metadata' in e;
    if (!fromServer && (err.reason === 'failed' || err.reason === 'aborted')) {
      // The source stream failed (or was destroyed): say so rather than blaming S3.
      const why = e instanceof Error ? e.message : String(e);
      throw new S3Error(
        'aborted',
        target,
        `the upload stopped because its source failed (${why}); nothing was stored.`,
        err.code,
        err.status,
      );
    }
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Uploads a local file (multipart above the part size), with progress. */
export async function uploadFile(
  s3: KitS3,
  localPath: string,
  key: string,
  options: UploadOptions = {},
): Promise<UploadResult> {
  let size: number;
  try {
    size = statSync(localPath).size;
  } catch {
    throw new S3Error(
      'invalid-input',
      { operation: 'uploadFile', endpoint: s3.endpoint, bucket: options.bucket ?? s3.bucket, key },
      `local file ${localPath} does not exist or cannot be read.`,
    );
  }
  const onProgress = options.onProgress;
  return uploadStream(s3, key, createReadStream(localPath, { highWaterMark: MIB }), {
    ...options,
    onProgress: onProgress ? (p) => onProgress({ ...p, totalBytes: size }) : undefined,
  });
}

export interface DownloadOptions {
  bucket?: string;
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
}

/** An object's content as a stream (not buffered). */
export async function downloadStream(
  s3: KitS3,
  key: string,
  options: Omit<DownloadOptions, 'onProgress'> = {},
): Promise<{ stream: Readable; size: number | undefined }> {
  const bucket = options.bucket ?? s3.bucket;
  const r = await s3Call(s3, 'download', bucket, key, () =>
    s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.signal }),
  );
  return { stream: r.Body as Readable, size: r.ContentLength };
}

/**
 * Downloads an object into a local file. Written to a temporary name next to it and renamed at
 * the end, so an interrupted download never leaves a truncated file under the real name.
 */
export async function downloadFile(
  s3: KitS3,
  key: string,
  localPath: string,
  options: DownloadOptions = {},
): Promise<{ bytes: number }> {
  const bucket = options.bucket ?? s3.bucket;
  const { stream, size } = await downloadStream(s3, key, options);
  const tmp = join(dirname(localPath), `.${basename(localPath)}.${process.pid}.${Date.now()}.part`);
  let loaded = 0;
  const report = options.onProgress;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      loaded += chunk.length;
      report?.({ key, loadedBytes: loaded, totalBytes: size });
      done(null, chunk);
    },
  });
  try {
    await pipeline(stream, counter, createWriteStream(tmp), { signal: options.signal });
    renameSync(tmp, localPath);
    return { bytes: loaded };
  } catch (e) {
    rmSync(tmp, { force: true });
    if (options.signal?.aborted)
      throw new S3Error(
        'aborted',
        { operation: 'downloadFile', endpoint: s3.endpoint, bucket, key },
        `the download was aborted; ${localPath} was not written.`,
      );
    throw toS3Error(e, { operation: 'downloadFile', endpoint: s3.endpoint, bucket, key }, [s3.secret]);
  }
}

/** The length of a file stream, when the stream reads a file. */
function streamLength(stream: Readable): number | undefined {
  const path = (stream as { path?: unknown }).path;
  if (typeof path !== 'string') return undefined;
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}
