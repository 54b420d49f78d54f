export { bootstrapRetail, isTransientFailure } from './bootstrap';
export type { BootstrapOptions, BootstrapReport, BootstrapTableResult, ProgressFactory } from './bootstrap';
export { insertFrame, insertParquet, loadFrame } from './bulk';
export type { BulkInsertOptions, BulkInsertResult, LoadFrameOptions } from './bulk';
export {
  createTableSql,
  createTableStatements,
  dropTableSql,
  dropTableStatements,
  mutationTargetSql,
  shardingKeyOf,
  targetSql,
} from './ddl';
export type { DdlOptions } from './ddl';
export { createTable, dropTable } from './table-ops';
export {
  BootstrapMismatchError,
  DatasetPlanConflictError,
  TabularError,
  TabularInputError,
  UnsupportedOperationError,
} from './errors';
export { conformFrame, frameFromRows, frameToParquet, frameTypeOf, looksLikeParquet, parquetToFrame } from './frames';
export type { FrameType } from './frames';
export { DEFAULT_CHUNK_ROWS, DEFAULT_EVENTS, GENERATOR_VERSION, planDataset } from './dataset-plan';
export type { DatasetPlan, DatasetSpec } from './dataset-plan';
export { EVENT_TYPES } from './activity';
export { RetailGenerator } from './generate';
export { columnOf, CUSTOMERS, EVENTS, ORDERS, PRODUCTS, RETAIL_TABLES, retailTable } from './schema';
export type { ColumnDef, RetailTableName, TableDef } from './schema';
export { chunkObjectKey, pruneObjects, stageObject } from './stage';
export { CHECKSUM_SQL, countTableRows, tableStats } from './stats';
export type { TableStats } from './stats';
export {
  DEDUPLICATION_WINDOW,
  retailTargets,
  S3_STORAGE_POLICY,
  STORAGE_MODE_INFO,
  STORAGE_MODES,
  tableTarget,
} from './storage';
export type { StorageMode, StorageModeInfo, TableTarget, TableTargetOptions } from './storage';
export { countWhere, deleteRows, insertRows, selectFrame, updateRows, waitForMutations, whereSql } from './crud';
export type {
  ChangeKind,
  ChangeOptions,
  ChangeResult,
  CompareCondition,
  Condition,
  ListCondition,
  NullCondition,
  Scalar,
  SelectOptions,
  Where,
} from './crud';
export { crudTarget, resetCrudTable, runCrudFlow, runCrudFlows } from './crud-flow';
export type { CrudFlowOptions, CrudStep } from './crud-flow';
export { SAMPLE_SPEC, sampleCsv, sampleFrames, sampleParquet } from './samples';
export {
  datasetLakePrefix,
  liveTarget,
  planOfComment,
  readTableStates,
  recordedPlanId,
  STAGING_SUFFIX,
} from './dataset-state';
export type { TableState } from './dataset-state';
export { TIME_ZONES } from './vocabulary';
export { generatePayloadDay, generatePayloads, PAYLOAD_EVENT_TYPES } from './payloads';
export type { PayloadDay, PayloadEventType, PayloadSpec } from './payloads';
export { ScratchBatch } from './engine-load';
export { codeBlocks } from './materialize';
export type { CodeBlock } from './materialize';
export { SCRATCH_PREFIX } from './engine-load';
