/**
 * @file Creates and drops a target's tables with the DDL of ddl.ts, single-node or on the client's
 * cluster (CLICKHOUSE_CLUSTER): the one place bootstrap, the CRUD flow and notebooks run DDL from.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { clusterOf, command, localTableName, onClusterSql, qualifiedName, quoteString } from '../clickhouse';
import { createTableStatements, dropTableStatements } from './ddl';
import type { TableTarget } from './storage';

export async function createTable(
  client: ClickHouseClient,
  target: TableTarget,
  logComment = 'kit:tabular:ddl',
): Promise<void> {
  for (const sql of createTableStatements(target, { cluster: clusterOf(client) }))
    await command(client, sql, undefined, { logComment });
}

export async function dropTable(
  client: ClickHouseClient,
  target: TableTarget,
  logComment = 'kit:tabular:ddl',
): Promise<void> {
  for (const sql of dropTableStatements(target, { cluster: clusterOf(client) }))
    await command(client, sql, undefined, { logComment });
}

/**
 * Puts the rows of `staging` in the place of `live` (atomic per statement with EXCHANGE/RENAME in an
 * Atomic database); afterwards `staging` holds the old rows, or nothing when `live` did not exist.
 * On a cluster only the shards' `<name>_local` tables trade places: each Distributed table keeps
 * pointing at its own local name, and the live one takes the staging table's comment (its plan).
 */
export async function putInPlace(
  client: ClickHouseClient,
  staging: TableTarget,
  live: TableTarget,
  liveExists: boolean,
  logComment = 'kit:tabular:ddl',
): Promise<void> {
  const cluster = clusterOf(client);
  const run = async (sql: string): Promise<void> => {
    await command(client, sql, undefined, { logComment });
  };
  const name = (t: TableTarget, table = t.name): string => qualifiedName(t.database, table);
  if (!cluster || live.mode === 's3_engine') {
    await run(
      liveExists
        ? `EXCHANGE TABLES ${name(live)} AND ${name(staging)}${onClusterSql(cluster)}`
        : `RENAME TABLE ${name(staging)} TO ${name(live)}${onClusterSql(cluster)}`,
    );
    return;
  }
  const local = (t: TableTarget): string => name(t, localTableName(t.name, cluster));
  if (!liveExists) {
    await run(`RENAME TABLE ${local(staging)} TO ${local(live)}${onClusterSql(cluster)}`);
    await run(`DROP TABLE IF EXISTS ${name(staging)}${onClusterSql(cluster)} SYNC`);
    await createTable(client, { ...live, def: staging.def }, logComment);
    return;
  }
  await run(`EXCHANGE TABLES ${local(live)} AND ${local(staging)}${onClusterSql(cluster)}`);
  await run(`ALTER TABLE ${name(live)}${onClusterSql(cluster)} MODIFY COMMENT ${quoteString(staging.def.comment)}`);
}

/** Merge size limits of 1 byte: no background merge is chosen, while OPTIMIZE ... FINAL still merges. */
const MERGE_LIMITS = ['max_bytes_to_merge_at_max_space_in_pool', 'max_bytes_to_merge_at_min_space_in_pool'];

/**
 * Holds (or releases) background merges of a single-node table being loaded batch by batch: each
 * batch adds a part per partition, and merging them as they come would merge most rows several
 * times over before the final merge (mirror.ts) merges them all once. Held in the table's own
 * settings, so a load killed half-way leaves a table that the next run holds and releases again.
 * No-op on a cluster.
 */
export async function holdMerges(
  client: ClickHouseClient,
  target: TableTarget,
  hold: boolean,
  logComment = 'kit:tabular:ddl',
): Promise<void> {
  if (clusterOf(client) || target.mode === 's3_engine') return;
  const sql = hold
    ? `MODIFY SETTING ${MERGE_LIMITS.map((s) => `${s} = 1`).join(', ')}`
    : `RESET SETTING ${MERGE_LIMITS.join(', ')}`;
  await command(client, `ALTER TABLE ${qualifiedName(target.database, target.name)} ${sql}`, undefined, {
    logComment,
  });
}
