export { serverOverview } from './server';
export {
  keyMetrics,
  currentMetrics,
  eventCounters,
  asynchronousMetrics,
  ASYNC_METRICS_NOTE,
  type NameFilter,
} from './metrics';
export {
  recentQueries,
  queryStatsByKind,
  latencyOverTime,
  queryErrors,
  errorsByCode,
  kitActivity,
  kitActivitySummary,
  bucketFor,
  type QueryLogFilter,
  type ListOptions,
  type LatencyOptions,
  type KitActivityOptions,
  type TimePoint,
} from './query-log-reader';
export {
  tableSizes,
  tableSizesByDisk,
  partsPerTable,
  columnSizes,
  mutations,
  vectorIndexes,
  disks,
  storagePolicies,
  type TableScope,
  type MutationOptions,
} from './storage';
export {
  healthReport,
  healthFrame,
  formatBytes,
  formatDuration,
  type HealthReport,
  type HealthCheck,
  type HealthThresholds,
  type CheckStatus,
} from './health';
export { latencyChart, bytesReadByKindChart, tableSizesByDiskChart, partsPerTableChart } from './charts';
export { flushLogs, queryLogSource, hasSystemTable, type QueryLogSource } from './source';
export { KIT_TAG_PREFIX, OBSERVABILITY_TAG_PREFIX, observabilityTag } from './tags';
export { ObservabilityError, ObservabilityInputError, QueryLogUnavailableError } from './errors';
