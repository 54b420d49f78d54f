import type { ClickHouseClient } from '@clickhouse/client';
import { queryOne } from '../clickhouse';
import { targetSql } from './ddl';
import type { TableTarget } from './storage';

export interface TableStats {
  rows: number;
  /**
   * `sum(cityHash64(tuple(*)))` as text: equal content gives equal checksums, in any storage mode
   * and whatever the row order. `tuple(*)` because cityHash64 of a NULL argument is NULL, and
   * every event row holds some NULL.
   */
  checksum: string;
}

export const CHECKSUM_SQL = 'sum(cityHash64(tuple(*)))';

export async function tableStats(client: ClickHouseClient, target: TableTarget): Promise<TableStats> {
  const row = await queryOne<{ rows: string; checksum: string }>(
    client,
    `SELECT count() AS rows, toString(${CHECKSUM_SQL}) AS checksum FROM ${targetSql(target)}`,
    undefined,
    { logComment: 'kit:tabular:stats' },
  );
  return { rows: Number(row?.rows ?? 0), checksum: row?.checksum ?? '0' };
}

export async function countTableRows(client: ClickHouseClient, target: TableTarget): Promise<number> {
  const row = await queryOne<{ n: string }>(client, `SELECT count() AS n FROM ${targetSql(target)}`, undefined, {
    logComment: 'kit:tabular:count',
  });
  return Number(row?.n ?? 0);
}
