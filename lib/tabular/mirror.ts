import type { ClickHouseClient } from '@clickhouse/client';
import { command } from '../clickhouse';
import { targetSql } from './ddl';
import { countTableRows } from './stats';
import type { TableTarget } from './storage';

/**
 * Makes `to` (a table being loaded, not live) hold the rows of `from` with one INSERT SELECT
 * inside the engine: big parts instead of one small part per chunk and partition, which on the
 * S3 disk means far fewer objects. A copy cut short is redone from empty, so it completes exactly.
 */
export async function mirrorTable(
  client: ClickHouseClient,
  from: TableTarget,
  to: TableTarget,
  logComment: string,
): Promise<{ copied: boolean }> {
  const [have, want] = await Promise.all([countTableRows(client, to), countTableRows(client, from)]);
  if (have === want) return { copied: false };
  await command(client, `TRUNCATE TABLE ${targetSql(to)}`, undefined, { logComment });
  await command(client, `INSERT INTO ${targetSql(to)} SELECT * FROM ${targetSql(from)}`, undefined, {
    logComment,
    // Copies are not retried batches: deduplication would only drop legitimately equal blocks.
    settings: { insert_deduplicate: 0, max_insert_threads: '2' },
  });
  return { copied: true };
}
