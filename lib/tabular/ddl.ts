import {
  createDistributedSql,
  localTableName,
  mergeTreeEngineSql,
  onClusterSql,
  qualifiedName,
  quoteIdentifier,
  quoteString,
} from '../clickhouse';
import { LAKE_COLLECTION } from '../lake';
import type { TableDef } from './schema';
import { DEDUPLICATION_WINDOW, S3_STORAGE_POLICY, type TableTarget } from './storage';

/**
 * DDL of a target in its storage mode, single-node or on a cluster (`cluster` = CLICKHOUSE_CLUSTER).
 * On a cluster a MergeTree mode is two tables: `<name>_local` (ReplicatedMergeTree on every node,
 * `{shard}/{replica}` from the node's macros) and `<name>` (Distributed over them), so every read
 * and insert by the table's name is unchanged; an `s3_engine` table is created on every node (each
 * one reads the whole lake).
 */
export interface DdlOptions {
  /** Cluster name (`remote_servers`); unset: single node (ClickHouse Cloud too). */
  cluster?: string;
  /** Default true. */
  ifNotExists?: boolean;
}

/** The statements that create a target, in order. */
export function createTableStatements(target: TableTarget, options: DdlOptions = {}): string[] {
  const { cluster } = options;
  const first = createTableSql(target, options);
  if (!cluster || target.mode === 's3_engine') return [first];
  return [
    first,
    createDistributedSql({
      cluster,
      database: target.database,
      name: target.name,
      shardingKey: shardingKeyOf(target.def),
      comment: target.def.comment,
      ifNotExists: options.ifNotExists,
    }),
  ];
}

/** The statements that drop a target (the Distributed table first, then the shards' tables). */
export function dropTableStatements(target: TableTarget, options: Pick<DdlOptions, 'cluster'> = {}): string[] {
  const { cluster } = options;
  // SYNC: the parts (and their S3 objects, their Keeper metadata) are gone when the statement returns.
  const drop = (name: string): string =>
    `DROP TABLE IF EXISTS ${qualifiedName(target.database, name)}${onClusterSql(cluster)} SYNC`;
  if (!cluster || target.mode === 's3_engine') return [drop(target.name)];
  return [drop(target.name), drop(localTableName(target.name, cluster))];
}

/**
 * `CREATE TABLE` of the table that holds the rows: the target itself on a single node, its
 * `<name>_local` table on a cluster (idempotent with `IF NOT EXISTS`).
 */
export function createTableSql(target: TableTarget, options: DdlOptions = {}): string {
  const { cluster } = options;
  const def = target.def;
  const name = target.mode === 's3_engine' ? target.name : localTableName(target.name, cluster);
  const head = `CREATE TABLE ${options.ifNotExists === false ? '' : 'IF NOT EXISTS '}${qualifiedName(target.database, name)}${onClusterSql(cluster)}`;
  const columns = def.columns
    .map((c) => `    ${quoteIdentifier(c.name)} ${c.type} COMMENT ${quoteString(c.comment)}`)
    .join(',\n');
  const comment = `COMMENT ${quoteString(def.comment)}`;

  if (target.mode === 's3_engine') {
    const filename = quoteString(`${target.lakePrefix}/*.parquet`);
    return `${head}\n(\n${columns}\n)\nENGINE = S3(${LAKE_COLLECTION}, filename = ${filename}, format = 'Parquet')\n${comment}`;
  }

  const settings = [
    // A repeated insert with the same insert_deduplication_token (a re-run, a retried batch) is dropped.
    `${cluster ? 'replicated' : 'non_replicated'}_deduplication_window = ${DEDUPLICATION_WINDOW}`,
    // Lightweight UPDATE needs the block number and offset columns.
    'enable_block_number_column = 1',
    'enable_block_offset_column = 1',
  ];
  if (target.mode === 's3_disk') settings.push(`storage_policy = ${quoteString(S3_STORAGE_POLICY)}`);
  return [
    head,
    `(\n${columns}\n)`,
    `ENGINE = ${mergeTreeEngineSql(cluster)}`,
    def.partitionBy ? `PARTITION BY ${def.partitionBy}` : undefined,
    `ORDER BY (${def.orderBy.map(quoteIdentifier).join(', ')})`,
    `SETTINGS ${settings.join(', ')}`,
    comment,
  ]
    .filter((x): x is string => x !== undefined)
    .join('\n');
}

/** The Distributed table's sharding key: the declaration's, else a hash of the sorting key. */
export function shardingKeyOf(def: TableDef): string {
  return def.shardingKey ?? `cityHash64(${def.orderBy.map(quoteIdentifier).join(', ')})`;
}

/** `DROP TABLE` of a single-node target (see {@link dropTableStatements} for the cluster form). */
export function dropTableSql(target: TableTarget): string {
  return dropTableStatements(target)[0]!;
}

/** The table reads and inserts go to: the target itself (the Distributed table on a cluster). */
export function targetSql(target: TableTarget): string {
  return qualifiedName(target.database, target.name);
}

/**
 * The table UPDATE / DELETE / ALTER change: Distributed tables take no mutations, so on a cluster
 * it is `<name>_local ON CLUSTER c` (every shard, every replica).
 */
export function mutationTargetSql(target: TableTarget, cluster: string | undefined): string {
  return `${qualifiedName(target.database, localTableName(target.name, cluster))}${onClusterSql(cluster)}`;
}
