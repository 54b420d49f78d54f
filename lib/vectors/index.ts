export { VectorStore, MAX_K, parseIndexUse } from './store';
export type {
  VectorRecord,
  SearchHit,
  SearchMode,
  SearchResult,
  SearchOptions,
  ExplainResult,
  InsertOptions,
} from './store';
export {
  vectorTableSpec,
  vectorTableName,
  createTableSql,
  createTableStatements,
  dropTableStatements,
  changeTargetSql,
  VECTOR_SHARDING_KEY,
  DEFAULT_HNSW,
  ITEM_METADATA,
  INDEX_NAME,
  DIMENSION_CONSTRAINT,
  VECTOR_INDEX_GRANULARITY,
} from './table-spec';
export type {
  VectorDdlOptions,
  VectorTableSpec,
  VectorTableSpecInput,
  HnswSettings,
  HnswQuantization,
  DistanceMetric,
  MetadataColumnType,
} from './table-spec';
export { compileFilters } from './filters';
export type { Filters, FilterValue, RangeFilter } from './filters';
export { VectorStoreError, VectorDimensionError, InvalidFilterError } from './errors';
export { generateNarratives, NARRATIVE_CATEGORIES, NARRATIVE_REGIONS } from './narratives';
export type { Narrative, NarrativeMetadata } from './narratives';
export {
  generateVectorItems,
  writeVectorDataset,
  readVectorDataset,
  readVectorDatasetInfo,
  defaultVectorDatasetPath,
  toVectorRecords,
} from './dataset';
export type { VectorItem, VectorDatasetInfo, GenerateOptions } from './dataset';
export { SeededRandom } from './random';
export {
  gloveAnnDataset,
  benchTableSpec,
  loadAnnBase,
  buildIndexedCopy,
  runAnnQueries,
  recallAtK,
  percentile,
} from './benchmark';
export type { AnnDataset, QueryRun } from './benchmark';
export { runHnswGrid, hnswLabel, tableBytesOnDisk, exactTopK, perturbedDataset } from './hnsw-grid';
export type { HnswBuild, HnswGridCase, HnswGridOptions } from './hnsw-grid';
export { encodeVectorRows, insertVectorRows } from './row-binary';
