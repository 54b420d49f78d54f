export { EmbeddedEngine, EngineError, EngineSession, countRows } from './engine';
export type { EngineOptions, EngineRequest, EngineResult, EngineSummary } from './engine';
export { EmbeddedConnection } from './connection';
export { formatParamValue } from './params';
export { spool } from './spool';
export { advertiseDataFolderUrl, claimDataFolder, readDataFolderOwner, releaseDataFolder, withdrawDataFolderUrl } from './lock';
export type { DataFolderOwner } from './lock';
export { KIT_DATABASE, KIT_QUERY_LOG } from './query-log';
