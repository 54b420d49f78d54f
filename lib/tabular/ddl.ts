import { qualifiedName, quoteIdentifier, quoteString } from '../clickhouse';
import { LAKE_COLLECTION } from '../lake';
import { DEDUPLICATION_WINDOW, S3_STORAGE_POLICY, type TableTarget } from './storage';

/** `CREATE TABLE` for a target in its storage mode (idempotent with `IF NOT EXISTS`). */
export function createTableSql(target: TableTarget, options: { ifNotExists?: boolean } = {}): string {
  const def = target.def;
  const head = `CREATE TABLE ${options.ifNotExists === false ? '' : 'IF NOT EXISTS '}${qualifiedName(target.database, target.name)}`;
  const columns = def.columns.map((c) => `    ${quoteIdentifier(c.name)} ${c.type} COMMENT ${quoteString(c.comment)}`).join(',\n');
  const comment = `COMMENT ${quoteString(def.comment)}`;

  if (target.mode === 's3_engine') {
    const filename = quoteString(`${target.lakePrefix}/*.parquet`);
    return `${head}\n(\n${columns}\n)\nENGINE = S3(${LAKE_COLLECTION}, filename = ${filename}, format = 'Parquet')\n${comment}`;
  }

  const settings = [
    // A repeated insert with the same insert_deduplication_token (a re-run, a retried batch) is dropped.
    `non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`,
    // Lightweight UPDATE needs the block number and offset columns.
    'enable_block_number_column = 1',
    'enable_block_offset_column = 1',
  ];
  if (target.mode === 's3_disk') settings.push(`storage_policy = ${quoteString(S3_STORAGE_POLICY)}`);
  return [
    head,
    `(\n${columns}\n)`,
    'ENGINE = MergeTree',
    def.partitionBy ? `PARTITION BY ${def.partitionBy}` : undefined,
    `ORDER BY (${def.orderBy.map(quoteIdentifier).join(', ')})`,
    `SETTINGS ${settings.join(', ')}`,
    comment,
  ]
    .filter((x): x is string => x !== undefined)
    .join('\n');
}

export function dropTableSql(target: TableTarget): string {
  // SYNC: the parts (and their S3 objects) are gone when the statement returns.
  return `DROP TABLE IF EXISTS ${qualifiedName(target.database, target.name)} SYNC`;
}

export function targetSql(target: TableTarget): string {
  return qualifiedName(target.database, target.name);
}
