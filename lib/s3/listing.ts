import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import type { KitS3 } from './client';
import { S3Error } from './errors';
import type { ObjectInfo } from './objects';
import { s3Call } from './objects';
import { checkPrefix } from './validate';

export interface ListOptions {
  bucket?: string;
  /** Keys per request (1-1000, default 1000). */
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * Every object under a prefix, page after page (ListObjectsV2 continuation tokens), as an
 * async iterable: `for await (const o of listObjects(s3, 'lake/'))`. An empty prefix lists the
 * whole bucket.
 */
export async function* listObjects(s3: KitS3, prefix: string, options: ListOptions = {}): AsyncGenerator<ObjectInfo> {
  const bucket = options.bucket ?? s3.bucket;
  checkPrefix(s3, 'listObjects', bucket, prefix, true);
  const pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 1000));
  let token: string | undefined;
  do {
    const page = await s3Call(s3, 'listObjects', bucket, undefined, () =>
      s3.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: pageSize, ContinuationToken: token }),
        {
          abortSignal: options.signal,
        },
      ),
    );
    for (const o of page.Contents ?? []) {
      yield { key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified, etag: o.ETag };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** {@link listObjects} collected into an array (stops after `limit` objects when given). */
export async function listAllObjects(
  s3: KitS3,
  prefix: string,
  options: ListOptions & { limit?: number } = {},
): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of listObjects(s3, prefix, options)) {
    out.push(o);
    if (options.limit !== undefined && out.length >= options.limit) break;
  }
  return out;
}

export interface DeletePrefixOptions extends ListOptions {
  /** Required to delete with an empty prefix, i.e. every object of the bucket. */
  wholeBucket?: boolean;
}

/** Deletes every object under a prefix, 1000 per request. Returns how many were deleted. */
export async function deleteByPrefix(
  s3: KitS3,
  prefix: string,
  options: DeletePrefixOptions = {},
): Promise<{ deleted: number }> {
  const bucket = options.bucket ?? s3.bucket;
  checkPrefix(s3, 'deleteByPrefix', bucket, prefix, options.wholeBucket === true);
  let deleted = 0;
  // Listing restarts after each batch: deleting while paging would skip keys on some servers.
  for (;;) {
    const batch = await listAllObjects(s3, prefix, { ...options, bucket, limit: 1000 });
    if (batch.length === 0) return { deleted };
    const r = await s3Call(s3, 'deleteByPrefix', bucket, undefined, () =>
      s3.client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((o) => ({ Key: o.key })), Quiet: true },
        }),
        {
          abortSignal: options.signal,
        },
      ),
    );
    const failed = r.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0]!;
      throw new S3Error(
        'failed',
        { operation: 'deleteByPrefix', endpoint: s3.endpoint, bucket, key: prefix },
        `${failed.length} object(s) could not be deleted, e.g. "${first.Key}": ${first.Code ?? 'error'} ${first.Message ?? ''}`.trim(),
        first.Code,
      );
    }
    deleted += batch.length;
  }
}

export type MultipartUploadInfo = {
  key: string;
  uploadId: string;
  initiated: Date | undefined;
};

/** Multipart uploads started under a prefix and neither completed nor aborted. */
export async function listMultipartUploads(
  s3: KitS3,
  prefix: string,
  options: ListOptions = {},
): Promise<MultipartUploadInfo[]> {
  const bucket = options.bucket ?? s3.bucket;
  checkPrefix(s3, 'listMultipartUploads', bucket, prefix, true);
  const out: MultipartUploadInfo[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await s3Call(s3, 'listMultipartUploads', bucket, undefined, () =>
      s3.client.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
        {
          abortSignal: options.signal,
        },
      ),
    );
    for (const u of page.Uploads ?? []) out.push({ key: u.Key!, uploadId: u.UploadId!, initiated: u.Initiated });
    if (!page.IsTruncated) return out;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/** Aborts unfinished multipart uploads under a prefix (their parts use space until then). */
export async function abortMultipartUploads(
  s3: KitS3,
  prefix: string,
  options: ListOptions & { startedAfter?: Date; exactKey?: boolean } = {},
): Promise<{ aborted: number }> {
  const bucket = options.bucket ?? s3.bucket;
  const uploads = (await listMultipartUploads(s3, prefix, options)).filter(
    (u) =>
      (!options.exactKey || u.key === prefix) &&
      (!options.startedAfter || !u.initiated || u.initiated >= options.startedAfter),
  );
  for (const u of uploads) {
    await s3Call(s3, 'abortMultipartUpload', bucket, u.key, () =>
      s3.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.key, UploadId: u.uploadId })),
    );
  }
  return { aborted: uploads.length };
}
