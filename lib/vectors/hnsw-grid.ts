/**
 * The HNSW settings grid shared by `npm run bench:vectors` and notebook 06: for each index build
 * (quantization, M, ef_construction) a one-part indexed copy of the base table, then every
 * search-time ef against the same queries, scored against one exact ground truth. Also the exact
 * top-k computed in JavaScript (independent of any engine) and a larger data set made from a
 * smaller one by seeded perturbation.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryOne } from '../clickhouse';
import { buildIndexedCopy, percentile, recallAtK, runAnnQueries, benchTableSpec, type AnnDataset } from './benchmark';
import { VectorStoreError } from './errors';
import { SeededRandom } from './random';
import type { VectorStore } from './store';
import type { HnswSettings } from './table-spec';

export type HnswBuild = Omit<HnswSettings, 'granularity'>;

export interface HnswGridCase {
  build: HnswBuild;
  /** e.g. `bf16 M=16 efC=128`. */
  label: string;
  /** The indexed copy's table (dropped after its runs unless `keep` kept it). */
  table: string;
  efSearch: number;
  recall: number;
  p50Ms: number;
  p95Ms: number;
  buildSeconds: number;
  /** Bytes on disk of the indexed table (its active parts, the HNSW index included). */
  bytesOnDisk: number;
  /** Exact search (index switched off) on the same table, when asked for. */
  exactP50Ms?: number;
}

export interface HnswGridOptions {
  builds: ReadonlyArray<HnswBuild>;
  efSearch: ReadonlyArray<number>;
  k: number;
  /** Table name prefix of the indexed copies (benchTableSpec). */
  prefix: string;
  /** Also time exact search (index off) on each build's table, next to its ANN runs. */
  measureExact?: boolean;
  /** Called once per build, after the index is built. */
  onBuild?: (info: { label: string; buildSeconds: number; parts: number; bytesOnDisk: number }) => void;
  onCase?: (c: HnswGridCase) => void;
  /** Called with each build's table and cases after its runs, before the table is dropped. */
  afterBuild?: (store: VectorStore, cases: readonly HnswGridCase[]) => Promise<void>;
  /** Keeps a build's table (the caller drops it) when this says so, e.g. to time it again later. */
  keep?: (cases: readonly HnswGridCase[]) => boolean;
}

export const hnswLabel = (b: HnswBuild): string => `${b.quantization} M=${b.m} efC=${b.efConstruction}`;

/** Runs the grid; every indexed copy is dropped after its runs (only the base table stays) unless kept. */
export async function runHnswGrid(
  client: ClickHouseClient,
  base: VectorStore,
  queries: readonly Float32Array[],
  truth: readonly string[][],
  options: HnswGridOptions,
): Promise<HnswGridCase[]> {
  const cases: HnswGridCase[] = [];
  for (const build of options.builds) {
    const label = hnswLabel(build);
    let kept = false;
    const { store, buildSeconds, parts } = await buildIndexedCopy(
      client,
      base,
      benchTableSpec(options.prefix, base.spec.dimensions, { ...build, granularity: 100_000_000 }),
    );
    try {
      const bytesOnDisk = await tableBytesOnDisk(client, store.table);
      options.onBuild?.({ label, buildSeconds, parts, bytesOnDisk });
      const exactP50Ms = options.measureExact
        ? percentile((await runAnnQueries(store, queries, options.k, { exact: true })).latenciesMs, 50)
        : undefined;
      for (const ef of options.efSearch) {
        const run = await runAnnQueries(store, queries, options.k, { efSearch: ef });
        const c: HnswGridCase = {
          build,
          label,
          table: store.table,
          efSearch: ef,
          recall: recallAtK(run.ids, truth, options.k),
          p50Ms: percentile(run.latenciesMs, 50),
          p95Ms: percentile(run.latenciesMs, 95),
          buildSeconds,
          bytesOnDisk,
          exactP50Ms,
        };
        cases.push(c);
        options.onCase?.(c);
      }
      const own = cases.filter((c) => c.label === label);
      await options.afterBuild?.(store, own);
      kept = options.keep?.(own) ?? false;
    } finally {
      if (!kept) await store.drop();
    }
  }
  return cases;
}

/** Bytes on disk of a table's active parts (data, marks, skip indexes). */
export async function tableBytesOnDisk(client: ClickHouseClient, table: string): Promise<number> {
  const row = await queryOne<{ b: string }>(
    client,
    'SELECT toString(sum(bytes_on_disk)) AS b FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active',
    { t: table },
  );
  return Number(row?.b ?? 0);
}

/**
 * The exact k nearest base rows by cosine distance for each query, computed in JavaScript: the
 * ground truth every engine is scored against. Ties go to the lower row.
 */
export function exactTopK(
  data: Pick<AnnDataset, 'ids' | 'dims' | 'vectors'>,
  queries: readonly Float32Array[],
  k: number,
): string[][] {
  const d = data.dims;
  const n = data.ids.length;
  const nq = queries.length;
  if (data.vectors.length !== n * d)
    throw new VectorStoreError(`exactTopK: ${data.vectors.length} values do not make ${n} vectors of ${d} dimensions.`);
  const qs = new Float32Array(nq * d);
  queries.forEach((q, i) => {
    if (q.length !== d)
      throw new VectorStoreError(`exactTopK: query ${i} has ${q.length} dimensions, the base set ${d}.`);
    qs.set(q, i * d);
  });
  // Per query, the best k so far, best first; base rows outer so each row is read once for all queries.
  const bestSim = new Float64Array(nq * k).fill(-Infinity);
  const bestRow = new Int32Array(nq * k).fill(-1);
  const v = data.vectors;
  for (let i = 0; i < n; i++) {
    const off = i * d;
    let norm = 0;
    for (let j = 0; j < d; j++) norm += v[off + j]! * v[off + j]!;
    if (norm === 0) continue;
    const inv = 1 / Math.sqrt(norm);
    for (let q = 0; q < nq; q++) {
      const qo = q * d;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += v[off + j]! * qs[qo + j]!;
      const sim = dot * inv;
      const base = q * k;
      if (sim <= bestSim[base + k - 1]!) continue;
      let p = k - 1;
      while (p > 0 && bestSim[base + p - 1]! < sim) {
        bestSim[base + p] = bestSim[base + p - 1]!;
        bestRow[base + p] = bestRow[base + p - 1]!;
        p--;
      }
      bestSim[base + p] = sim;
      bestRow[base + p] = i;
    }
  }
  return queries.map((_, q) =>
    Array.from(bestRow.subarray(q * k, (q + 1) * k))
      .filter((r) => r >= 0)
      .map((r) => data.ids[r]!),
  );
}

/**
 * A larger base set from a smaller one: copy 0 is the original, copy c > 0 each vector plus seeded
 * Gaussian noise of `noise` times the vector's per-dimension RMS (so every copy is a near neighbour
 * of its source, as paraphrases are). Ids continue the original numbering; words get `#c`.
 */
export function perturbedDataset(
  data: AnnDataset,
  rows: number,
  options: { seed?: number; noise?: number } = {},
): AnnDataset {
  const d = data.dims;
  const n = data.ids.length;
  if (!Number.isInteger(rows) || rows < n)
    throw new VectorStoreError(`perturbedDataset: rows (${rows}) must be a whole number >= the source's ${n}.`);
  const noise = options.noise ?? 0.25;
  const rng = new SeededRandom(options.seed ?? 42);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const vectors = new Float32Array(rows * d);
  vectors.set(data.vectors.subarray(0, n * d));
  const ids: string[] = [];
  const words: string[] = [];
  for (let r = 0; r < rows; r++) {
    const src = r % n;
    const copy = Math.floor(r / n);
    ids.push(String(r).padStart(7, '0'));
    words.push(copy === 0 ? data.words[src]! : `${data.words[src]!}#${copy}`);
    if (copy === 0) continue;
    let s = 0;
    for (let j = 0; j < d; j++) s += data.vectors[src * d + j]! ** 2;
    const scale = noise * Math.sqrt(s / d);
    for (let j = 0; j < d; j++) vectors[r * d + j] = data.vectors[src * d + j]! + scale * gauss();
  }
  return { ...data, ids, words, vectors };
}
