/**
 * @file Iceberg tables on the lake: create (or attach) a ClickHouse table whose storage is an
 * Iceberg table under a prefix of the lake bucket (`ENGINE = IcebergS3(lake, filename = ...)`),
 * append to it, evolve its schema, drop it. Credentials stay in the `lake` named collection: the
 * SQL (and the table's stored definition) names the collection, never a key.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { command, queryRows, quoteIdentifier, quoteString, tableSql } from '../clickhouse';
import type { QueryParamValues, TableRef } from '../clickhouse';
import { ensureLakeCollection, LAKE_COLLECTION } from './collection';
import { icebergErrorOf, IcebergError } from './iceberg-errors';
import { icebergPath, icebergSnapshots, icebergTableName } from './iceberg-snapshots';
import type { IcebergSnapshot } from './iceberg-snapshots';
import { parquetWriteSettings } from './parquet';
import type { ParquetWriteOptions } from './parquet';
import { checkLakePath, checkTypeText } from './source';
import type { ColumnTypes } from './source';
import { validateTypes } from './tables';

/**
 * Settings of every Iceberg write. Inserts and ALTERs are still flagged experimental in ClickHouse
 * 26.x (`allow_experimental_insert_into_iceberg` is an alias). Full `s3://bucket/key` paths in the
 * metadata are what the Iceberg spec asks for and what Spark, Trino or PyIceberg resolve; ClickHouse
 * writes bucket-relative paths unless told.
 */
export const ICEBERG_WRITE_SETTINGS: Readonly<ClickHouseSettings> = Object.freeze({
  allow_insert_into_iceberg: 1,
  write_full_path_in_iceberg_metadata: 1,
});

/** Iceberg partition transforms (spec names) and the ClickHouse functions that compute them. */
export const ICEBERG_TRANSFORMS = ['identity', 'year', 'month', 'day', 'hour', 'bucket', 'truncate'] as const;
export type IcebergTransform = (typeof ICEBERG_TRANSFORMS)[number];

/** One partition field: a column and an Iceberg transform (`width` for bucket[N] and truncate[W]). */
export interface IcebergPartition {
  column: string;
  transform: IcebergTransform;
  width?: number;
}

const TRANSFORM_SQL: Record<Exclude<IcebergTransform, 'bucket' | 'truncate'>, (c: string) => string> = {
  identity: (c) => c,
  year: (c) => `toYearNumSinceEpoch(${c})`,
  month: (c) => `toMonthNumSinceEpoch(${c})`,
  day: (c) => `toRelativeDayNum(${c})`,
  hour: (c) => `toRelativeHourNum(${c})`,
};

/** `PARTITION BY ...` for a partition spec; empty for an unpartitioned table. */
export function icebergPartitionSql(
  spec: ReadonlyArray<IcebergPartition> | undefined,
  columns: Readonly<Record<string, string>>,
): string {
  if (!spec || spec.length === 0) return '';
  const parts = spec.map((p) => {
    if (!(ICEBERG_TRANSFORMS as readonly string[]).includes(p.transform)) {
      throw new IcebergError(
        `Unknown Iceberg partition transform "${String(p.transform)}"; use one of ${ICEBERG_TRANSFORMS.join(', ')}.`,
      );
    }
    if (!(p.column in columns))
      throw new IcebergError(
        `The partition column "${p.column}" is not a column of the table (it has ${Object.keys(columns).join(', ')}).`,
      );
    const c = quoteIdentifier(p.column);
    if (p.transform === 'bucket' || p.transform === 'truncate') {
      if (!Number.isInteger(p.width) || p.width! < 1)
        throw new IcebergError(
          `The ${p.transform} transform of "${p.column}" needs a positive integer width (got ${String(p.width)}).`,
        );
      return `${p.transform === 'bucket' ? 'icebergBucket' : 'icebergTruncate'}(${p.width}, ${c})`;
    }
    if (p.width !== undefined)
      throw new IcebergError(`The ${p.transform} transform takes no width (only bucket and truncate do).`);
    return TRANSFORM_SQL[p.transform](c);
  });
  return `\nPARTITION BY ${parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`}`;
}

// UInt64 becomes Iceberg long (the engine does so itself): values from 2^63 on do not fit.
const WIDENED: Record<string, string> = {
  Int8: 'Int32',
  Int16: 'Int32',
  UInt8: 'Int32',
  UInt16: 'Int32',
  Bool: 'Int32',
  UInt32: 'Int64',
  UInt64: 'Int64',
};

/**
 * The column type an Iceberg table gets for a ClickHouse type. ClickHouse 26.7 writes Iceberg
 * int/long/float/double/string/date/timestamp/uuid, lists, maps and structs but refuses the small
 * integers, Bool, LowCardinality, Enum, FixedString and Decimal: the first ones are widened here
 * without loss (UInt32 to Int64, since Iceberg's int is signed), Decimal and 128/256-bit integers
 * are refused, because no type ClickHouse can write holds them exactly.
 */
export function icebergColumnType(column: string, type: string): string {
  const t = type.trim();
  const wrapped = /^(Nullable|LowCardinality|Array)\((.*)\)$/s.exec(t);
  if (wrapped) {
    const inner = icebergColumnType(column, wrapped[2]!);
    return wrapped[1] === 'LowCardinality' ? inner : `${wrapped[1]}(${inner})`;
  }
  const widened = WIDENED[t];
  if (widened !== undefined) return widened;
  if (/^(Enum(8|16)?\(|FixedString\()/.test(t)) return 'String';
  if (/^Decimal/.test(t) || /^U?Int(128|256)$/.test(t)) {
    throw new IcebergError(
      `Column "${column}" is ${t}, which ClickHouse cannot write to Iceberg yet. Cast it in the SELECT: to Float64 (approximate), to Int64 minor units (exact, e.g. cents) or to String (exact).`,
    );
  }
  return t;
}

function checkTablePath(path: string): void {
  checkLakePath(path);
  if (!path.endsWith('/') || /[*?{}]/.test(path))
    throw new IcebergError(`An Iceberg table lives under a prefix ending with "/" (no glob); got "${path}".`);
}

function engineSql(path: string): string {
  // Stored with the table: a literal (the path was checked; the collection holds the secrets).
  return `IcebergS3(${LAKE_COLLECTION}, filename = ${quoteString(path)})`;
}

export interface CreateIcebergTableOptions {
  table: TableRef;
  /** Prefix under the bucket holding the table (`lake/iceberg/orders/`): metadata/ and data/ go below. */
  path: string;
  columns: ColumnTypes;
  partitionBy?: IcebergPartition[];
  /**
   * Parquet encoding of every data file written through this ClickHouse table, over the kit's lake
   * defaults (LAKE_PARQUET_DEFAULTS). ClickHouse 26.7 takes it from the CREATE's settings: settings
   * sent with a later INSERT do not change it (measured: bloom filters stayed on), and a table the
   * engine re-attaches after a restart writes with the engine's defaults (bloom filters on) until it
   * is attached again with attachIcebergTable.
   */
  parquet?: ParquetWriteOptions;
}

/**
 * Creates a new, empty Iceberg table under `path` (its v1.metadata.json) and the ClickHouse table
 * over it. Fails when the path already holds an Iceberg table: attach that one instead.
 */
export async function createIcebergTable(
  client: ClickHouseClient,
  options: CreateIcebergTableOptions,
): Promise<{ columns: Record<string, string> }> {
  await ensureLakeCollection(client);
  checkTablePath(options.path);
  const canonical = await validateTypes(
    client,
    Object.fromEntries(Object.entries(options.columns).map(([n, t]) => [n, checkTypeText(t)])),
  );
  const columns = Object.fromEntries(Object.entries(canonical).map(([n, t]) => [n, icebergColumnType(n, t)]));
  const ddl = `CREATE TABLE ${tableSql(options.table)} (\n  ${Object.entries(columns)
    .map(([n, t]) => `${quoteIdentifier(n)} ${t}`)
    .join(',\n  ')}\n) ENGINE = ${engineSql(options.path)}${icebergPartitionSql(options.partitionBy, columns)}`;
  try {
    await command(client, ddl, undefined, {
      logComment: 'kit:lake:iceberg',
      settings: { ...parquetWriteSettings(options.parquet), ...ICEBERG_WRITE_SETTINGS },
    });
  } catch (e) {
    if (/Iceberg table with path .* already exists/i.test(e instanceof Error ? e.message : '')) {
      throw new IcebergError(
        `s3 prefix ${options.path} already holds an Iceberg table; attach it with attachIcebergTable(), or delete the prefix to start over.`,
        { cause: e },
      );
    }
    throw e;
  }
  return { columns };
}

/**
 * The ClickHouse table over an Iceberg table that exists already (written by the kit, another
 * ClickHouse or any Iceberg engine): columns come from the table's current metadata.
 */
export async function attachIcebergTable(
  client: ClickHouseClient,
  options: { table: TableRef; path: string; parquet?: ParquetWriteOptions },
): Promise<void> {
  await ensureLakeCollection(client);
  checkTablePath(options.path);
  try {
    await command(client, `CREATE TABLE ${tableSql(options.table)} ENGINE = ${engineSql(options.path)}`, undefined, {
      logComment: 'kit:lake:iceberg',
      settings: { ...parquetWriteSettings(options.parquet), ...ICEBERG_WRITE_SETTINGS },
    });
  } catch (e) {
    throw icebergErrorOf(e, { table: icebergTableName(options.table), path: options.path });
  }
}

export interface AppendResult {
  queryId: string;
  /** The table's current snapshot after the append (with concurrent writers: possibly a later one). */
  snapshot: IcebergSnapshot | undefined;
  /** Snapshots that appeared during the append (this commit, and any other writer's). */
  newSnapshots: IcebergSnapshot[];
}

export interface AppendOptions {
  table: TableRef;
  select: string;
  params?: QueryParamValues;
  /** Columns the SELECT fills, in its order (default: all, in the table's order). */
  columns?: string[];
}

/** Appends the rows of a SELECT as one new snapshot (Parquet encoded as set when the table was created or attached). */
export async function appendToIceberg(client: ClickHouseClient, options: AppendOptions): Promise<AppendResult> {
  const path = await icebergPath(client, options.table);
  const before = new Set((await icebergSnapshots(client, options.table)).map((s) => s.snapshotId));
  const names = options.columns ? ` (${options.columns.map(quoteIdentifier).join(', ')})` : '';
  let queryId: string;
  try {
    ({ queryId } = await command(
      client,
      `INSERT INTO ${tableSql(options.table)}${names}\n${options.select}`,
      options.params,
      { logComment: 'kit:lake:iceberg', settings: ICEBERG_WRITE_SETTINGS },
    ));
  } catch (e) {
    throw icebergErrorOf(e, { table: icebergTableName(options.table), path });
  }
  const after = await icebergSnapshots(client, options.table);
  return {
    queryId,
    snapshot: after.find((s) => s.current),
    newSnapshots: after.filter((s) => !before.has(s.snapshotId)),
  };
}

export interface WriteIcebergOptions {
  table: TableRef;
  path: string;
  /** SELECT giving the rows (and, through DESCRIBE, the columns). */
  select: string;
  params?: QueryParamValues;
  partitionBy?: IcebergPartition[];
  parquet?: ParquetWriteOptions;
}

/** Writes the rows of a SELECT as a new Iceberg table: create from the SELECT's columns, then the first append. */
export async function writeIcebergTable(
  client: ClickHouseClient,
  options: WriteIcebergOptions,
): Promise<AppendResult & { columns: Record<string, string> }> {
  const described = await queryRows<{ name: string; type: string }>(
    client,
    `DESCRIBE TABLE (${options.select})`,
    options.params,
    { logComment: 'kit:lake:iceberg' },
  );
  const { columns } = await createIcebergTable(client, {
    table: options.table,
    path: options.path,
    columns: Object.fromEntries(described.map((c) => [c.name, c.type])),
    partitionBy: options.partitionBy,
    parquet: options.parquet,
  });
  const appended = await appendToIceberg(client, {
    table: options.table,
    select: options.select,
    params: options.params,
    columns: Object.keys(columns),
  });
  return { ...appended, columns };
}

/**
 * Schema evolution: adds a column (a new Iceberg field id; rows written before read NULL). Iceberg
 * only adds optional columns, so the type is made Nullable when it is not.
 */
export async function addIcebergColumn(
  client: ClickHouseClient,
  table: TableRef,
  column: { name: string; type: string },
): Promise<{ type: string }> {
  const path = await icebergPath(client, table);
  const type = icebergColumnType(
    column.name,
    (await validateTypes(client, { [column.name]: column.type }))[column.name]!,
  );
  const nullable = /^(Nullable|Array|Map|Tuple)\(/.test(type) ? type : `Nullable(${type})`;
  try {
    await command(
      client,
      `ALTER TABLE ${tableSql(table)} ADD COLUMN ${quoteIdentifier(column.name)} ${nullable}`,
      undefined,
      { logComment: 'kit:lake:iceberg', settings: ICEBERG_WRITE_SETTINGS },
    );
  } catch (e) {
    throw icebergErrorOf(e, { table: icebergTableName(table), path });
  }
  return { type: nullable };
}

/** Drops the ClickHouse table; with `deleteData` also the Iceberg table's objects on S3. */
export async function dropIcebergTable(
  client: ClickHouseClient,
  table: TableRef,
  options: { deleteData?: boolean } = {},
): Promise<void> {
  await command(client, `DROP TABLE IF EXISTS ${tableSql(table)} SYNC`, undefined, {
    logComment: 'kit:lake:iceberg',
    settings: { iceberg_delete_data_on_drop: options.deleteData ? 1 : 0 },
  });
}
