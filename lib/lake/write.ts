import type { ClickHouseClient } from '@clickhouse/client';
import { command, queryRows, quoteIdentifier, tableSql } from '../clickhouse';
import type { QueryParamValues, TableRef } from '../clickhouse';
import { deleteByPrefix, listAllObjects, type KitS3 } from '../s3';
import { ensureLakeCollection, LAKE_COLLECTION } from './collection';
import { countLake } from './inspect';
import { LakeError } from './errors';
import { lakeWriteSettings } from './parquet';
import type { ParquetWriteOptions } from './parquet';
import { checkFormat, checkLakePath, lakeSource } from './source';
import type { LakeFormat, LakeSource } from './source';

export interface WriteToLakeOptions {
  /**
   * Without partitionBy: the object key to write (`lake/out/trips.parquet`).
   * With partitionBy: the prefix the partitions go under; it must end with "/".
   */
  path: string;
  /** SELECT producing the rows. */
  select: string;
  /** Parameters of `select` ({name:Type} placeholders). */
  params?: QueryParamValues;
  format?: LakeFormat;
  /**
   * Columns to partition by: one folder level per column in Hive style
   * (`prefix/day=2024-01-01/kind=a/<id>.parquet`); the columns stay inside the files too, so
   * reading back gives exactly the columns written.
   */
  partitionBy?: string[];
  /** Replace an existing object at `path` (single-object writes only; default false). */
  overwrite?: boolean;
  /** Parquet encoding over the kit's defaults (LAKE_PARQUET_DEFAULTS); Parquet writes only. */
  parquet?: ParquetWriteOptions;
}

/**
 * `INSERT INTO FUNCTION s3(lake, ...) [PARTITION BY ...] SELECT ...`. Count what was written with
 * countLake: the embedded engine does not report written rows for INSERT ... SELECT.
 */
export async function writeToLake(client: ClickHouseClient, options: WriteToLakeOptions): Promise<{ queryId: string }> {
  await ensureLakeCollection(client);
  const format = options.format ?? 'Parquet';
  checkFormat(format);
  checkLakePath(options.path);
  const partitioned = options.partitionBy !== undefined && options.partitionBy.length > 0;
  if (partitioned && !options.path.endsWith('/')) {
    throw new LakeError(`With partitionBy, path is a prefix and must end with "/" (got "${options.path}").`);
  }
  if (!partitioned && /[*?{}]/.test(options.path)) {
    throw new LakeError(`"${options.path}" is a glob; writing needs one object key (or a prefix with partitionBy).`);
  }
  const encoding = lakeWriteSettings(format, options.parquet);
  const params: QueryParamValues = { ...options.params, lake_out_path: options.path, lake_out_format: format };
  const args = [LAKE_COLLECTION, 'filename = {lake_out_path:String}', 'format = {lake_out_format:String}'];
  let partitionClause = '';
  let select = options.select;
  if (partitioned) {
    args.push("partition_strategy = 'hive'", 'partition_columns_in_data_file = 1');
    partitionClause = `PARTITION BY (${options.partitionBy!.map(quoteIdentifier).join(', ')})\n`;
    select = await withPlainPartitionColumns(client, options.select, options.params, options.partitionBy!);
  }
  const sql = `INSERT INTO FUNCTION s3(${args.join(', ')})\n${partitionClause}${select}`;
  const r = await command(client, sql, params, {
    logComment: 'kit:lake',
    settings: { ...encoding, ...(partitioned ? {} : { s3_truncate_on_insert: options.overwrite ? 1 : 0 }) },
  });
  return { queryId: r.queryId };
}

/**
 * Hive partitioning takes plain Integer, Date, DateTime and String columns only. A
 * LowCardinality(T) partition column is written as T, which Parquet stores the same way.
 */
async function withPlainPartitionColumns(
  client: ClickHouseClient,
  select: string,
  params: QueryParamValues | undefined,
  partitionBy: string[],
): Promise<string> {
  const columns = await queryRows<{ name: string; type: string }>(client, `DESCRIBE TABLE (${select})`, params, {
    logComment: 'kit:lake',
  });
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const casts: string[] = [];
  for (const name of partitionBy) {
    const type = types.get(name);
    if (type === undefined)
      throw new LakeError(
        `partitionBy names "${name}", which the SELECT does not return (it returns ${columns.map((c) => c.name).join(', ')}).`,
      );
    const inner = /^LowCardinality\((.*)\)$/.exec(type)?.[1];
    if (inner) casts.push(`CAST(${quoteIdentifier(name)} AS ${inner}) AS ${quoteIdentifier(name)}`);
  }
  return casts.length === 0 ? select : `SELECT * REPLACE (${casts.join(', ')}) FROM (${select})`;
}

export interface ExportTableOptions {
  /** Table to export. */
  table: TableRef;
  /** Prefix (ending with "/") the export goes under. */
  prefix: string;
  partitionBy?: string[];
  format?: LakeFormat;
  /** Delete what is under the prefix first, so the export is exactly the table (default true). */
  replace?: boolean;
  /** Parquet encoding over the kit's defaults (LAKE_PARQUET_DEFAULTS); Parquet exports only. */
  parquet?: ParquetWriteOptions;
}

export interface ExportResult {
  /** Rows in the exported objects, counted by reading them back. */
  rows: number;
  files: number;
  bytes: number;
  /** Reads the export back: every object under the prefix. */
  source: LakeSource;
}

const EXTENSIONS: Record<LakeFormat, string> = {
  Parquet: 'parquet',
  CSV: 'csv',
  CSVWithNames: 'csv',
  TSV: 'tsv',
  TSVWithNames: 'tsv',
  JSONEachRow: 'jsonl',
  JSONLines: 'jsonl',
  NDJSON: 'ndjson',
  ORC: 'orc',
  Avro: 'avro',
  Arrow: 'arrow',
};

/**
 * Exports a warehouse table to the lake (by default Parquet, optionally Hive-partitioned) and
 * reports the objects written. `s3` must address the same bucket as the `lake` collection.
 */
export async function exportTable(
  client: ClickHouseClient,
  s3: KitS3,
  options: ExportTableOptions,
): Promise<ExportResult> {
  const format = options.format ?? 'Parquet';
  checkFormat(format);
  checkLakePath(options.prefix);
  if (!options.prefix.endsWith('/'))
    throw new LakeError(`The export prefix must end with "/" (got "${options.prefix}").`);
  lakeWriteSettings(format, options.parquet);
  if (options.replace ?? true) await deleteByPrefix(s3, options.prefix);
  const partitioned = (options.partitionBy ?? []).length > 0;
  await writeToLake(client, {
    path: partitioned ? options.prefix : `${options.prefix}part-0.${EXTENSIONS[format]}`,
    select: `SELECT * FROM ${tableSql(options.table)}`,
    format,
    partitionBy: options.partitionBy,
    overwrite: true,
    parquet: options.parquet,
  });
  const objects = await listAllObjects(s3, options.prefix);
  const source = lakeSource({ path: `${options.prefix}**.${EXTENSIONS[format]}`, format });
  return {
    rows: objects.length > 0 ? await countLake(client, source) : 0,
    files: objects.length,
    bytes: objects.reduce((sum, o) => sum + o.size, 0),
    source,
  };
}
