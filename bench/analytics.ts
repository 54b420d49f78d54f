/**
 * `npm run bench:analytics [-- --events N] [-- --runs R] [-- --quick]`
 *
 * The kit against DuckDB (`@duckdb/node-api`) for notebook analytics into nodejs-polars frames. The
 * retail dataset (lib/tabular's generator, fixed seed, 10M events; Parquet cached under the storage
 * folder) is loaded from the same Parquet files into the kit's MergeTree tables (lib/tabular DDL,
 * insertParquet) and into a DuckDB database file. Ten notebook questions are answered into a polars
 * frame by the kit's `queryFrame` in-process, then through the local endpoint (its own process, on
 * the same data folder), each interleaved round by round with DuckDB's faster documented path into
 * polars (bench/analytics/duckdb-side.ts). Answers are compared (row count + order-independent
 * checksum). Goals (issue 15): geometric mean of kit/DuckDB time <= 1.0 in-process, <= 1.2 through
 * the endpoint. Writes bench/results/analytics.json and analytics.html (BENCH.md).
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { command, connect, connectionInfo, queryFrame, queryOne, serverVersion } from '../lib/clickhouse';
import { loadConfig, type KitConfig } from '../lib/config';
import { progress } from '../lib/notebook';
import {
  createTableSql,
  insertParquet,
  RETAIL_TABLES,
  tableTarget,
  targetSql,
  type RetailTableName,
} from '../lib/tabular';
import { startEndpointProcess, stopEndpointProcess } from '../scripts/stack/endpoint';
import { freePort } from '../scripts/stack/ports';
import { analyticsChart } from './analytics/chart';
import { frameDigest, type FrameDigest } from './analytics/checksum';
import { retailParquet } from './analytics/dataset';
import { DUCK_PATHS, DuckSide, type DuckPath } from './analytics/duckdb-side';
import { questions } from './analytics/queries';
import { writeChartPage } from './chart-page';
import { median, writeBenchReport, type BenchResult } from './report';

const DATABASE = 'warehouse';
const GOAL_IN_PROCESS = 1.0;
const GOAL_ENDPOINT = 1.2;

interface Args {
  events: number;
  runs: number;
  quick: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { events: 10_000_000, runs: 3, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--events') args.events = Number(argv[++i]);
    else if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--quick') args.quick = true;
    else
      throw new Error(`Unknown argument "${a}". Usage: npm run bench:analytics -- [--events N] [--runs R] [--quick]`);
  }
  if (args.quick) {
    args.events = Math.min(args.events, 1_000_000);
    args.runs = Math.min(args.runs, 2);
  }
  if (!Number.isInteger(args.events) || args.events < 100_000)
    throw new Error('--events must be a whole number >= 100000.');
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error('--runs must be a whole number >= 1.');
  return args;
}

type KitSide = 'in-process' | 'endpoint';

/** Median seconds per question and side. */
interface QuestionTimes {
  kit: number[];
  duck: Record<DuckPath, number[]>;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const geomean = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await work();
  return [(performance.now() - t0) / 1000, value];
}

/** Loads every table from its Parquet files through the kit's bulk path (two files in flight); seconds per table. */
async function loadKit(
  client: ClickHouseClient,
  files: Record<RetailTableName, string[]>,
): Promise<Record<RetailTableName, number>> {
  const out = {} as Record<RetailTableName, number>;
  for (const def of RETAIL_TABLES) {
    const target = tableTarget(DATABASE, def, 'local');
    await command(client, createTableSql(target));
    const list = files[def.name as RetailTableName];
    const [seconds] = await timed(async () => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < list.length) await insertParquet(client, target, readFileSync(list[next++]!));
      };
      await Promise.all([worker(), worker()]);
    });
    out[def.name as RetailTableName] = seconds;
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const wideRows = Math.min(1_000_000, Math.floor(args.events / 10));
  const qs = questions(wideRows);
  const data = retailParquet(config.storageDir, args.events);
  console.log(
    `bench:analytics — ${args.events.toLocaleString('en-US')} events (${(data.bytes / 2 ** 20).toFixed(0)} MiB of Parquet, ${data.generatedSeconds ? `generated in ${data.generatedSeconds.toFixed(0)} s` : 'cached'}), ${qs.length} questions, ${args.runs} timed runs after a warm-up`,
  );

  const work = join(config.storageDir, 'bench', 'analytics', 'run');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const env = {
    ...process.env,
    CLICKHOUSE_URL: '',
    KIT_STORAGE_DIR: work,
    CLICKHOUSE_USER: 'bench',
    CLICKHOUSE_PASSWORD: randomBytes(12).toString('hex'),
    CLICKHOUSE_DATABASE: DATABASE,
  };
  const kitConfig: KitConfig = loadConfig({ env: { ...env, CLICKHOUSE_DATA_PATH: join(work, 'kit-data') } });
  const endpointConfig: KitConfig = loadConfig({
    env: { ...env, CLICKHOUSE_DATA_PATH: join(work, 'endpoint-data'), CLICKHOUSE_HTTP_PORT: String(await freePort()) },
  });

  const duckFile = join(work, 'retail.duckdb');
  const duck = await DuckSide.open(duckFile, join(work, 'duck-tmp'));
  let client: ClickHouseClient | undefined = connect({ config: kitConfig, mode: 'embedded' });
  let endpointStarted = false;
  try {
    const engine = await serverVersion(client);
    console.log(`engines: ClickHouse ${engine} (chDB, in-process and local endpoint), DuckDB ${duck.version}`);

    // Load: the same Parquet files into both. The kit's merges are then run to the end (OPTIMIZE FINAL,
    // timed on its own) so background merges do not run under the query timings.
    const loadBar = progress('loading Parquet into the kit and DuckDB', 2);
    const kitLoad = await loadKit(client, data.files);
    loadBar.tick();
    const duckLoad = await duck.load(data.files);
    loadBar.done();
    const [optimizeSeconds] = await timed(async () => {
      for (const def of RETAIL_TABLES)
        await command(client!, `OPTIMIZE TABLE ${targetSql(tableTarget(DATABASE, def, 'local'))} FINAL`);
    });
    const kitLoadTotal = Object.values(kitLoad).reduce((a, b) => a + b, 0);
    const duckLoadTotal = Object.values(duckLoad).reduce((a, b) => a + b, 0);
    console.log(
      `load: kit ${kitLoadTotal.toFixed(1)} s (+ OPTIMIZE FINAL ${optimizeSeconds.toFixed(1)} s), DuckDB ${duckLoadTotal.toFixed(1)} s (incl. CHECKPOINT)`,
    );
    const kitBytes = await queryOne<{ b: string }>(
      client,
      'SELECT toString(sum(bytes_on_disk)) AS b FROM system.parts WHERE database = {db:String} AND active',
      { db: DATABASE },
    );

    const times: Record<KitSide, Record<string, QuestionTimes>> = { 'in-process': {}, endpoint: {} };
    const digests: Record<string, Record<string, FrameDigest>> = {};
    const runSide = async (side: KitSide, c: ClickHouseClient): Promise<void> => {
      const bar = progress(`questions (${side} vs DuckDB)`, qs.length * (args.runs + 1));
      for (const q of qs) {
        const t: QuestionTimes = { kit: [], duck: { columns: [], parquet: [] } };
        const d = (digests[q.id] ??= {});
        // Warm-up: caches, JIT; its answers are the ones compared.
        d[`kit ${side}`] = frameDigest(await queryFrame(c, q.clickhouse));
        for (const path of DUCK_PATHS) {
          const frame = await duck.frame(q.duckdb, path);
          if (side === 'in-process') d[`duckdb ${path}`] = frameDigest(frame);
        }
        bar.tick();
        for (let run = 0; run < args.runs; run++) {
          const kitFirst = run % 2 === 0;
          if (kitFirst) t.kit.push((await timed(() => queryFrame(c, q.clickhouse)))[0]);
          for (const path of DUCK_PATHS) t.duck[path].push((await timed(() => duck.frame(q.duckdb, path)))[0]);
          if (!kitFirst) t.kit.push((await timed(() => queryFrame(c, q.clickhouse)))[0]);
          bar.tick();
        }
        times[side][q.id] = t;
      }
      bar.done();
    };

    await runSide('in-process', client);
    // The endpoint gets a copy of the same data folder (chDB keeps a lock on the folder it opened
    // for as long as this process lives, even after the client is closed).
    await client.close();
    client = undefined;
    cpSync(kitConfig.clickhouse.dataPath, endpointConfig.clickhouse.dataPath, { recursive: true });
    await startEndpointProcess(endpointConfig, { log: (l) => console.error(l) });
    endpointStarted = true;
    client = connect({ config: endpointConfig });
    if (connectionInfo(client)?.mode !== 'local-endpoint')
      throw new Error('the endpoint client did not find the local endpoint');
    await runSide('endpoint', client);

    // Results.
    const results: BenchResult[] = [];
    const rows: Array<Record<string, unknown>> = [];
    const ratios: Record<KitSide, number[]> = { 'in-process': [], endpoint: [] };
    let allIdentical = true;
    for (const q of qs) {
      const d = digests[q.id]!;
      const ref = d['duckdb columns']!;
      const identical = Object.values(d).every((x) => x.rows === ref.rows && x.checksum === ref.checksum);
      allIdentical &&= identical;
      const row: Record<string, unknown> = { question: q.id, rows: ref.rows, identical };
      for (const side of ['in-process', 'endpoint'] as KitSide[]) {
        const t = times[side][q.id]!;
        const kit = median(t.kit);
        const duckByPath = Object.fromEntries(DUCK_PATHS.map((p) => [p, median(t.duck[p])])) as Record<
          DuckPath,
          number
        >;
        const bestPath = DUCK_PATHS.reduce((a, b) => (duckByPath[a] <= duckByPath[b] ? a : b));
        const duckBest = duckByPath[bestPath];
        const ratio = kit / duckBest;
        ratios[side].push(ratio);
        results.push({
          case: `${q.id} kit queryFrame (${side})`,
          metric: 'seconds',
          value: round3(kit),
          unit: 's',
          runs: t.kit.length,
          median_of: t.kit.length,
          samples: t.kit.map(round3),
          rows: ref.rows,
        });
        for (const p of DUCK_PATHS) {
          results.push({
            case: `${q.id} DuckDB -> polars via ${p} (next to ${side})`,
            metric: 'seconds',
            value: round3(duckByPath[p]),
            unit: 's',
            runs: t.duck[p].length,
            median_of: t.duck[p].length,
            samples: t.duck[p].map(round3),
          });
        }
        results.push({
          case: `${q.id} kit (${side}) / DuckDB (${bestPath})`,
          metric: 'ratio',
          value: round3(ratio),
          unit: 'x',
          runs: args.runs,
          median_of: args.runs,
        });
        row[`kit ${side} s`] = round3(kit);
        row[`DuckDB s (${side} round)`] = `${round3(duckBest)} (${bestPath})`;
        row[`ratio ${side}`] = round3(ratio);
      }
      rows.push(row);
    }
    for (const [table, s] of Object.entries(kitLoad))
      results.push({
        case: `load ${table} (kit: insertParquet, 2 files in flight)`,
        metric: 'seconds',
        value: round3(s),
        unit: 's',
        runs: 1,
        median_of: 1,
      });
    results.push({
      case: 'load all tables (kit)',
      metric: 'seconds',
      value: round3(kitLoadTotal),
      unit: 's',
      runs: 1,
      median_of: 1,
    });
    results.push({
      case: 'OPTIMIZE FINAL all tables after load (kit)',
      metric: 'seconds',
      value: round3(optimizeSeconds),
      unit: 's',
      runs: 1,
      median_of: 1,
    });
    for (const [table, s] of Object.entries(duckLoad))
      results.push({
        case: `load ${table} (DuckDB: CREATE TABLE AS read_parquet)`,
        metric: 'seconds',
        value: round3(s),
        unit: 's',
        runs: 1,
        median_of: 1,
      });
    results.push({
      case: 'load all tables (DuckDB, incl. CHECKPOINT)',
      metric: 'seconds',
      value: round3(duckLoadTotal),
      unit: 's',
      runs: 1,
      median_of: 1,
    });
    results.push({
      case: 'bytes on disk (kit, active parts)',
      metric: 'bytes',
      value: Number(kitBytes?.b ?? 0),
      unit: 'B',
      runs: 1,
      median_of: 1,
    });
    results.push({
      case: 'bytes on disk (DuckDB database file)',
      metric: 'bytes',
      value: statSync(duckFile).size,
      unit: 'B',
      runs: 1,
      median_of: 1,
    });
    const geo = { 'in-process': geomean(ratios['in-process']), endpoint: geomean(ratios.endpoint) };
    const goals = [
      {
        name: 'geometric mean of kit/DuckDB time, in-process',
        value: round3(geo['in-process']),
        target: `<= ${GOAL_IN_PROCESS}`,
        met: geo['in-process'] <= GOAL_IN_PROCESS,
      },
      {
        name: 'geometric mean of kit/DuckDB time, through the local endpoint',
        value: round3(geo.endpoint),
        target: `<= ${GOAL_ENDPOINT}`,
        met: geo.endpoint <= GOAL_ENDPOINT,
      },
      {
        name: 'identical answers (row count + checksum) for every question',
        value: allIdentical ? 1 : 0,
        target: '1',
        met: allIdentical,
      },
    ];
    const report = {
      benchmark: 'analytics',
      at: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        node: process.version,
        engine,
        duckdb: duck.version,
        mode: 'embedded (in-process) and local endpoint (separate process) vs DuckDB in-process',
        loadavg: loadavg().map(round3),
      },
      params: {
        events: args.events,
        dataset: data.id,
        parquet_bytes: data.bytes,
        wide_rows: wideRows,
        runs: args.runs,
        warmup_runs: 1,
        questions: qs.map((q) => ({ id: q.id, title: q.title })),
      },
      results,
      goals,
      digests,
      notes: [
        'Kit: queryFrame (lib/clickhouse) with its defaults; tables from lib/tabular DDL (MergeTree, partitioned by month), loaded with insertParquet, then OPTIMIZE FINAL (timed separately).',
        "DuckDB: documented defaults (threads = cores, memory_limit 80% of RAM), TimeZone 'UTC'; per question the faster of its two documented paths into polars counts (columns: getColumnsObjectJS -> pl.DataFrame; parquet: COPY TO an uncompressed Parquet file -> pl.readParquet).",
        'Each timed round alternates which engine goes first; medians of the rounds. The endpoint rounds measure DuckDB again, so each ratio compares times taken minutes apart at most.',
      ],
    };
    const written = writeBenchReport(config.root, 'analytics', report);
    const page = writeChartPage(
      config.root,
      'analytics',
      'bench:analytics — the kit vs DuckDB into nodejs-polars',
      analyticsChart(report),
    );

    console.log('');
    console.table(rows);
    console.log(
      `geometric mean kit/DuckDB: in-process ${geo['in-process'].toFixed(3)}, endpoint ${geo.endpoint.toFixed(3)}`,
    );
    for (const g of goals) console.log(`${g.met ? 'MET    ' : 'NOT MET'} ${g.name}: ${g.value} (target ${g.target})`);
    console.log(`wrote ${written} and ${page}`);
  } finally {
    await client?.close();
    if (endpointStarted) await stopEndpointProcess(endpointConfig);
    duck.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
