/**
 * `npm run bench:ingest`: rows/s loading 1M rows of the retail `events` table (local MergeTree,
 * the kit's DDL) three ways, in interleaved rounds after a warm-up, medians reported:
 *   (a) the kit's bulk path: a polars frame -> Parquet batches -> INSERT ... FORMAT Parquet
 *       (lib/tabular loadFrame; encoding is inside the timing);
 *   (b) JSONEachRow through the client (@clickhouse/client insert of row objects made from the
 *       same frame; the conversion is inside the timing, as a user would pay it);
 *   (c) the engine's own INSERT ... SELECT from a generated source (numbers() with expressions
 *       shaped like the dataset): the upper bound, no data crosses into the engine.
 * Goal (issue 5): (a) reaches at least half of (c).
 * Uses the embedded engine on a temporary data folder. Writes bench/results/ingest.json (BENCH.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pl from 'nodejs-polars';
import { command, connect, decimalsAsFloat, insertJsonRows, queryOne, serverVersion } from '../lib/clickhouse';
import { loadConfig } from '../lib/config';
import { progress } from '../lib/notebook';
import { createTableSql, EVENTS, loadFrame, RetailGenerator, tableTarget, targetSql } from '../lib/tabular';
import { median, writeBenchReport } from './report';

const ROWS = 1_000_000;
const RUNS = 5;
const GOAL = 0.5;
const JSON_BATCH = 100_000;

type CaseName = 'bulk' | 'json' | 'engine';

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Events-like rows made by the engine itself: same columns, similar cardinalities and nulls. */
function engineSourceSql(table: string, rows: number): string {
  return `INSERT INTO ${table}
SELECT
  number + 1 AS event_id,
  toDateTime64('2025-01-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(rand64(1) % 31536000000) AS event_time,
  intDiv(number, 6) + 1 AS session_id,
  if(rand(2) % 10 < 4, NULL, toUInt32(rand(3) % 50000 + 1)) AS customer_id,
  ['page_view', 'search', 'product_view', 'add_to_cart', 'checkout', 'purchase'][rand(4) % 6 + 1] AS event_type,
  if(rand(5) % 2 = 0, NULL, toUInt32(rand(6) % 4000 + 1)) AS product_id,
  if(rand(7) % 17 = 0, toUInt16(rand(8) % 5 + 1), NULL) AS quantity,
  if(rand(9) % 2 = 0, toDecimal64(rand(10) % 100000 / 100, 2), NULL) AS price,
  if(rand(11) % 60 = 0, number + 1, NULL) AS order_id,
  concat('/p/', toString(rand(12) % 4000 + 1)) AS page_path,
  [NULL, 'google', 'bing', 'facebook', 'instagram', 'newsletter', 'affiliate', 'tiktok'][rand(13) % 8 + 1] AS referrer,
  ['mobile', 'desktop', 'tablet'][rand(14) % 3 + 1] AS device,
  ['US', 'GB', 'DE', 'FR', 'CA', 'NL', 'ES', 'IT', 'AU', 'JP'][rand(15) % 10 + 1] AS country,
  ['America/New_York', 'America/Chicago', 'Europe/London', 'Europe/Berlin', 'Europe/Paris', 'Asia/Tokyo'][rand(16) % 6 + 1] AS time_zone,
  toUInt32(rand(17) % 600000) AS duration_ms
FROM numbers(${rows})`;
}

/** Row objects of a frame slice as JSONEachRow accepts them (64-bit ids as numbers, times as text). */
function* jsonRows(frame: pl.DataFrame): Generator<Record<string, unknown>[]> {
  for (let offset = 0; offset < frame.height; offset += JSON_BATCH) {
    const slice = decimalsAsFloat(frame.slice(offset, JSON_BATCH)).withColumns(
      pl.col('event_time').dt.strftime('%Y-%m-%d %H:%M:%S%.3f'),
    );
    yield slice.toRecords().map((r) => {
      for (const k of Object.keys(r)) if (typeof r[k] === 'bigint') r[k] = Number(r[k]);
      return r;
    });
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'kit-bench-ingest-'));
  const config = loadConfig({
    env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: join(work, 'clickhouse') },
  });
  const client = connect({ config, mode: 'embedded' });
  const database = config.clickhouse.database;
  const target = tableTarget(database, EVENTS, 'local', { name: 'bench_events' });
  const table = targetSql(target);
  try {
    console.error(`generating ${ROWS.toLocaleString('en-US')} events...`);
    const frame = new RetailGenerator({ seed: 'bench', events: ROWS, chunkRows: ROWS }).activityChunk(0).events;
    await command(client, createTableSql(target));
    const count = async (): Promise<number> =>
      Number((await queryOne<{ n: string }>(client, `SELECT count() AS n FROM ${table}`))?.n ?? 0);
    const truncate = (): Promise<unknown> => command(client, `TRUNCATE TABLE ${table}`);

    const runners: Record<CaseName, () => Promise<unknown>> = {
      bulk: () => loadFrame(client, target, frame),
      json: async () => {
        for (const rows of jsonRows(frame)) await insertJsonRows(client, { database, table: target.name }, rows);
      },
      engine: () => command(client, engineSourceSql(table, ROWS)),
    };

    // Warm-up: one small load each (engine caches, client, polars).
    const small = frame.slice(0, 50_000);
    await loadFrame(client, target, small);
    for (const rows of jsonRows(small.slice(0, 1)))
      await insertJsonRows(client, { database, table: target.name }, rows);
    await command(client, engineSourceSql(table, 50_000));
    await truncate();

    const samples: Record<CaseName, number[]> = { bulk: [], json: [], engine: [] };
    const order: CaseName[] = ['bulk', 'json', 'engine'];
    const bar = progress('bench:ingest rounds', RUNS * order.length);
    for (let round = 0; round < RUNS; round++) {
      // Rotate the order so no case always runs right after the heaviest one.
      for (const name of order.map((_, i) => order[(i + round) % order.length]!)) {
        const seconds = await timed(runners[name]);
        const n = await count();
        if (n !== ROWS) throw new Error(`${name}: table holds ${n} rows after the load, expected ${ROWS}`);
        samples[name].push(ROWS / seconds);
        await truncate();
        bar.tick(1, name);
      }
    }
    bar.done();

    const rates = { bulk: median(samples.bulk), json: median(samples.json), engine: median(samples.engine) };
    const result = (label: string, key: CaseName) => ({
      case: label,
      metric: 'rows_per_s',
      value: Math.round(rates[key]),
      unit: 'rows/s',
      runs: RUNS,
      median_of: RUNS,
      samples: samples[key].map((v) => Math.round(v)),
    });
    const results = [
      result(
        '(a) lib bulk path: polars frame -> Parquet (lz4, 500k-row batches, 2 in flight) -> INSERT FORMAT Parquet',
        'bulk',
      ),
      result('(b) JSONEachRow via client.insert (row objects from the same frame, 100k per insert)', 'json'),
      result('(c) engine INSERT ... SELECT from numbers() (upper bound)', 'engine'),
    ];
    const ratio = rates.bulk / rates.engine;
    const goals = [
      {
        name: 'bulk path vs engine INSERT SELECT (rows/s ratio)',
        value: Number(ratio.toFixed(3)),
        target: `>= ${GOAL}`,
        met: ratio >= GOAL,
      },
    ];
    const out = {
      benchmark: 'ingest',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, engine: await serverVersion(client), mode: 'embedded' },
      params: {
        rows: ROWS,
        table: 'events (local MergeTree, PARTITION BY toYYYYMM(event_time), ORDER BY (event_type, event_time))',
        runs: RUNS,
        warmup: '50k rows through (a) and (c), one row through (b)',
        order: 'interleaved rounds, rotated',
        load_average_1m: Number(loadavg()[0]!.toFixed(2)),
      },
      results,
      goals,
    };
    writeBenchReport(config.root, 'ingest', out);
    for (const r of results)
      console.log(`${r.case.slice(0, 70).padEnd(72)} ${r.value.toLocaleString('en-US').padStart(12)} rows/s`);
    for (const g of goals)
      console.log(
        `${g.name.padEnd(72)} ${g.value.toFixed(2).padStart(12)}  (${g.target}) ${g.met ? 'met' : 'NOT met'}`,
      );
    console.log('wrote bench/results/ingest.json');
  } finally {
    await client.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exitCode = 1;
});
