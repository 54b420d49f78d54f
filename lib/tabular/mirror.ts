import type { ClickHouseClient } from '@clickhouse/client';
import { clusterOf, command, queryRows, quoteString } from '../clickhouse';
import { targetSql } from './ddl';
import { countTableRows } from './stats';
import type { TableTarget } from './storage';

/** Partitions merged and copied at once: an ATTACH mostly waits on object PUTs, a merge on the CPU. */
const ATTACH_CONCURRENCY = 4;

export interface MirrorResult {
  copied: boolean;
  /** The copy holds exactly the source's parts (same partitions, rows and file hashes): the same rows, not read back. */
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
  const partitions = [...new Set((await activeParts(client, from, logComment)).map((p) => p.partition_id))];
  // Each partition is merged into one part first: the merge the table would do in the background
  // anyway, done once, so the copy is one part (a few dozen objects) per partition and the S3-disk
  // table never merges (downloads and uploads) it again.
  const queue = [...partitions];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const partition = `PARTITION ID ${quoteString(id)}`;
      await command(client, `OPTIMIZE TABLE ${targetSql(from)} ${partition} FINAL`, undefined, {
        logComment,
        settings: { optimize_throw_if_noop: 0, optimize_skip_merged_partitions: 1 },
      });
      await command(client, `ALTER TABLE ${targetSql(to)} ATTACH ${partition} FROM ${targetSql(from)}`, undefined, {
        logComment,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(ATTACH_CONCURRENCY, partitions.length) }, worker));
  const [after, copy] = await Promise.all([activeParts(client, from, logComment), activeParts(client, to, logComment)]);
  const key = (parts: PartInfo[]): string =>
    parts
      .map((p) => `${p.partition_id}/${p.rows}/${p.hash}`)
      .sort()
      .join(',');
  // Equal parts (hashes of every file's uncompressed bytes) are equal rows. A merge finishing between
  // the two looks is no mismatch, only no proof: the caller then reads both tables.
  return { copied: true, identical: key(after) === key(copy) };
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
