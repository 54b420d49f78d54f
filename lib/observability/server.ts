import type { ClickHouseClient } from '@clickhouse/client';
import type { DataFrame } from 'nodejs-polars';
import { connectionInfo, queryFrame } from '../clickhouse';
import { loadConfig, type KitConfig } from '../config';
import { readDataFolderOwner } from '../engine/lock';
import { ObservabilityError } from './errors';
import { modeOf, queryLogSource } from './source';
import { observabilityTag } from './tags';

export interface ServerOverviewOptions {
  /** Settings used to find the local endpoint's data folder (default: loadConfig()). */
  config?: KitConfig;
}

/**
 * Who answers and since when: one row with mode, version, host, time zone, user, database,
 * uptime and which query log the helpers read.
 *
 * `uptime()` is 0 on the embedded engine (clickhouse-local has no server start); there the
 * engine's start comes from the data folder's owner file, which the process holding the folder
 * writes when it opens the engine (this process, or the local endpoint's). `note` says so.
 */
export async function serverOverview(client: ClickHouseClient, options: ServerOverviewOptions = {}): Promise<DataFrame> {
  const mode = modeOf(client);
  const engineStart = mode === 'server' ? undefined : embeddedEngineStart(client, options.config);
  let queryLog = 'none';
  try {
    queryLog = (await queryLogSource(client)).table;
  } catch (e) {
    if (!(e instanceof ObservabilityError)) throw e;
  }
  const notes: string[] = [];
  if (mode !== 'server') {
    notes.push(
      engineStart
        ? 'embedded engine: uptime() is always 0 in clickhouse-local; uptime counts from the engine start recorded in the data folder'
        : 'embedded engine: uptime() is always 0 in clickhouse-local and no engine start was recorded: uptime unknown',
    );
  }
  if (queryLog === 'none') notes.push('no query log available');
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
       uptime() AS server_uptime,
       parseDateTime64BestEffortOrNull({started:String}, 3) AS engine_started,
       toNullable(toUInt64(multiIf(server_uptime > 0, server_uptime,
                                   engine_started IS NOT NULL, greatest(0, dateDiff('second', engine_started, now64(3))),
                                   NULL))) AS uptime_seconds,
       if(server_uptime > 0, now() - server_uptime, toDateTime(engine_started)) AS started_at,
       multiIf(server_uptime > 0, 'uptime()', engine_started IS NOT NULL, 'engine start (data folder owner file)', 'unavailable') AS uptime_source,
       {query_log:String} AS query_log,
       {note:String} AS note`,
    { mode, started: engineStart ?? '', query_log: queryLog, note: notes.join('; ') },
    { logComment: observabilityTag('server-overview') },
  ).then((df) => df.drop(['server_uptime', 'engine_started']));
}

/** When the process holding the embedded engine's data folder started it (ISO time), if known. */
function embeddedEngineStart(client: ClickHouseClient, config: KitConfig | undefined): string | undefined {
  const info = connectionInfo(client);
  if (!info) return undefined;
  if (info.mode === 'embedded' && info.dataPath) return readDataFolderOwner(info.dataPath)?.startedAt;
  if (info.mode === 'local-endpoint') {
    let dataPath: string;
    try {
      dataPath = (config ?? loadConfig()).clickhouse.dataPath;
    } catch {
      return undefined;
    }
    const owner = readDataFolderOwner(dataPath);
    return owner && owner.url === info.url ? owner.startedAt : undefined;
  }
  return undefined;
}
