import type { ClickHouseClient } from '@clickhouse/client';
import type { DataFrame } from 'nodejs-polars';
import { queryFrame } from '../clickhouse';
import { ObservabilityError } from './errors';
import { ASYNC_METRICS_NOTE } from './metrics';
import { hasSystemTable, modeOf, queryLogSource } from './source';
import { observabilityTag } from './tags';

/**
 * Who answers and since when: one row with mode (embedded, local-endpoint, server), version,
 * host, time zone, user, database, server time, uptime and start time, which query log the
 * helpers read, and `note`: what this engine does not offer (on the embedded engine: no
 * system.query_log, no system.asynchronous_metrics; its uptime counts from the engine's start
 * in the process that holds the data folder).
 */
export async function serverOverview(client: ClickHouseClient): Promise<DataFrame> {
  const mode = modeOf(client);
  let queryLog = 'none';
  const notes: string[] = [];
  try {
    queryLog = (await queryLogSource(client)).table;
  } catch (e) {
    if (!(e instanceof ObservabilityError)) throw e;
    notes.push(e.message);
  }
  if (queryLog === '_kit.query_log')
    notes.push(
      'no system.query_log here (chDB starts no system logs): the kit writes _kit.query_log with the same columns',
    );
  if (!(await hasSystemTable(client, 'asynchronous_metrics'))) notes.push(ASYNC_METRICS_NOTE);
  if (mode !== 'server')
    notes.push('uptime counts from the start of the embedded engine in the process that holds the data folder');
  return queryFrame(
    client,
    `SELECT
       {mode:String} AS mode,
       version() AS version,
       hostName() AS host,
       timezone() AS timezone,
       currentUser() AS user,
       currentDatabase() AS database,
       now() AS server_time,
       uptime() AS uptime_seconds,
       server_time - uptime_seconds AS started_at,
       {query_log:String} AS query_log,
       {note:String} AS note`,
    { mode, query_log: queryLog, note: notes.join('; ') },
    { logComment: observabilityTag('server-overview') },
  );
}
