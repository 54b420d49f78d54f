import type { ClickHouseClient } from '@clickhouse/client';
import { clusterOf, command, queryRows, quoteString } from '../clickhouse';
import { targetSql } from './ddl';
import { countTableRows } from './stats';
import type { TableTarget } from './storage';

/** Partitions copied at once: each ATTACH mostly waits on object PUTs, so a few overlap well. */
const ATTACH_CONCURRENCY = 4;

export interface MirrorResult {
  copied: boolean;
  /**
   * The copy is made of exactly the source's parts (same partitions, rows and file hashes, and the
   * source did not change meanwhile): `to` holds the same rows as `from` without reading them back.
   */
  identical: boolean;
}

/**
 * Makes `to` (a table being loaded, not live) hold the rows of `from`. On a single node the parts
 * themselves are copied (`ATTACH PARTITION ... FROM`, across storage policies: the S3-disk table
 * gets the local table's merged parts as they are, with no decoding, sorting, compressing or
 * merging again). On a cluster, one INSERT SELECT. A copy cut short is redone from empty, so it
 * completes exactly.
 */
export async function mirrorTable(
  client: ClickHouseClient,
  from: TableTarget,
  to: TableTarget,
  logComment: string,
): Promise<MirrorResult> {
  const [have, want] = await Promise.all([countTableRows(client, to), countTableRows(client, from)]);
  if (have === want) return { copied: false, identical: false };
  await command(client, `TRUNCATE TABLE ${targetSql(to)}`, undefined, { logComment });
  if (clusterOf(client)) {
    await command(client, `INSERT INTO ${targetSql(to)} SELECT * FROM ${targetSql(from)}`, undefined, {
      logComment,
      // Copies are not retried batches: deduplication would only drop legitimately equal blocks.
      settings: { insert_deduplicate: 0, max_insert_threads: '2' },
    });
    return { copied: true, identical: false };
  }
  const before = await activeParts(client, from, logComment);
  const partitions = [...new Set(before.map((p) => p.partition_id))];
  const queue = [...partitions];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift())
      await command(
        client,
        `ALTER TABLE ${targetSql(to)} ATTACH PARTITION ID ${quoteString(id)} FROM ${targetSql(from)}`,
        undefined,
        { logComment },
      );
  };
  await Promise.all(Array.from({ length: Math.min(ATTACH_CONCURRENCY, partitions.length) }, worker));
  const [after, copy] = await Promise.all([activeParts(client, from, logComment), activeParts(client, to, logComment)]);
  const key = (parts: PartInfo[]): string =>
    parts
      .map((p) => `${p.partition_id}/${p.rows}/${p.hash}`)
      .sort()
      .join(',');
  // A merge of either table between the two looks is no mismatch, only no proof: the caller then reads both.
  return { copied: true, identical: key(before) === key(after) && key(copy) === key(before) };
}

interface PartInfo {
  partition_id: string;
  rows: string;
  hash: string;
}

async function activeParts(client: ClickHouseClient, target: TableTarget, logComment: string): Promise<PartInfo[]> {
  return queryRows<PartInfo>(
    client,
    'SELECT partition_id, toString(rows) AS rows, hash_of_uncompressed_files AS hash FROM system.parts WHERE database = {db:String} AND table = {t:String} AND active',
    { db: target.database, t: target.name },
    { logComment },
  );
}
