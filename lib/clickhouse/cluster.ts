/**
 * @file The SQL pieces every cluster-aware DDL of the kit shares (CLICKHOUSE_CLUSTER set):
 * `ON CLUSTER`, ReplicatedMergeTree with the usual `{shard}/{replica}` macros, and the
 * Distributed table that carries the table's own name over the `<name>_local` tables.
 * Without a cluster every helper yields the single-node form, which is also what ClickHouse Cloud
 * wants (it turns `MergeTree` into SharedMergeTree itself).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { connectionInfo } from './connect';
import { qualifiedName, quoteIdentifier, quoteString } from '../sql';

/** Suffix of the per-shard tables behind a Distributed table. */
export const LOCAL_TABLE_SUFFIX = '_local';

/**
 * Keeper path of a replicated table: one path per shard, the replica name from the node's macros.
 * `{database}` and `{table}` are expanded by ClickHouse itself at CREATE time.
 */
export const REPLICA_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
export const REPLICA_NAME = '{replica}';

/** The cluster a client's DDL spans (CLICKHOUSE_CLUSTER), if any. */
export function clusterOf(client: ClickHouseClient): string | undefined {
  return connectionInfo(client)?.cluster;
}

/** ` ON CLUSTER <name>` or nothing. */
export function onClusterSql(cluster: string | undefined): string {
  return cluster ? ` ON CLUSTER ${quoteIdentifier(cluster)}` : '';
}

/** Name of the table that holds a shard's rows: the table itself on a single node. */
export function localTableName(name: string, cluster: string | undefined): string {
  return cluster ? `${name}${LOCAL_TABLE_SUFFIX}` : name;
}

/** `MergeTree`, or `ReplicatedMergeTree('<path>', '{replica}')` on a cluster. */
export function mergeTreeEngineSql(cluster: string | undefined): string {
  return cluster ? `ReplicatedMergeTree(${quoteString(REPLICA_PATH)}, ${quoteString(REPLICA_NAME)})` : 'MergeTree';
}

/** `Distributed(<cluster>, <database>, <local table>, <sharding key>)`. */
export function distributedEngineSql(
  cluster: string,
  database: string,
  localTable: string,
  shardingKey: string,
): string {
  return `Distributed(${quoteString(cluster)}, ${quoteString(database)}, ${quoteString(localTable)}, ${shardingKey})`;
}

/**
 * `CREATE TABLE <name> ON CLUSTER c AS <local> ENGINE = Distributed(...)`: same columns as the
 * local table, so reads and inserts by the table's own name reach every shard.
 */
export function createDistributedSql(options: {
  cluster: string;
  database: string;
  name: string;
  shardingKey: string;
  comment?: string;
  ifNotExists?: boolean;
}): string {
  const { cluster, database, name } = options;
  const local = localTableName(name, cluster);
  return [
    `CREATE TABLE ${options.ifNotExists === false ? '' : 'IF NOT EXISTS '}${qualifiedName(database, name)}${onClusterSql(cluster)}`,
    `AS ${qualifiedName(database, local)}`,
    `ENGINE = ${distributedEngineSql(cluster, database, local, options.shardingKey)}`,
    options.comment === undefined ? undefined : `COMMENT ${quoteString(options.comment)}`,
  ]
    .filter((x): x is string => x !== undefined)
    .join('\n');
}

/** The system table `name` of every node of the cluster, or of the node reached. */
export function systemTableSql(name: string, cluster: string | undefined): string {
  return cluster
    ? `clusterAllReplicas(${quoteString(cluster)}, system.${quoteIdentifier(name)})`
    : `system.${quoteIdentifier(name)}`;
}
