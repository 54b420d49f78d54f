export { LAKE_COLLECTION, ensureLakeCollection } from './collection';
export { LakeError } from './errors';
export { LAKE_FORMATS, lakeSource, structureText } from './source';
export type { ColumnTypes, LakeFormat, LakeSource, LakeSourceOptions } from './source';
export { countLake, describeLake, lakeFiles } from './inspect';
export type { LakeColumn, LakeFile } from './inspect';
export { LAKE_PARQUET_DEFAULTS, PARQUET_CODECS, parquetWriteSettings } from './parquet';
export type { ParquetCodec, ParquetWriteOptions } from './parquet';
export { exportTable, writeToLake } from './write';
export type { ExportResult, ExportTableOptions, WriteToLakeOptions } from './write';
export { createS3Table, ingestIntoMergeTree, validateTypes } from './tables';
export type { CreateS3TableOptions, IngestOptions } from './tables';
export { checkJsonPath, jsonPathSql, jsonSource, jsonTypeSql } from './json-source';
export type { JsonPathTypes, JsonSource, JsonSourceOptions, JsonTypeOptions } from './json-source';
export { jsonLineCounts, jsonLineRejects, jsonPathTypes, jsonTableFootprint } from './json-inspect';
export type { JsonLineCounts, JsonPathType, JsonRejectOptions, JsonTableFootprint, JsonValues } from './json-inspect';
export type { JsonReject } from './json-rejects';
export { ingestJsonObjects, listJsonObjects } from './json-ingest';
export type { JsonIngestOptions, JsonIngestReport, JsonObjectReport } from './json-ingest';
export { jsonLinesKey, rawEventsPrefix, writeJsonLines } from './json-write';
export type { JsonLinesDay, JsonLinesObject, WriteJsonLinesOptions } from './json-write';
export {
  IcebergConflictError,
  IcebergError,
  IcebergExternalReadError,
  IcebergMetadataError,
  IcebergSnapshotNotFoundError,
} from './iceberg-errors';
export {
  addIcebergColumn,
  appendToIceberg,
  attachIcebergTable,
  createIcebergTable,
  dropIcebergTable,
  ICEBERG_TRANSFORMS,
  icebergColumnType,
  ICEBERG_WRITE_SETTINGS,
  icebergPartitionSql,
  writeIcebergTable,
} from './iceberg-table';
export type {
  AppendOptions,
  AppendResult,
  CreateIcebergTableOptions,
  IcebergPartition,
  IcebergTransform,
  WriteIcebergOptions,
} from './iceberg-table';
export { icebergAsOfSettings, icebergPath, icebergSnapshots, queryIceberg } from './iceberg-snapshots';
export type { IcebergAsOf, IcebergSnapshot, QueryIcebergOptions } from './iceberg-snapshots';
export { icebergChecksum, icebergChecksumSql } from './iceberg-checksum';
export { projectPython, readIcebergExternally } from './iceberg-external';
export type { ExternalDataFile, ExternalIcebergRead } from './iceberg-external';
