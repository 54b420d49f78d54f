/**
 * @module engine — the engine host: the embedded ClickHouse (chDB) of one data folder, shared in
 * this process by the client connection and the local endpoint. Imports only lib/sql and lib/config.
 *
 * engine.ts          routes one statement (the rest is handed off by job):
 * registry.ts        one engine per data folder per process
 * start.ts           start-up: folder lock (lock.ts), S3 preflight (s3-dependency.ts), environment (engine-env.ts)
 * sessions.ts        the session pool and named sessions
 * settings.ts        settings that must not leak from one query to the next
 * insert-input.ts    INSERT data through named pipes (fifo.ts) or spool files (spool.ts)
 * run-materialised.ts, run-into-pipe.ts   the two run paths
 * query-log-writer.ts  the kit's query log (table: query-log-table.ts)
 * errors.ts          EngineError and the mapping of chDB failures
 * row-count.ts       rows in result bytes
 * client-contract.ts, embedded-connection.ts   the engine behind @clickhouse/client
 */
export { EmbeddedEngine } from './engine';
export { EngineSession } from './sessions';
export { EngineError } from './errors';
export { countResultRows, countNewlines, headerLines, isLineFormat, rowsFromLines } from './row-count';
export { emptySummary } from './types';
export type { EngineInput, EngineOptions, EngineRequest, EngineResult, EngineSummary } from './types';
export { EmbeddedConnection } from './embedded-connection';
export type {
  ClientCommandParams,
  ClientCommandResult,
  ClientConnection,
  ClientExecParams,
  ClientExecResult,
  ClientInsertParams,
  ClientInsertResult,
  ClientQueryParams,
  ClientQueryResult,
  ClientSummary,
} from './client-contract';
export { defaultEngineConfig, engineOptionsFor } from './options';
export { engineEnvironment, S3_DISK_PREFIX } from './engine-env';
export { spool } from './spool';
export { SERVER_DEFAULTS } from './server-defaults';
export { MARKER_SHIFT, userPositions } from './run-marker';
export type { RunProgress } from './progress';
export { isProcessAlive } from './lock';
export {
  advertiseDataFolderUrl,
  claimDataFolder,
  readDataFolderOwner,
  releaseDataFolder,
  withdrawDataFolderUrl,
} from './lock';
export type { DataFolderOwner } from './lock';
export { KIT_DATABASE, KIT_QUERY_LOG } from './query-log-table';
// Kept for callers from before lib/sql existed: the parameter text form now lives there.
export { formatParamValue } from '../sql';
