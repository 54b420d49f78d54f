import {
  createDistributedSql,
  localTableName,
  mergeTreeEngineSql,
  onClusterSql,
  qualifiedName,
  quoteIdentifier,
  quoteString,
} from '../clickhouse';
import { VectorStoreError } from './errors';

export type DistanceMetric = 'cosineDistance' | 'L2Distance';
/** How the HNSW index stores vectors: smaller is faster and lossier. */
export type HnswQuantization = 'f64' | 'f32' | 'f16' | 'bf16' | 'i8' | 'b1';

/** Build-time settings of a `vector_similarity('hnsw', ...)` index. */
export interface HnswSettings {
  quantization: HnswQuantization;
  /** Neighbours per graph node (ClickHouse default 32). */
  m: number;
  /** Candidate list size while building (ClickHouse default 128). */
  efConstruction: number;
  /** Granules per index block: keep it huge so one index covers a whole part (1 is an anti-pattern). */
  granularity: number;
}

export const DEFAULT_HNSW: Readonly<HnswSettings> = {
  quantization: 'bf16',
  m: 32,
  efConstruction: 128,
  granularity: 100_000_000,
};

/** ClickHouse column types allowed for metadata columns (filters bind values with these types). */
export type MetadataColumnType =
  | 'String'
  | 'LowCardinality(String)'
  | 'UInt8'
  | 'UInt16'
  | 'UInt32'
  | 'Int32'
  | 'Int64'
  | 'Float32'
  | 'Float64'
  | 'Date'
  | 'DateTime'
  | 'Bool';

export interface VectorTableSpec {
  /** Table name in the client's database. */
  table: string;
  /** The embedding model whose vectors the table holds (recorded in the table comment). */
  modelId: string;
  dimensions: number;
  metric: DistanceMetric;
  hnsw: HnswSettings;
  /** Metadata columns next to `id`, `text` and `embedding`, usable in filters. */
  metadata: Readonly<Record<string, MetadataColumnType>>;
}

/** Metadata of the kit's narrative items (see lib/vectors/narratives). */
export const ITEM_METADATA: Readonly<Record<string, MetadataColumnType>> = {
  category: 'LowCardinality(String)',
  region: 'LowCardinality(String)',
  channel: 'LowCardinality(String)',
  sentiment: 'LowCardinality(String)',
  rating: 'UInt8',
  created_at: 'Date',
};

const RESERVED_COLUMNS = new Set(['id', 'text', 'embedding']);
const QUANTIZATIONS = new Set<HnswQuantization>(['f64', 'f32', 'f16', 'bf16', 'i8', 'b1']);

/**
 * One table per model and dimension: `<base>_<model slug>_<dims>d`, e.g.
 * `vector_items_baai_bge_base_en_v1_5_768d`. Switching models never mixes vectors of different spaces.
 */
export function vectorTableName(base: string, modelId: string, dimensions: number): string {
  const slug = modelId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  return `${base}_${slug}_${dimensions}d`;
}

export interface VectorTableSpecInput {
  modelId: string;
  dimensions: number;
  /** Table name; default {@link vectorTableName}(`base`, modelId, dimensions). */
  table?: string;
  /** Default `vector_items`. */
  base?: string;
  metric?: DistanceMetric;
  hnsw?: Partial<HnswSettings>;
  /** Default {@link ITEM_METADATA}. */
  metadata?: Readonly<Record<string, MetadataColumnType>>;
}

/** A validated table spec with defaults filled in. */
export function vectorTableSpec(input: VectorTableSpecInput): VectorTableSpec {
  const { dimensions } = input;
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 65_536) {
    throw new VectorStoreError(`dimensions must be an integer between 1 and 65536, got ${String(dimensions)}.`);
  }
  const hnsw: HnswSettings = { ...DEFAULT_HNSW, ...input.hnsw };
  if (!QUANTIZATIONS.has(hnsw.quantization)) {
    throw new VectorStoreError(
      `HNSW quantization "${hnsw.quantization}" is not one of ${[...QUANTIZATIONS].join(', ')}.`,
    );
  }
  for (const [name, v, min] of [
    ['m', hnsw.m, 2],
    ['efConstruction', hnsw.efConstruction, 1],
    ['granularity', hnsw.granularity, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min)
      throw new VectorStoreError(`HNSW ${name} must be an integer >= ${min}, got ${String(v)}.`);
  }
  const metadata = input.metadata ?? ITEM_METADATA;
  for (const col of Object.keys(metadata)) {
    if (RESERVED_COLUMNS.has(col))
      throw new VectorStoreError(`Metadata column "${col}" clashes with a built-in column (id, text, embedding).`);
    quoteIdentifier(col);
  }
  const metric = input.metric ?? 'cosineDistance';
  if (metric !== 'cosineDistance' && metric !== 'L2Distance')
    throw new VectorStoreError(`metric must be cosineDistance or L2Distance, got ${String(metric)}.`);
  return {
    table: input.table ?? vectorTableName(input.base ?? 'vector_items', input.modelId, dimensions),
    modelId: input.modelId,
    dimensions,
    metric,
    hnsw,
    metadata,
  };
}

/** What the table comment records, so an existing table can be checked against a spec. */
export interface VectorTableComment {
  kit: 'vectors';
  model: string;
  dimensions: number;
  metric: DistanceMetric;
}

export const INDEX_NAME = 'embedding_hnsw';
export const DIMENSION_CONSTRAINT = 'embedding_dimensions';

/** Where a vector table lives: on a cluster (CLICKHOUSE_CLUSTER) it needs its database spelled out. */
export interface VectorDdlOptions {
  /** Cluster name; unset: one MergeTree table (ClickHouse Cloud too). */
  cluster?: string;
  /** Database of the table; required with a cluster (the Distributed engine names it). */
  database?: string;
  ifNotExists?: boolean;
}

/**
 * Vectors are sharded by `id`: an id lives on one shard, so delete-by-id and upsert reach it, and
 * each shard searches its own HNSW index; the Distributed table merges the shards' top k.
 */
export const VECTOR_SHARDING_KEY = 'cityHash64(id)';

/**
 * Rows per granule of a vector table (MergeTree default 8192). A search reads the granules holding
 * the index's k hits; at 8192 rows that was ~70k rows of id/text per query at 100k vectors, at 1024
 * about 1/8 of it (bench:vectors: p50 4.9 -> 3.9 ms on the engine, with lazy materialisation off).
 * Rows are wide (a vector each), so adaptive granularity (10 MB) would cap them near this anyway.
 */
export const VECTOR_INDEX_GRANULARITY = 1024;

/**
 * CREATE TABLE for a spec: `Array(Float32)` without compression (floats barely compress and the
 * index reads them raw), a CHECK on the vector length, and an HNSW index whose every parameter is
 * spelled out. On a cluster this is the `<table>_local` table of every shard (ReplicatedMergeTree).
 */
export function createTableSql(spec: VectorTableSpec, options: VectorDdlOptions = {}): string {
  const { hnsw } = spec;
  const { cluster } = options;
  const metadataColumns = Object.entries(spec.metadata).map(([name, type]) => `  ${quoteIdentifier(name)} ${type},`);
  return [
    `CREATE TABLE ${options.ifNotExists === false ? '' : 'IF NOT EXISTS '}${tableName(localTableName(spec.table, cluster), options)}${onClusterSql(cluster)}`,
    '(',
    '  `id` String,',
    '  `text` String,',
    ...metadataColumns,
    '  `embedding` Array(Float32) CODEC(NONE),',
    `  CONSTRAINT ${quoteIdentifier(DIMENSION_CONSTRAINT)} CHECK length(embedding) = ${spec.dimensions},`,
    `  INDEX ${quoteIdentifier(INDEX_NAME)} embedding TYPE vector_similarity('hnsw', '${spec.metric}', ${spec.dimensions}, '${hnsw.quantization}', ${hnsw.m}, ${hnsw.efConstruction}) GRANULARITY ${hnsw.granularity}`,
    ')',
    `ENGINE = ${mergeTreeEngineSql(cluster)}`,
    'ORDER BY id',
    `SETTINGS index_granularity = ${VECTOR_INDEX_GRANULARITY}`,
    `COMMENT ${quoteString(tableComment(spec))}`,
  ].join('\n');
}

/** The statements that create a vector table: one table, or the shards' tables and the Distributed table. */
export function createTableStatements(spec: VectorTableSpec, options: VectorDdlOptions = {}): string[] {
  const { cluster, database } = options;
  const first = createTableSql(spec, options);
  if (!cluster) return [first];
  if (!database)
    throw new VectorStoreError(`a vector table on cluster ${cluster} needs its database: pass options.database.`);
  return [
    first,
    createDistributedSql({
      cluster,
      database,
      name: spec.table,
      shardingKey: VECTOR_SHARDING_KEY,
      comment: tableComment(spec),
      ifNotExists: options.ifNotExists,
    }),
  ];
}

/** DROP of the table (and of the shards' tables on a cluster). */
export function dropTableStatements(table: string, options: Omit<VectorDdlOptions, 'ifNotExists'> = {}): string[] {
  const drop = (name: string): string =>
    `DROP TABLE IF EXISTS ${tableName(name, options)}${onClusterSql(options.cluster)} SYNC`;
  return options.cluster ? [drop(table), drop(localTableName(table, options.cluster))] : [drop(table)];
}

/** The table DELETE and OPTIMIZE act on: the shards' tables on every replica on a cluster. */
export function changeTargetSql(table: string, options: Omit<VectorDdlOptions, 'ifNotExists'> = {}): string {
  return `${tableName(localTableName(table, options.cluster), options)}${onClusterSql(options.cluster)}`;
}

function tableName(table: string, options: VectorDdlOptions): string {
  return options.database ? qualifiedName(options.database, table) : quoteIdentifier(table);
}

function tableComment(spec: VectorTableSpec): string {
  const comment: VectorTableComment = {
    kit: 'vectors',
    model: spec.modelId,
    dimensions: spec.dimensions,
    metric: spec.metric,
  };
  return JSON.stringify(comment);
}
