/**
 * `npm run bench:iceberg`: appending a warehouse table to an Iceberg table on the lake
 * (appendToIceberg) next to the plain Parquet export of the same table (exportTable), both through
 * the local S3 server with the kit's Parquet settings. Also measured: the Iceberg append with
 * ClickHouse's own Parquet defaults (bloom filters on every column), and a month-partitioned append.
 * A small warm-up, then RUNS interleaved rounds; medians reported. Each Iceberg round writes a fresh
 * table (create is not timed), so every append is the same work.
 * Goal (issue 14): Iceberg append rows/s >= 0.8 x the Parquet export's.
 * Uses the embedded engine on a temporary data folder. Writes bench/results/iceberg.json (BENCH.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, connect, serverVersion } from '../lib/clickhouse';
import { loadConfig } from '../lib/config';
import {
  appendToIceberg,
  createIcebergTable,
  dropIcebergTable,
  ensureLakeCollection,
  exportTable,
  icebergSnapshots,
  parquetWriteSettings,
} from '../lib/lake';
import type { IcebergPartition, ParquetWriteOptions } from '../lib/lake';
import { progress } from '../lib/notebook';
import { createS3Client, deleteByPrefix, listAllObjects } from '../lib/s3';
import { startS3Server } from '../scripts/stack/s3-server';
import { median, writeBenchReport, type BenchResult } from './report';

const ROWS = 2_000_000;
const RUNS = 3;
const GOAL = 0.8;
const TABLE = 'bench_iceberg_orders';
const PREFIX = 'bench/iceberg/';
const COLUMNS = {
  order_id: 'Int64',
  customer_id: 'Nullable(Int64)',
  order_time: "DateTime64(6, 'UTC')",
  status: 'String',
  items: 'Int32',
  total: 'Float64',
  coupon_code: 'Nullable(String)',
  ship_country: 'String',
};

const CASES = {
  export: 'Parquet export: exportTable, MergeTree -> s3() Parquet, kit settings',
  iceberg: 'Iceberg append: appendToIceberg, MergeTree -> IcebergS3, kit Parquet settings',
  icebergEngineDefaults: "Iceberg append with ClickHouse's Parquet defaults (bloom filters on every column)",
  icebergMonthly: 'Iceberg append, partitioned by month(order_time), kit Parquet settings',
} as const;
type CaseName = keyof typeof CASES;

const config = loadConfig({
  env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: mkdtempSync(join(tmpdir(), 'kit-bench-iceberg-')) },
});
await startS3Server(config);
const client = connect({ config, mode: 'embedded' });
const s3 = createS3Client(config);
await ensureLakeCollection(client);
await deleteByPrefix(s3, PREFIX);

const rowsSql = (n: number): string => `
  SELECT number AS order_id,
         if(number % 9 = 0, NULL, toInt64(cityHash64(number) % 200000)) AS customer_id,
         toDateTime64('2024-01-01 00:00:00', 6, 'UTC') + toIntervalSecond(number * 7) AS order_time,
         ['pending', 'shipped', 'delivered', 'returned', 'cancelled'][cityHash64(number, 1) % 5 + 1] AS status,
         toInt32(cityHash64(number, 2) % 8 + 1) AS items,
         round((cityHash64(number, 3) % 50000) / 100, 2) AS total,
         if(number % 5 = 0, concat('SAVE', toString(cityHash64(number, 4) % 40)), NULL) AS coupon_code,
         ['DE', 'FR', 'US', 'JP', 'BR', 'IN'][cityHash64(number, 5) % 6 + 1] AS ship_country
  FROM numbers(${n})`;

async function loadSource(n: number): Promise<void> {
  await command(
    client,
    `CREATE OR REPLACE TABLE ${TABLE} (${Object.entries(COLUMNS)
      .map(([c, t]) => `\`${c}\` ${t}`)
      .join(', ')}) ENGINE = MergeTree ORDER BY order_id`,
  );
  await command(client, `INSERT INTO ${TABLE} ${rowsSql(n)}`);
}

let round = 0;
async function icebergAppend(
  partitionBy: IcebergPartition[] | undefined,
  parquet: ParquetWriteOptions | undefined,
  n: number,
): Promise<{ seconds: number; bytes: number }> {
  const name = `bench_ice_${round++}`;
  const path = `${PREFIX}${name}/`;
  // The Parquet encoding is fixed when the table is created (ClickHouse 26.7 takes it from the CREATE).
  await createIcebergTable(client, { table: name, path, columns: COLUMNS, partitionBy, parquet });
  const t0 = performance.now();
  await appendToIceberg(client, { table: name, select: `SELECT * FROM ${TABLE}` });
  const seconds = (performance.now() - t0) / 1000;
  const snaps = await icebergSnapshots(client, name);
  if (snaps[snaps.length - 1]?.totalRows !== n)
    throw new Error(`${name} holds ${snaps[snaps.length - 1]?.totalRows} rows, expected ${n}`);
  const bytes = (await listAllObjects(s3, `${path}data/`)).reduce((s, o) => s + o.size, 0);
  await dropIcebergTable(client, name, { deleteData: true });
  await deleteByPrefix(s3, path);
  return { seconds, bytes };
}

async function parquetExport(n: number): Promise<{ seconds: number; bytes: number }> {
  const t0 = performance.now();
  const r = await exportTable(client, s3, { table: TABLE, prefix: `${PREFIX}export/` });
  const seconds = (performance.now() - t0) / 1000;
  if (r.rows !== n) throw new Error(`the export holds ${r.rows} rows, expected ${n}`);
  return { seconds, bytes: r.bytes };
}

const run: Record<CaseName, (n: number) => Promise<{ seconds: number; bytes: number }>> = {
  export: parquetExport,
  iceberg: (n) => icebergAppend(undefined, undefined, n),
  icebergEngineDefaults: (n) => icebergAppend(undefined, { bloomFilters: true }, n),
  icebergMonthly: (n) => icebergAppend([{ column: 'order_time', transform: 'month' }], undefined, n),
};

try {
  const names = Object.keys(CASES) as CaseName[];
  // Warm-up on a small table (engine caches, S3 connections, first bucket writes).
  await loadSource(50_000);
  for (const c of names) await run[c](50_000);
  await loadSource(ROWS);
  const samples: Record<CaseName, Array<{ seconds: number; bytes: number }>> = {
    export: [],
    iceberg: [],
    icebergEngineDefaults: [],
    icebergMonthly: [],
  };
  const bar = progress('bench:iceberg rounds', RUNS * names.length);
  for (let r = 0; r < RUNS; r++) {
    // Interleaved, and the order rotates, so drift on the shared machine hits every case alike.
    for (const c of [...names.slice(r % names.length), ...names.slice(0, r % names.length)]) {
      samples[c].push(await run[c](ROWS));
      bar.tick(1, `${c} (round ${r + 1})`);
    }
  }
  bar.done();

  const rowsPerS = (c: CaseName): number => median(samples[c].map((s) => ROWS / s.seconds));
  const results: BenchResult[] = names.map((c) => ({
    case: CASES[c],
    metric: 'rows_per_s',
    value: Math.round(rowsPerS(c)),
    unit: 'rows/s',
    runs: RUNS,
    median_of: RUNS,
    seconds: samples[c].map((s) => Number(s.seconds.toFixed(3))),
    bytes: samples[c][samples[c].length - 1]!.bytes,
  }));
  const ratio = Number((rowsPerS('iceberg') / rowsPerS('export')).toFixed(3));
  const out = {
    benchmark: 'iceberg',
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      node: process.version,
      engine: await serverVersion(client),
      mode: 'embedded',
      s3: 'Ceph RGW 16.2 (local, single OSD)',
    },
    params: { rows: ROWS, columns: COLUMNS, parquet_settings: parquetWriteSettings(), runs: RUNS, warmup_rows: 50_000 },
    results,
    goals: [
      {
        name: 'Iceberg append rows/s vs plain Parquet export of the same table',
        value: ratio,
        target: `>= ${GOAL}`,
        met: ratio >= GOAL,
      },
    ],
  };
  console.table(
    results.map((r) => ({
      case: r.case,
      'rows/s': r.value,
      'MB written': (Number(r.bytes) / 1e6).toFixed(1),
      seconds: (r.seconds as number[]).join(' / '),
    })),
  );
  console.log(`Iceberg append / Parquet export: ${ratio} (goal >= ${GOAL}: ${ratio >= GOAL ? 'met' : 'NOT met'})`);
  console.log(`wrote ${writeBenchReport(config.root, 'iceberg', out)}`);
} finally {
  await deleteByPrefix(s3, PREFIX);
  s3.client.destroy();
  await client.close();
  rmSync(config.clickhouse.dataPath, { recursive: true, force: true });
}
