import type { ClickHouseClient } from '@clickhouse/client';
import type { DataFrame } from 'nodejs-polars';
import { queryFrame, type QueryParamValues } from '../clickhouse';
import { ObservabilityInputError } from './errors';
import { observabilityTag } from './tags';

export interface TableScope {
  /** Only these databases (default: every database except system and information_schema). */
  database?: string | ReadonlyArray<string>;
  /** Only this table (with `database`). */
  table?: string;
}

const SYSTEM_DATABASES = ['system', 'information_schema', 'INFORMATION_SCHEMA'];

/** Bound WHERE clauses selecting tables of a scope on `database` / `table` columns. */
function scopeClauses(scope: TableScope, tableColumn: string): { where: string; params: QueryParamValues } {
  const params: QueryParamValues = {};
  const clauses: string[] = [];
  if (scope.database === undefined) {
    clauses.push(`database NOT IN {system_dbs:Array(String)}`);
    params.system_dbs = SYSTEM_DATABASES;
  } else {
    const dbs = typeof scope.database === 'string' ? [scope.database] : [...scope.database];
    if (dbs.length === 0)
      throw new ObservabilityInputError('database names no database; give one name or a list of them.');
    clauses.push(`database IN {dbs:Array(String)}`);
    params.dbs = dbs;
  }
  if (scope.table !== undefined) {
    clauses.push(`${tableColumn} = {table:String}`);
    params.table = scope.table;
  }
  return { where: clauses.join(' AND '), params };
}

/** `local`, or the object storage type (`s3`, `azure`, ...) for remote disks. */
const STORAGE_OF_DISK = `if(d.is_remote, lower(toString(d.object_storage_type)), 'local')`;

/**
 * Size of every MergeTree table: rows, active parts, bytes on disk, compressed and uncompressed
 * column data, compression ratio, storage policy and the disks its parts are on. From
 * `system.parts` (active parts) joined to `system.tables`; the byte columns add up to the
 * `system.parts` totals. Largest first.
 */
export function tableSizes(client: ClickHouseClient, scope: TableScope = {}): Promise<DataFrame> {
  const s = scopeClauses(scope, 'name');
  const sp = scopeClauses(scope, 'table');
  return queryFrame(
    client,
    `SELECT
       t.database AS database,
       t.name AS table,
       t.engine AS engine,
       t.storage_policy AS storage_policy,
       arrayStringConcat(p.disks, ', ') AS disks,
       p.parts AS active_parts,
       p.rows AS rows,
       p.bytes_on_disk AS bytes_on_disk,
       p.compressed AS compressed_bytes,
       p.uncompressed AS uncompressed_bytes,
       if(p.compressed = 0, NULL, round(p.uncompressed / p.compressed, 2)) AS compression_ratio
     FROM (SELECT database, name, engine, storage_policy FROM system.tables WHERE engine LIKE '%MergeTree' AND ${s.where}) AS t
     LEFT JOIN (
       SELECT database, table, count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes_on_disk,
              sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed,
              arraySort(groupUniqArray(disk_name)) AS disks
       FROM system.parts WHERE active AND ${sp.where}
       GROUP BY database, table
     ) AS p ON p.database = t.database AND p.table = t.name
     ORDER BY bytes_on_disk DESC, database, table`,
    { ...s.params, ...sp.params },
    { logComment: observabilityTag('table-sizes') },
  );
}

/**
 * Bytes per table and disk, with `storage` (`local`, or `s3` for parts on an S3 disk, cached
 * or not): where the warehouse's data physically lives.
 */
export function tableSizesByDisk(client: ClickHouseClient, scope: TableScope = {}): Promise<DataFrame> {
  const s = scopeClauses(scope, 'table');
  return queryFrame(
    client,
    `SELECT
       p.database AS database,
       p.table AS table,
       p.disk_name AS disk,
       ${STORAGE_OF_DISK} AS storage,
       count() AS active_parts,
       sum(p.rows) AS rows,
       sum(p.bytes_on_disk) AS bytes_on_disk
     FROM (SELECT * FROM system.parts WHERE active AND ${s.where}) AS p
     LEFT JOIN system.disks AS d ON d.name = p.disk_name
     GROUP BY database, table, disk, storage
     ORDER BY bytes_on_disk DESC, database, table, disk`,
    s.params,
    { logComment: observabilityTag('table-sizes-by-disk') },
  );
}

/**
 * Parts per table: active parts, partitions, the most active parts in one partition (what
 * slows inserts down), inactive parts waiting for cleanup, and the engine's
 * `parts_to_delay_insert` / `parts_to_throw_insert` limits to compare with.
 */
export function partsPerTable(client: ClickHouseClient, scope: TableScope = {}): Promise<DataFrame> {
  const s = scopeClauses(scope, 'table');
  return queryFrame(
    client,
    `WITH
       (SELECT toUInt64(value) FROM system.merge_tree_settings WHERE name = 'parts_to_delay_insert') AS delay_at,
       (SELECT toUInt64(value) FROM system.merge_tree_settings WHERE name = 'parts_to_throw_insert') AS throw_at
     SELECT
       database, table,
       sum(active_in_partition) AS active_parts,
       countIf(active_in_partition > 0) AS partitions,
       max(active_in_partition) AS max_parts_in_partition,
       sum(inactive_in_partition) AS inactive_parts,
       any(delay_at) AS parts_to_delay_insert,
       any(throw_at) AS parts_to_throw_insert
     FROM (
       SELECT database, table, partition_id, countIf(active) AS active_in_partition, countIf(NOT active) AS inactive_in_partition
       FROM system.parts WHERE ${s.where}
       GROUP BY database, table, partition_id
     )
     GROUP BY database, table
     ORDER BY max_parts_in_partition DESC, active_parts DESC, database, table`,
    s.params,
    { logComment: observabilityTag('parts-per-table') },
  );
}

/**
 * Column sizes of one table from `system.columns`: type, compressed and uncompressed bytes,
 * ratio, codec. Compact parts (small inserts, below `min_bytes_for_wide_part`) keep no
 * per-column sizes, so a small table shows zeros here until its parts are merged into wide ones.
 */
export function columnSizes(client: ClickHouseClient, table: { database: string; table: string }): Promise<DataFrame> {
  return queryFrame(
    client,
    `SELECT
       name AS column, type,
       data_compressed_bytes AS compressed_bytes,
       data_uncompressed_bytes AS uncompressed_bytes,
       if(data_compressed_bytes = 0, NULL, round(data_uncompressed_bytes / data_compressed_bytes, 2)) AS compression_ratio,
       compression_codec AS codec
     FROM system.columns
     WHERE database = {database:String} AND table = {table:String}
     ORDER BY compressed_bytes DESC, position`,
    { database: table.database, table: table.table },
    { logComment: observabilityTag('column-sizes') },
  );
}

export interface MutationOptions extends TableScope {
  /** Include finished mutations too (default: only those in flight). */
  includeDone?: boolean;
}

/** Mutations (ALTER UPDATE/DELETE, lightweight updates that rewrite parts): in flight by default, oldest first. */
export function mutations(client: ClickHouseClient, options: MutationOptions = {}): Promise<DataFrame> {
  const s = scopeClauses(options, 'table');
  return queryFrame(
    client,
    `SELECT
       database, table, mutation_id, command, create_time,
       dateDiff('second', create_time, now()) AS age_seconds,
       parts_to_do, is_done, is_killed,
       latest_fail_time, latest_fail_reason
     FROM system.mutations
     WHERE ${s.where} ${options.includeDone ? '' : 'AND NOT is_done'}
     ORDER BY create_time`,
    s.params,
    { logComment: observabilityTag('mutations') },
  );
}

/** Vector (`vector_similarity`, HNSW) indexes: table, index, definition, granularity and size. */
export function vectorIndexes(client: ClickHouseClient, scope: TableScope = {}): Promise<DataFrame> {
  const s = scopeClauses(scope, 'table');
  return queryFrame(
    client,
    `SELECT
       database, table, name AS index, type_full AS definition, expr AS column, granularity,
       data_compressed_bytes AS compressed_bytes, data_uncompressed_bytes AS uncompressed_bytes
     FROM system.data_skipping_indices
     WHERE type = 'vector_similarity' AND ${s.where}
     ORDER BY database, table, index`,
    s.params,
    { logComment: observabilityTag('vector-indexes') },
  );
}

/**
 * Disks: name, type, `storage` (`local` or the object storage type), path, free and total bytes
 * and the used fraction (NULL for object storage, which reports no limit), cache folder.
 */
export function disks(client: ClickHouseClient): Promise<DataFrame> {
  return queryFrame(
    client,
    `SELECT
       d.name AS disk,
       toString(d.type) AS type,
       ${STORAGE_OF_DISK} AS storage,
       d.path AS path,
       if(d.is_remote, NULL, d.free_space) AS free_bytes,
       if(d.is_remote, NULL, d.total_space) AS total_bytes,
       if(d.is_remote OR d.total_space = 0, NULL, round(1 - d.free_space / d.total_space, 4)) AS used_fraction,
       d.keep_free_space AS keep_free_bytes,
       d.cache_path AS cache_path
     FROM system.disks AS d
     ORDER BY d.is_remote, d.name`,
    undefined,
    { logComment: observabilityTag('disks') },
  );
}

/** Storage policies: one row per volume, with its disks in order. */
export function storagePolicies(client: ClickHouseClient): Promise<DataFrame> {
  return queryFrame(
    client,
    `SELECT policy_name AS policy, volume_name AS volume, volume_priority AS priority,
            arrayStringConcat(disks, ', ') AS disks, toString(volume_type) AS volume_type,
            max_data_part_size, move_factor
     FROM system.storage_policies
     ORDER BY policy, priority`,
    undefined,
    { logComment: observabilityTag('storage-policies') },
  );
}
