import { createHash } from 'node:crypto';
import { deleteObject, headObject, listAllObjects, putObject, type KitS3 } from '../s3';
import type { TableTarget } from './storage';

/** Object key of chunk `k` of a dataset table staged for an `s3_engine` target. */
export function chunkObjectKey(target: TableTarget, chunk: number): string {
  return `${target.lakePrefix}/part-${String(chunk).padStart(5, '0')}.parquet`;
}

/**
 * Puts Parquet bytes at a key unless the object there already has exactly these bytes (its
 * ETag is the MD5 of a single-part upload): a re-run uploads nothing.
 */
export async function stageObject(s3: KitS3, key: string, bytes: Uint8Array): Promise<{ uploaded: boolean }> {
  const md5 = createHash('md5').update(bytes).digest('hex');
  try {
    const info = await headObject(s3, key);
    if (info.etag?.replace(/"/g, '') === md5 && info.size === bytes.byteLength) return { uploaded: false };
  } catch (e) {
    if ((e as { reason?: string }).reason !== 'no-such-key') throw e;
  }
  await putObject(s3, key, bytes, { contentType: 'application/vnd.apache.parquet' });
  return { uploaded: true };
}

/** Deletes the objects under a target's prefix that are not in `keep` (left from a larger dataset, or inserted rows). */
export async function pruneObjects(
  s3: KitS3,
  target: TableTarget,
  keep: ReadonlySet<string>,
): Promise<{ deleted: number }> {
  let deleted = 0;
  for (const o of await listAllObjects(s3, `${target.lakePrefix}/`)) {
    if (keep.has(o.key)) continue;
    await deleteObject(s3, o.key);
    deleted++;
  }
  return { deleted };
}
