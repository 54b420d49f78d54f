/**
 * Swapping a loaded dataset in: one table at a time, with EXCHANGE TABLES (atomic per table in an
 * Atomic database, for MergeTree and ENGINE = S3 alike on chDB 26.7 and clickhouse-server), then
 * the old dataset and its lake objects are removed.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { deleteByPrefix, type KitS3 } from '../s3';
import { dropTable, putInPlace } from './table-ops';
import type { TableState } from './dataset-state';
import type { TableTarget } from './storage';

const LOG = { logComment: 'kit:tabular:bootstrap' };

/** Puts `staging` in the place of `live`; the old table (now under the staging name) is dropped. */
export async function swapIn(
  client: ClickHouseClient,
  staging: TableTarget,
  live: TableTarget,
  liveState: TableState | undefined,
  s3: KitS3 | undefined,
  protectedPrefixes: ReadonlySet<string>,
): Promise<void> {
  await putInPlace(client, staging, live, liveState !== undefined, LOG.logComment);
  if (!liveState) return;
  await dropWithObjects(client, staging, liveState, s3, protectedPrefixes);
}

/** Drops a table that is not live, and the lake objects it read unless a live table reads them too. */
export async function dropWithObjects(
  client: ClickHouseClient,
  target: TableTarget,
  state: TableState,
  s3: KitS3 | undefined,
  protectedPrefixes: ReadonlySet<string>,
): Promise<void> {
  await dropTable(client, target, LOG.logComment);
  const prefix = state.lakePrefix;
  if (prefix === undefined || s3 === undefined) return;
  for (const p of protectedPrefixes) if (p === prefix || p.startsWith(`${prefix}/`)) return;
  await deleteByPrefix(s3, `${prefix}/`);
}
