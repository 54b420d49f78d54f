export { CLUSTER_CLIENT_SETTINGS, connect, connectionInfo, defaultEngineConfig, engineOptionsFor, KIT_CLIENT_SETTINGS } from './connect';
export type { ConnectionInfo, ConnectionMode, ConnectOptions } from './connect';
export { command, decimalsAsFloat, ensureDatabase, insertRows, queryFrame, queryOne, queryRows, serverVersion, tableSql } from './query';
export type { FrameOptions, QueryOptions, QueryParamValues, TableRef } from './query';
export { InvalidIdentifierError, isReadOnlyKind, qualifiedName, queryKind, quoteIdentifier, quoteString } from './sql';
export type { QueryKind } from './sql';
export { excerpt, parseClickHouseErrorText, toWarehouseError, WarehouseError, WarehouseLockedError } from './errors';
export { clusterOf, createDistributedSql, distributedEngineSql, LOCAL_TABLE_SUFFIX, localTableName, mergeTreeEngineSql, onClusterSql, REPLICA_NAME, REPLICA_PATH, systemTableSql } from './cluster';
