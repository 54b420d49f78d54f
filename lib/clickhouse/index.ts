/**
 * @module clickhouse — the client connection: connect() (embedded engine, local endpoint or a
 * server), the kit's HTTP transport and the query helpers. Imports lib/engine, lib/sql, lib/config.
 */
export { clientSecrets, CLUSTER_CLIENT_SETTINGS, connect, connectionInfo, KIT_CLIENT_SETTINGS } from './connect';
export type { ConnectionInfo, ConnectionMode, ConnectOptions } from './connect';
export { KitHttpConnection } from './http-connection';
export type { KitHttpConnectionOptions } from './http-connection';
export {
  command,
  decimalsAsFloat,
  ensureDatabase,
  insertJsonRows,
  queryFrame,
  queryOne,
  queryRows,
  serverVersion,
  tableSql,
} from './query';
export type { FrameOptions, QueryOptions, QueryParamValues, TableRef } from './query';
// Public names of this module since before lib/engine and lib/sql held them; kept stable.
export { defaultEngineConfig, engineOptionsFor } from '../engine';
export { InvalidIdentifierError, isReadOnlyKind, qualifiedName, queryKind, quoteIdentifier, quoteString } from '../sql';
export type { QueryKind } from '../sql';
export { excerpt, parseClickHouseErrorText, toWarehouseError, WarehouseError, WarehouseLockedError } from '../sql';
export {
  clusterOf,
  createDistributedSql,
  distributedEngineSql,
  LOCAL_TABLE_SUFFIX,
  localTableName,
  mergeTreeEngineSql,
  onClusterSql,
  REPLICA_NAME,
  REPLICA_PATH,
  systemTableSql,
} from './cluster';
