/**
 * @file Reading Iceberg tables on the lake: where a table lives, its snapshots
 * (`system.iceberg_history`), queries as of an earlier snapshot (time travel), with engine errors
 * turned into Iceberg errors that name the table and the object.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { queryOne, queryRows } from '../clickhouse';
import type { QueryParamValues, TableRef } from '../clickhouse';
import { LAKE_COLLECTION } from './collection';
import { icebergErrorOf, IcebergError } from './iceberg-errors';

/** One snapshot of an Iceberg table (one commit: create, append, ...). */
export type IcebergSnapshot = {
  /** Snapshot ids are 64-bit: kept as text (JavaScript numbers would round them). */
  snapshotId: string;
  parentId: string | null;
  /** When it became current (UTC, ms precision). */
  madeCurrentAt: string;
  timestampMs: number;
  operation: string;
  addedRows: number;
  totalRows: number;
  addedFiles: number;
  totalFiles: number;
  /** The table's current snapshot. */
  current: boolean;
};

/** A point in the table's history: a snapshot id, or a time (the snapshot current then). */
export type IcebergAsOf = { snapshotId: string } | { at: Date | number };

/** Table name for messages. */
export function icebergTableName(table: TableRef): string {
  return typeof table === 'string' ? table : `${table.database}.${table.table}`;
}

function refOf(table: TableRef): { db: string | null; name: string } {
  return typeof table === 'string' ? { db: null, name: table } : { db: table.database, name: table.table };
}

/** The S3 prefix of an Iceberg table, read from its stored definition. */
export async function icebergPath(client: ClickHouseClient, table: TableRef): Promise<string> {
  const ref = refOf(table);
  const row = await queryOne<{ engine: string; engine_full: string }>(
    client,
    'SELECT engine, engine_full FROM system.tables WHERE database = coalesce({db:Nullable(String)}, currentDatabase()) AND name = {name:String}',
    ref,
    { logComment: 'kit:lake:iceberg' },
  );
  if (!row)
    throw new IcebergError(
      `There is no table ${icebergTableName(table)}; create it with createIcebergTable() or attachIcebergTable().`,
    );
  const path = /filename\s*=\s*'((?:[^'\\]|\\.)*)'/.exec(row.engine_full)?.[1];
  if (!row.engine.startsWith('Iceberg') || path === undefined)
    throw new IcebergError(`${icebergTableName(table)} is not an Iceberg table on the lake (engine ${row.engine}).`);
  return path.replace(/\\(.)/g, '$1');
}

/** Settings that make a query read the table as of `asOf`. */
export function icebergAsOfSettings(asOf: IcebergAsOf): ClickHouseSettings {
  if ('snapshotId' in asOf) {
    if (!/^-?\d{1,20}$/.test(String(asOf.snapshotId)))
      throw new IcebergError(
        `"${String(asOf.snapshotId)}" is not an Iceberg snapshot id (a 64-bit integer, as icebergSnapshots() lists them).`,
      );
    // Sent as text: ids above 2^53 would round as a JavaScript number (the setting parses either).
    return { iceberg_snapshot_id: String(asOf.snapshotId) };
  }
  const ms = asOf.at instanceof Date ? asOf.at.getTime() : asOf.at;
  if (!Number.isFinite(ms) || ms <= 0)
    throw new IcebergError(`Time travel needs a valid time (a Date or Unix milliseconds); got ${String(asOf.at)}.`);
  return { iceberg_timestamp_ms: Math.floor(ms) };
}

function describeAsOf(asOf: IcebergAsOf | undefined): string | undefined {
  if (asOf === undefined) return undefined;
  if ('snapshotId' in asOf) return `with id ${asOf.snapshotId}`;
  return `current at ${new Date(asOf.at instanceof Date ? asOf.at.getTime() : asOf.at).toISOString()}`;
}

/**
 * The newest metadata file that is not valid JSON, found through the engine (so it works on a
 * server too); undefined when every one parses.
 */
async function unreadableMetadataFile(client: ClickHouseClient, path: string): Promise<string | undefined> {
  try {
    const rows = await queryRows<{ key: string }>(
      client,
      `SELECT _path AS key FROM s3(${LAKE_COLLECTION}, filename = {f:String}, format = 'RawBLOB')
       WHERE NOT isValidJSON(raw_blob) ORDER BY toUInt64OrZero(extract(_file, '^v(\\\\d+)')) DESC LIMIT 1`,
      { f: `${path}metadata/*.metadata.json` },
      { logComment: 'kit:lake:iceberg' },
    );
    return rows[0]?.key.replace(/^[^/]+\//, '');
  } catch {
    return undefined;
  }
}

/** Runs `run`, turning engine errors about the table into Iceberg errors. */
export async function withIcebergErrors<T>(
  client: ClickHouseClient,
  table: TableRef,
  asOf: IcebergAsOf | undefined,
  run: () => Promise<T>,
  knownPath?: string,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const path = knownPath ?? (await icebergPath(client, table).catch(() => ''));
    const bad = path ? await unreadableMetadataFile(client, path) : undefined;
    throw icebergErrorOf(e, { table: icebergTableName(table), path, asOf: describeAsOf(asOf) }, bad);
  }
}

/** The table's snapshots, oldest first. */
export async function icebergSnapshots(client: ClickHouseClient, table: TableRef): Promise<IcebergSnapshot[]> {
  const ref = refOf(table);
  const rows = await withIcebergErrors(client, table, undefined, () =>
    queryRows<{
      id: string;
      parent: string;
      made_at: string;
      ms: string;
      operation: string;
      summary: Record<string, string>;
      is_current_ancestor: number;
    }>(
      client,
      `SELECT toString(snapshot_id) AS id, toString(parent_id) AS parent, toString(made_current_at) AS made_at,
              toString(toUnixTimestamp64Milli(made_current_at)) AS ms, operation, summary, is_current_ancestor
       FROM system.iceberg_history
       WHERE database = coalesce({db:Nullable(String)}, currentDatabase()) AND table = {name:String}
       ORDER BY made_current_at, snapshot_id`,
      ref,
      { logComment: 'kit:lake:iceberg' },
    ),
  );
  const ancestors = rows.filter((r) => Number(r.is_current_ancestor) === 1);
  const currentId = ancestors[ancestors.length - 1]?.id;
  const n = (s: Record<string, string>, k: string): number => Number(s[k] ?? 0);
  return rows.map((r) => ({
    snapshotId: r.id,
    // An absent parent is -1, which the UInt64 column shows as 2^64 - 1.
    parentId: r.parent === '18446744073709551615' ? null : r.parent,
    madeCurrentAt: r.made_at,
    timestampMs: Number(r.ms),
    operation: r.operation,
    addedRows: n(r.summary, 'added-records'),
    totalRows: n(r.summary, 'total-records'),
    addedFiles: n(r.summary, 'added-data-files'),
    totalFiles: n(r.summary, 'total-data-files'),
    current: r.id === currentId,
  }));
}

export interface QueryIcebergOptions {
  /** The Iceberg table the query reads (for error messages and time travel). */
  table: TableRef;
  sql: string;
  params?: QueryParamValues;
  /** Read the table as it was at this snapshot or time (default: now). */
  asOf?: IcebergAsOf;
}

/**
 * Runs a SELECT over an Iceberg table, optionally as of an earlier snapshot. Every Iceberg table
 * in the query is read at that point; errors name the table and the unreadable object.
 */
export async function queryIceberg<T = Record<string, unknown>>(
  client: ClickHouseClient,
  options: QueryIcebergOptions,
): Promise<T[]> {
  const settings = options.asOf ? icebergAsOfSettings(options.asOf) : {};
  return withIcebergErrors(client, options.table, options.asOf, () =>
    queryRows<T>(client, options.sql, options.params, { logComment: 'kit:lake:iceberg', settings }),
  );
}
