/**
 * @file Creates and drops a target's tables with the DDL of ddl.ts, single-node or on the client's
 * cluster (CLICKHOUSE_CLUSTER): the one place bootstrap, the CRUD flow and notebooks run DDL from.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { clusterOf, command } from '../clickhouse';
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
