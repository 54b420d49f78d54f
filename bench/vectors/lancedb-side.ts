/**
 * The peer of bench:vectors: LanceDB (`@lancedb/lancedb` 0.31, embedded, a local folder) with its
 * ANN indexes. Vectors go in as Arrow FixedSizeList<Float32> batches (its documented bulk input); the
 * index is built with createIndex and the table then queried with vectorSearch, cosine distance.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { createRequire } from 'node:module';
import type * as Arrow from 'apache-arrow';
import { percentile } from '../../lib/vectors';

/** One LanceDB index build of the grid, with the search settings tried on it. */
export interface LanceBuild {
  label: string;
  index: () => lancedb.Index;
  /** Search settings (nprobes / ef / refineFactor) tried on this build; undefined fields keep LanceDB's default. */
  searches: ReadonlyArray<LanceSearch>;
}

export interface LanceSearch {
  nprobes?: number;
  ef?: number;
  refineFactor?: number;
}

export const searchLabel = (s: LanceSearch): string =>
  [
    s.nprobes === undefined ? 'nprobes=default' : `nprobes=${s.nprobes}`,
    s.ef === undefined ? '' : `ef=${s.ef}`,
    s.refineFactor === undefined ? '' : `refine=${s.refineFactor}`,
  ]
    .filter(Boolean)
    .join(' ');

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

// LanceDB (CommonJS) recognises Arrow tables by class: they must come from the same (CommonJS) copy of
// apache-arrow, not from its ES module build that an \`import\` here would load.
const {
  Field,
  FixedSizeList,
  Float32,
  makeData,
  makeVector,
  Table: ArrowTable,
  Utf8,
  vectorFromArray,
} = createRequire(import.meta.url)('apache-arrow') as typeof Arrow;

function arrowBatch(
  ids: readonly string[],
  vectors: Float32Array,
  dims: number,
  start: number,
  end: number,
): Arrow.Table {
  const n = end - start;
  const child = makeData({
    type: new Float32(),
    length: n * dims,
    nullCount: 0,
    data: vectors.subarray(start * dims, end * dims),
  });
  const list = makeData({
    type: new FixedSizeList(dims, new Field('item', new Float32(), true)),
    length: n,
    nullCount: 0,
    child,
  });
  return new ArrowTable({ id: vectorFromArray(ids.slice(start, end), new Utf8()), vector: makeVector(list) });
}

export class LanceSide {
  private constructor(
    private readonly db: lancedb.Connection,
    readonly dir: string,
  ) {}

  static async open(dir: string): Promise<LanceSide> {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return new LanceSide(await lancedb.connect(dir), dir);
  }

  /** Writes the base set into a new table; returns it with the seconds the write took. */
  async load(
    name: string,
    ids: readonly string[],
    vectors: Float32Array,
    dims: number,
  ): Promise<{ table: lancedb.Table; seconds: number }> {
    const started = performance.now();
    const batch = 100_000;
    const table = await this.db.createTable(name, arrowBatch(ids, vectors, dims, 0, Math.min(batch, ids.length)), {
      mode: 'overwrite',
    });
    for (let s = batch; s < ids.length; s += batch)
      await table.add(arrowBatch(ids, vectors, dims, s, Math.min(ids.length, s + batch)));
    return { table, seconds: (performance.now() - started) / 1000 };
  }

  /** Builds an index (replacing the previous one); seconds and the table's bytes on disk afterwards. */
  async buildIndex(table: lancedb.Table, build: LanceBuild): Promise<{ seconds: number; bytesOnDisk: number }> {
    const started = performance.now();
    await table.createIndex('vector', { config: build.index(), replace: true });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, bytesOnDisk: dirBytes(join(this.dir, `${table.name}.lance`)) };
  }

  async search(table: lancedb.Table, q: Float32Array, k: number, s: LanceSearch | 'exact'): Promise<string[]> {
    let query = table.vectorSearch(q).distanceType('cosine').select(['id', '_distance']).limit(k);
    if (s === 'exact') query = query.bypassVectorIndex();
    else {
      if (s.nprobes !== undefined) query = query.nprobes(s.nprobes);
      if (s.ef !== undefined) query = query.ef(s.ef);
      if (s.refineFactor !== undefined) query = query.refineFactor(s.refineFactor);
    }
    const rows = (await query.toArray()) as Array<{ id: string }>;
    return rows.map((r) => String(r.id));
  }

  /** Every query once after `warmup` untimed ones: result ids and milliseconds per query. */
  async runQueries(
    table: lancedb.Table,
    queries: readonly Float32Array[],
    k: number,
    s: LanceSearch | 'exact',
    warmup = 5,
  ): Promise<{ ids: string[][]; latenciesMs: number[] }> {
    for (const q of queries.slice(0, warmup)) await this.search(table, q, k, s);
    const ids: string[][] = [];
    const latenciesMs: number[] = [];
    for (const q of queries) {
      const t0 = performance.now();
      ids.push(await this.search(table, q, k, s));
      latenciesMs.push(performance.now() - t0);
    }
    return { ids, latenciesMs };
  }

  /** p50 of a primary-key style point lookup (`WHERE id = ...`): the engine's fixed cost per query. */
  async pointLookupP50(table: lancedb.Table, ids: readonly string[]): Promise<number> {
    const times: number[] = [];
    for (const [i, id] of ids.entries()) {
      const t0 = performance.now();
      const rows = await table
        .query()
        .where(`id = '${id.replace(/'/g, "''")}'`)
        .select(['id'])
        .limit(1)
        .toArray();
      if (i >= 5) times.push(performance.now() - t0);
      if (rows.length !== 1) throw new Error(`LanceDB point lookup of ${id} returned ${rows.length} rows`);
    }
    return percentile(times, 50);
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
