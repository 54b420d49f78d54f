import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import {
  clusterOf,
  command,
  connectionInfo,
  insertJsonRows,
  queryOne,
  queryRows,
  quoteIdentifier,
} from '../clickhouse';
import type { Embedder } from '../embeddings';
import { VectorDimensionError, VectorStoreError } from './errors';
import { compileFilters, type Filters } from './filters';
import { insertVectorRows } from './row-binary';
import {
  INDEX_NAME,
  changeTargetSql,
  createTableStatements,
  dropTableStatements,
  vectorTableSpec,
  type VectorDdlOptions,
  type VectorTableComment,
  type VectorTableSpec,
  type VectorTableSpecInput,
} from './table-spec';

/** One row to store: a text, its vector and its metadata columns. */
export interface VectorRecord {
  id: string;
  text: string;
  embedding: ArrayLike<number>;
  metadata?: Readonly<Record<string, unknown>>;
}

export interface SearchHit {
  id: string;
  text: string;
  /** Distance to the query under the table's metric (smaller is closer). */
  distance: number;
  metadata: Record<string, unknown>;
}

export type SearchMode = 'index' | 'index+postfilter' | 'exact' | 'exact (filtered fallback)';

export interface SearchResult {
  hits: SearchHit[];
  /** How the rows were found: the HNSW index, or a brute-force scan. */
  mode: SearchMode;
  elapsedMs: number;
}

export interface SearchOptions {
  /** Brute-force scan instead of the index: the ground truth. */
  exact?: boolean;
  /** `hnsw_candidate_list_size_for_search` (ef_search); ClickHouse default 256. */
  efSearch?: number;
  /**
   * With filters, the index first returns `k × fetchMultiplier` neighbours which are then filtered
   * (post-filtering; default 4). When fewer than k survive, the search is redone exactly over the
   * matching rows, so a filter never silently shortens the answer.
   */
  fetchMultiplier?: number;
  /** Recompute distances from the full-precision vectors (the index stores quantized ones). */
  rescore?: boolean;
  /** Task instruction for instruction-formatted query models. */
  instruction?: string;
}

export interface ExplainResult {
  usesVectorIndex: boolean;
  /** `Granules: selected/total` of the vector index step, when it is there. */
  granules: { selected: number; total: number } | undefined;
  text: string;
}

export interface InsertOptions {
  /** Rows per INSERT (default 10 000). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Largest k that may use the index (ClickHouse's max_limit_for_vector_search_queries). */
export const MAX_K = 1000;

/**
 * A table of texts with embeddings and an HNSW index. Values travel as bound parameters (the query
 * vector too); identifiers go through quoteIdentifier.
 */
export class VectorStore {
  private constructor(
    readonly client: ClickHouseClient,
    readonly spec: VectorTableSpec,
    private readonly embedder: Embedder | undefined,
  ) {}

  /**
   * Creates the table if needed and checks that an existing one holds the same model's vectors.
   * With an embedder, `search` accepts texts and the spec defaults to the embedder's model and dimension.
   */
  static async open(client: ClickHouseClient, spec: VectorTableSpec, embedder?: Embedder): Promise<VectorStore> {
    if (embedder && (embedder.modelId !== spec.modelId || embedder.dimensions !== spec.dimensions)) {
      throw new VectorStoreError(
        `Table ${spec.table} is for ${spec.modelId} (${spec.dimensions} dims) but the embedder is ${embedder.modelId} (${embedder.dimensions} dims).`,
      );
    }
    for (const sql of createTableStatements(spec, ddlOptions(client)))
      await command(client, sql, undefined, { logComment: 'kit:vectors:create' });
    const row = await queryOne<{ comment: string }>(
      client,
      'SELECT comment FROM system.tables WHERE database = currentDatabase() AND name = {t:String}',
      { t: spec.table },
    );
    let existing: Partial<VectorTableComment> = {};
    try {
      existing = JSON.parse(row?.comment ?? '{}') as Partial<VectorTableComment>;
    } catch {
      /* not ours */
    }
    if (existing.kit !== 'vectors')
      throw new VectorStoreError(
        `Table ${spec.table} exists but was not created by lib/vectors; pick another table name.`,
      );
    if (existing.model !== spec.modelId || existing.dimensions !== spec.dimensions || existing.metric !== spec.metric) {
      throw new VectorStoreError(
        `Table ${spec.table} holds ${existing.dimensions}-dim ${existing.metric} vectors of ${existing.model}, not ${spec.dimensions}-dim ${spec.metric} vectors of ${spec.modelId}. ` +
          'Use the table named for the model (vectorTableName) or drop this one.',
      );
    }
    return new VectorStore(client, spec, embedder);
  }

  /** The table for the embedder's model and dimension (one table per model). */
  static forEmbedder(
    client: ClickHouseClient,
    embedder: Embedder,
    options: Omit<VectorTableSpecInput, 'modelId' | 'dimensions'> = {},
  ): Promise<VectorStore> {
    return VectorStore.open(
      client,
      vectorTableSpec({ ...options, modelId: embedder.modelId, dimensions: embedder.dimensions }),
      embedder,
    );
  }

  get table(): string {
    return this.spec.table;
  }

  /** Inserts rows in batches. Every vector's length is checked here first; the table's CHECK is the backstop. */
  async insert(records: readonly VectorRecord[], options: InsertOptions = {}): Promise<number> {
    const batchSize = options.batchSize ?? 10_000;
    records.forEach((r, i) => this.validateRecord(r, i));
    let written = 0;
    for (let i = 0; i < records.length; i += batchSize) {
      const batch = records.slice(i, i + batchSize);
      if (batch.every((r) => r.metadata === undefined || Object.keys(r.metadata).length === 0)) {
        await insertVectorRows(this.client, this.table, batch, this.spec.dimensions, 'kit:vectors:insert');
      } else {
        const rows = batch.map((r) => ({ ...r.metadata, id: r.id, text: r.text, embedding: Array.from(r.embedding) }));
        await insertJsonRows(this.client, this.table, rows, { logComment: 'kit:vectors:insert' });
      }
      written += batch.length;
      options.onProgress?.(written, records.length);
    }
    return written;
  }

  /** Lightweight DELETE of the given ids; returns how many rows were there before. */
  async delete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const before = await this.count({ id: [...ids] });
    await command(
      this.client,
      `DELETE FROM ${changeTargetSql(this.table, ddlOptions(this.client))} WHERE id IN {ids:Array(String)}`,
      { ids },
      { logComment: 'kit:vectors:delete' },
    );
    return before;
  }

  /** Replaces rows by id: delete, then insert. */
  async upsert(records: readonly VectorRecord[], options: InsertOptions = {}): Promise<number> {
    records.forEach((r, i) => this.validateRecord(r, i));
    await this.delete(records.map((r) => r.id));
    return this.insert(records, options);
  }

  async count(filters?: Filters): Promise<number> {
    const f = compileFilters(filters, this.spec.metadata);
    const row = await queryOne<{ n: string }>(
      this.client,
      `SELECT count() AS n FROM ${quoteIdentifier(this.table)}${f.where ? ` WHERE ${f.where}` : ''}`,
      f.params,
    );
    return Number(row?.n ?? 0);
  }

  /** Merges the table's parts into one, so that one HNSW graph covers every row (fewer, faster lookups). */
  async optimize(): Promise<void> {
    await command(this.client, `OPTIMIZE TABLE ${changeTargetSql(this.table, ddlOptions(this.client))} FINAL`);
  }

  async drop(): Promise<void> {
    for (const sql of dropTableStatements(this.table, ddlOptions(this.client)))
      await command(this.client, sql, undefined, { logComment: 'kit:vectors:drop' });
  }

  /**
   * The k nearest rows to a text (embedded as a query with the store's embedder) or a vector,
   * optionally restricted by metadata filters.
   */
  async search(
    query: string | ArrayLike<number>,
    k = 10,
    filters?: Filters,
    options: SearchOptions = {},
  ): Promise<SearchResult> {
    const vector = await this.queryVector(query, options.instruction);
    const started = performance.now();
    const hasFilters = filters !== undefined && Object.keys(filters).length > 0;
    if (options.exact) return this.finish(await this.run(vector, k, filters, options, true), 'exact', started);
    const hits = await this.run(vector, k, filters, options, false);
    if (!hasFilters) return this.finish(hits, 'index', started);
    if (hits.length >= k) return this.finish(hits, 'index+postfilter', started);
    // Too few neighbours passed the filter: the exact answer over the matching rows instead.
    return this.finish(await this.run(vector, k, filters, options, true), 'exact (filtered fallback)', started);
  }

  /** Brute-force k nearest rows: the ground truth the index is measured against. */
  exactSearch(
    query: string | ArrayLike<number>,
    k = 10,
    filters?: Filters,
    options: Omit<SearchOptions, 'exact'> = {},
  ): Promise<SearchResult> {
    return this.search(query, k, filters, { ...options, exact: true });
  }

  /** `EXPLAIN indexes = 1` of the search query, and whether it reads the vector index. */
  async explain(
    query: string | ArrayLike<number>,
    k = 10,
    filters?: Filters,
    options: SearchOptions = {},
  ): Promise<ExplainResult> {
    const vector = await this.queryVector(query, options.instruction);
    const { sql, params, settings } = this.searchQuery(vector, k, filters, options, options.exact === true);
    const rows = await queryRows<{ explain: string }>(this.client, `EXPLAIN indexes = 1 ${sql}`, params, { settings });
    const text = rows.map((r) => r.explain).join('\n');
    return { text, ...parseIndexUse(text, INDEX_NAME) };
  }

  /** The SQL, parameters and settings of a search, for display and EXPLAIN. */
  searchQuery(
    vector: ArrayLike<number>,
    k: number,
    filters: Filters | undefined,
    options: SearchOptions,
    exact: boolean,
  ): { sql: string; params: Record<string, unknown>; settings: ClickHouseSettings } {
    if (!Number.isInteger(k) || k < 1 || k > MAX_K)
      throw new VectorStoreError(`k must be an integer between 1 and ${MAX_K}, got ${String(k)}.`);
    this.checkVector(vector, 'query vector');
    const f = compileFilters(filters, this.spec.metadata);
    const columns = ['id', 'text', ...Object.keys(this.spec.metadata)].map(quoteIdentifier).join(', ');
    const sql = [
      `SELECT ${columns}, ${this.spec.metric}(embedding, {query_vector:Array(Float32)}) AS distance`,
      `FROM ${quoteIdentifier(this.table)}`,
      ...(f.where ? [`WHERE ${f.where}`] : []),
      'ORDER BY distance ASC',
      `LIMIT ${k}`,
    ].join('\n');
    const settings: ClickHouseSettings = {};
    if (exact) {
      settings.use_skip_indexes = 0;
    } else {
      // The index names k rows in a few granules: reading their id/text directly is cheaper than the
      // lazy-materialisation step (a second read joined back on _part_offset): ~1 ms of ~5 at 100k.
      settings.query_plan_optimize_lazy_materialization = 0;
      if (options.efSearch !== undefined)
        settings.hnsw_candidate_list_size_for_search = positiveInt(options.efSearch, 'efSearch');
      if (f.where) {
        settings.vector_search_filter_strategy = 'postfilter';
        settings.vector_search_index_fetch_multiplier = options.fetchMultiplier ?? 4;
      }
      if (options.rescore) settings.vector_search_with_rescoring = 1;
    }
    return { sql, params: { ...f.params, query_vector: Array.from(vector) }, settings };
  }

  private async run(
    vector: ArrayLike<number>,
    k: number,
    filters: Filters | undefined,
    options: SearchOptions,
    exact: boolean,
  ): Promise<SearchHit[]> {
    const { sql, params, settings } = this.searchQuery(vector, k, filters, options, exact);
    const rows = await queryRows<Record<string, unknown>>(this.client, sql, params, {
      settings,
      logComment: exact ? 'kit:vectors:exact' : 'kit:vectors:search',
    });
    return rows.map((row) => {
      const { id, text, distance, ...metadata } = row;
      return { id: String(id), text: String(text), distance: Number(distance), metadata };
    });
  }

  private finish(hits: SearchHit[], mode: SearchMode, started: number): SearchResult {
    return { hits, mode, elapsedMs: performance.now() - started };
  }

  private async queryVector(
    query: string | ArrayLike<number>,
    instruction: string | undefined,
  ): Promise<ArrayLike<number>> {
    if (typeof query !== 'string') return query;
    if (!this.embedder)
      throw new VectorStoreError(
        `Searching ${this.table} by text needs an embedder: open the store with VectorStore.forEmbedder(client, embedder), or pass a vector.`,
      );
    return this.embedder.embedQuery(query, instruction);
  }

  private validateRecord(r: VectorRecord, i: number): void {
    if (typeof r.id !== 'string' || r.id.length === 0)
      throw new VectorStoreError(`Record ${i} has no id (a non-empty string).`);
    if (typeof r.text !== 'string') throw new VectorStoreError(`Record ${r.id} has no text.`);
    this.checkVector(r.embedding, `record ${r.id}`);
  }

  private checkVector(v: ArrayLike<number>, what: string): void {
    if (!v || typeof v.length !== 'number') throw new VectorDimensionError(`The ${what} is not an array of numbers.`);
    if (v.length !== this.spec.dimensions) {
      throw new VectorDimensionError(
        `The ${what} has ${v.length} dimensions; table ${this.table} holds ${this.spec.dimensions}-dimensional vectors of ${this.spec.modelId}. ` +
          'Embed with the same model as the table, or use the table of your model (vectorTableName).',
      );
    }
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]))
        throw new VectorDimensionError(`The ${what} has a non-finite value at position ${i}.`);
    }
  }
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1)
    throw new VectorStoreError(`${name} must be a positive integer, got ${String(v)}.`);
  return v;
}

/** Finds the named skip index in `EXPLAIN indexes = 1` output and its granule counts. */
export function parseIndexUse(
  text: string,
  indexName: string,
): { usesVectorIndex: boolean; granules: { selected: number; total: number } | undefined } {
  const lines = text.split('\n');
  // Lines carry the plan's tree drawing ("│   Name: x"), so match the end of the line.
  const at = lines.findIndex((l) => l.trimEnd().endsWith(`Name: ${indexName}`));
  if (at < 0) return { usesVectorIndex: false, granules: undefined };
  const isVector = lines.slice(at + 1, at + 3).some((l) => l.includes('vector_similarity'));
  let granules: { selected: number; total: number } | undefined;
  for (const l of lines.slice(at + 1, at + 6)) {
    const m = /Granules:\s*(\d+)\/(\d+)/.exec(l);
    if (m) {
      granules = { selected: Number(m[1]), total: Number(m[2]) };
      break;
    }
  }
  return { usesVectorIndex: isVector, granules };
}

/**
 * On a cluster (CLICKHOUSE_CLUSTER) the vector table is `<table>_local` on every shard plus a
 * Distributed table of the spec's name; single-node (and ClickHouse Cloud) it is one table.
 */
function ddlOptions(client: ClickHouseClient): VectorDdlOptions {
  const cluster = clusterOf(client);
  return cluster ? { cluster, database: connectionInfo(client)?.database } : {};
}
