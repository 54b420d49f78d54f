import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../clickhouse';
import { ensureLakeCollection } from './collection';
import { lakeSource } from './source';
import type { LakeSource, LakeSourceOptions } from './source';

/** Type aliases (not interfaces), so lists of them go straight into showTable. */
export type LakeColumn = {
  name: string;
  type: string;
};

export type LakeFile = {
  /** `bucket/key` as ClickHouse's `_path` virtual column gives it. */
  path: string;
  /** File name (`_file`). */
  file: string;
  rows: number;
};

function sourceOf(source: LakeSource | LakeSourceOptions): LakeSource {
  return 'sql' in source ? source : lakeSource(source);
}

/** The columns ClickHouse sees in lake objects (inferred, or the explicit structure). */
export async function describeLake(
  client: ClickHouseClient,
  source: LakeSource | LakeSourceOptions,
): Promise<LakeColumn[]> {
  await ensureLakeCollection(client);
  const src = sourceOf(source);
  const rows = await queryRows<{ name: string; type: string }>(client, `DESCRIBE TABLE ${src.sql}`, src.params, {
    logComment: 'kit:lake',
  });
  return rows.map((r) => ({ name: r.name, type: r.type }));
}

/** Rows per object matched by a path or glob, using the `_path` and `_file` virtual columns. */
export async function lakeFiles(client: ClickHouseClient, source: LakeSource | LakeSourceOptions): Promise<LakeFile[]> {
  await ensureLakeCollection(client);
  const src = sourceOf(source);
  const rows = await queryRows<{ path: string; file: string; rows: string }>(
    client,
    `SELECT _path AS path, _file AS file, count() AS rows FROM ${src.sql} GROUP BY path, file ORDER BY path`,
    src.params,
    { logComment: 'kit:lake' },
  );
  return rows.map((r) => ({ path: r.path, file: r.file, rows: Number(r.rows) }));
}

/** Number of rows in the matched objects. */
export async function countLake(client: ClickHouseClient, source: LakeSource | LakeSourceOptions): Promise<number> {
  await ensureLakeCollection(client);
  const src = sourceOf(source);
  const rows = await queryRows<{ n: string }>(client, `SELECT count() AS n FROM ${src.sql}`, src.params, {
    logComment: 'kit:lake',
  });
  return Number(rows[0]?.n ?? 0);
}
