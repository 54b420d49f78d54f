import type { ClickHouseClient } from '@clickhouse/client';
import { command, connectionInfo, queryRows, WarehouseError, type ConnectionMode } from '../clickhouse';
import { KIT_DATABASE, KIT_QUERY_LOG } from '../engine';
import { QueryLogUnavailableError } from './errors';
import { observabilityTag } from './tags';

/**
 * Where this client's query log lives. A ClickHouse server writes `system.query_log`; the
 * embedded engine and the local endpoint (chDB never initialises system logs) have the kit's
 * `_kit.query_log` with the same column names instead.
 */
export interface QueryLogSource {
  /** `system.query_log` or `_kit.query_log`. */
  table: string;
  /** True for the kit's own log (embedded engine, local endpoint). */
  kitLog: boolean;
}

const SYSTEM_QUERY_LOG = 'system.query_log';
const KIT_LOG = `${KIT_DATABASE}.${KIT_QUERY_LOG}`;

const logSources = new WeakMap<ClickHouseClient, Promise<QueryLogSource>>();
const systemTableSets = new WeakMap<ClickHouseClient, Promise<ReadonlySet<string>>>();

/** How the client reaches ClickHouse (`server` for clients not made by `connect`). */
export function modeOf(client: ClickHouseClient): ConnectionMode {
  return connectionInfo(client)?.mode ?? 'server';
}

/**
 * Writes buffered log entries now (`SYSTEM FLUSH LOGS`: the server's system logs, and the
 * kit's query log on the embedded engine and the local endpoint). Returns false when the user
 * may not flush (the log is then read as it is, up to ~7 s behind on a server).
 */
export async function flushLogs(client: ClickHouseClient): Promise<boolean> {
  try {
    await command(client, 'SYSTEM FLUSH LOGS', undefined, { logComment: observabilityTag('flush-logs') });
    return true;
  } catch (e) {
    if (e instanceof WarehouseError && (e.code === 497 || e.type === 'ACCESS_DENIED')) return false;
    throw e;
  }
}

/**
 * The query log this client reads: detected once per client. `system.query_log` wins when it
 * exists; a server creates it on its first flush, so a server with neither table is flushed
 * once and asked again.
 */
export function queryLogSource(client: ClickHouseClient): Promise<QueryLogSource> {
  let found = logSources.get(client);
  if (!found) {
    found = detectQueryLog(client);
    logSources.set(client, found);
    // A failure (server down, log disabled) is not remembered: the next call asks again.
    found.catch(() => logSources.delete(client));
  }
  return found;
}

async function detectQueryLog(client: ClickHouseClient): Promise<QueryLogSource> {
  // The kit's own log first: on the embedded engine system.query_log is only a view of it.
  const look = async (): Promise<QueryLogSource | undefined> => {
    const rows = await queryRows<{ db: string }>(
      client,
      `SELECT database AS db FROM system.tables
       WHERE name = {name:String} AND database IN ('system', {kit:String})
       ORDER BY database = {kit:String} DESC`,
      { name: KIT_QUERY_LOG, kit: KIT_DATABASE },
      { logComment: observabilityTag('detect-query-log') },
    );
    const db = rows[0]?.db;
    if (db === undefined) return undefined;
    return db === 'system' ? { table: SYSTEM_QUERY_LOG, kitLog: false } : { table: KIT_LOG, kitLog: true };
  };
  const first = await look();
  if (first) return first;
  if (!(await flushLogs(client))) throw new QueryLogUnavailableError();
  const second = await look();
  if (!second) throw new QueryLogUnavailableError();
  return second;
}

/** Names of the tables in the `system` database, read once per client. */
export function systemTables(client: ClickHouseClient): Promise<ReadonlySet<string>> {
  let found = systemTableSets.get(client);
  if (!found) {
    found = queryRows<{ name: string }>(client, `SELECT name FROM system.tables WHERE database = 'system'`, undefined, {
      logComment: observabilityTag('system-tables'),
    }).then((rows) => new Set(rows.map((r) => r.name)));
    systemTableSets.set(client, found);
    found.catch(() => systemTableSets.delete(client));
  }
  return found;
}

/** True when `system.<name>` exists on this ClickHouse. */
export async function hasSystemTable(client: ClickHouseClient, name: string): Promise<boolean> {
  return (await systemTables(client)).has(name);
}
