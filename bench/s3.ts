/**
 * `npm run bench:s3`: moving the same ~100 MB Parquet object through the local S3 server with
 * the raw SDK (PUT with multipart, GET streamed) and with ClickHouse (`INSERT INTO FUNCTION
 * s3(lake, ...)`, `SELECT ... FROM s3(lake, ...)`): a small warm-up, then RUNS interleaved rounds,
 * medians reported. ClickHouse writes the data twice: as Parquet (decoding and re-encoding it,
 * what writing a table to the lake costs) and as the same bytes (RawBLOB, the S3 path alone).
 * Goal (issue 6): each ClickHouse path reaches at least 70% of the raw SDK's throughput.
 * Uses the embedded engine on a temporary data folder. Writes bench/results/s3.json (BENCH.md).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, connect, queryOne, serverVersion } from '../lib/clickhouse';
import { loadConfig } from '../lib/config';
import { ensureLakeCollection } from '../lib/lake';
import { progress } from '../lib/notebook';
import { createS3Client, deleteByPrefix, downloadStream, headObject, putObject, uploadFile } from '../lib/s3';
import { startS3Server } from '../scripts/stack/s3-server';
import { median, writeBenchReport, type BenchResult } from './report';

const ROWS = 2_200_000;
/** Interleaved rounds; each case reports the median. */
const RUNS = 3;
const GOAL = 0.7;
const MB = 1e6;

type CaseName = 'sdkPut' | 'sdkGet' | 'chPut' | 'chPutRaw' | 'chGet' | 'chGetRaw';

type Result = BenchResult & { samples: number[] };

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await work();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
}

async function main(): Promise<void> {
  const base = loadConfig();
  await startS3Server(base, { log: (l) => console.error(`s3: ${l}`) });
  const work = mkdtempSync(join(tmpdir(), 'kit-bench-s3-'));
  const config = loadConfig({ env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: join(work, 'clickhouse') } });
  const client = connect({ config, mode: 'embedded' });
  const s3 = createS3Client(config);
  const prefix = `bench/s3/${Date.now()}/`;
  try {
    await ensureLakeCollection(client);
    const file = join(work, 'data.parquet');
    console.error(`generating ${ROWS.toLocaleString('en-US')} rows of Parquet...`);
    await command(
      client,
      `INSERT INTO FUNCTION file({path:String}, 'Parquet')
       SELECT number AS id, randCanonical() AS x, randomPrintableASCII(24) AS s, rand32() AS k, toDateTime('2024-01-01 00:00:00') + number AS at
       FROM numbers({rows:UInt64})`,
      { path: file, rows: ROWS },
    );
    const bytes = statSync(file).size;
    console.error(`Parquet file: ${(bytes / MB).toFixed(1)} MB`);

    // Warm-up: connections, pools, the engine's S3 client.
    await putObject(s3, `${prefix}warmup.bin`, Buffer.alloc(1024 * 1024));
    for await (const _ of (await downloadStream(s3, `${prefix}warmup.bin`)).stream) void _;
    await command(client, "INSERT INTO FUNCTION s3(lake, filename = {k:String}, format = 'CSV') SELECT 1", { k: `${prefix}warmup.csv` });
    await queryOne(client, "SELECT count() FROM s3(lake, filename = {k:String}, format = 'CSV', structure = 'x UInt8')", { k: `${prefix}warmup.csv` });

    const sdkKey = `${prefix}sdk.parquet`;
    const chKey = `${prefix}clickhouse.parquet`;
    const rawKey = `${prefix}clickhouse-raw.parquet`;
    const samples: Record<CaseName, number[]> = { sdkPut: [], sdkGet: [], chPut: [], chPutRaw: [], chGet: [], chGetRaw: [] };
    let chBytes = 0;
    const bar = progress('bench:s3 rounds', RUNS * 6);
    // Rounds interleave the cases so that load from other processes hits them alike.
    for (let round = 0; round < RUNS; round++) {
      const put = await timed(() => uploadFile(s3, file, sdkKey));
      samples.sdkPut.push(bytes / MB / put.seconds);
      bar.tick(1, 'ClickHouse INSERT (Parquet)');

      const chPut = await timed(() =>
        command(client, "INSERT INTO FUNCTION s3(lake, filename = {k:String}, format = 'Parquet') SELECT * FROM file({path:String}, 'Parquet')", { k: chKey, path: file }, { settings: { s3_truncate_on_insert: 1 } }),
      );
      chBytes = (await headObject(s3, chKey)).size;
      samples.chPut.push(chBytes / MB / chPut.seconds);
      bar.tick(1, 'ClickHouse INSERT (same bytes)');

      const chPutRaw = await timed(() =>
        command(client, "INSERT INTO FUNCTION s3(lake, filename = {k:String}, format = 'RawBLOB') SELECT * FROM file({path:String}, 'RawBLOB')", { k: rawKey, path: file }, { settings: { s3_truncate_on_insert: 1 } }),
      );
      if ((await headObject(s3, rawKey)).size !== bytes) throw new Error('ClickHouse RawBLOB copy has the wrong size');
      samples.chPutRaw.push(bytes / MB / chPutRaw.seconds);
      bar.tick(1, 'SDK GET');

      const get = await timed(async () => {
        const { stream } = await downloadStream(s3, sdkKey);
        let n = 0;
        for await (const chunk of stream) n += (chunk as Buffer).length;
        return n;
      });
      if (get.value !== bytes) throw new Error(`SDK GET read ${get.value} bytes, expected ${bytes}`);
      samples.sdkGet.push(bytes / MB / get.seconds);
      bar.tick(1, 'ClickHouse SELECT');

      const chGet = await timed(() =>
        queryOne<{ n: string }>(
          client,
          "SELECT count() AS n, sum(id), sum(x), sum(length(s)), sum(k), max(at) FROM s3(lake, filename = {k:String}, format = 'Parquet')",
          { k: sdkKey },
        ),
      );
      if (Number(chGet.value?.n) !== ROWS) throw new Error(`ClickHouse read ${chGet.value?.n} rows, expected ${ROWS}`);
      samples.chGet.push(bytes / MB / chGet.seconds);
      bar.tick(1, 'ClickHouse SELECT (same bytes)');

      const chGetRaw = await timed(() =>
        queryOne<{ n: string }>(client, "SELECT length(raw) AS n FROM s3(lake, filename = {k:String}, format = 'RawBLOB', structure = 'raw String')", { k: sdkKey }),
      );
      if (Number(chGetRaw.value?.n) !== bytes) throw new Error(`ClickHouse RawBLOB read ${chGetRaw.value?.n} bytes, expected ${bytes}`);
      samples.chGetRaw.push(bytes / MB / chGetRaw.seconds);
      bar.tick(1, round + 1 < RUNS ? 'SDK PUT' : 'done');
    }
    bar.done();

    const rates = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<CaseName, number>;
    const result = (name: string, key: CaseName): Result => ({
      case: name,
      metric: 'throughput',
      value: Number(rates[key].toFixed(2)),
      unit: 'MB/s',
      runs: RUNS,
      median_of: RUNS,
      samples: samples[key].map((v) => Number(v.toFixed(2))),
    });
    const results: Result[] = [
      result('raw SDK PUT (lib-storage multipart, 16 MiB parts x4)', 'sdkPut'),
      result('raw SDK GET (streamed)', 'sdkGet'),
      result('ClickHouse INSERT INTO FUNCTION s3, Parquet (re-encoded from the local file)', 'chPut'),
      result('ClickHouse INSERT INTO FUNCTION s3, same bytes (RawBLOB)', 'chPutRaw'),
      result('ClickHouse SELECT ... FROM s3(), Parquet, every column aggregated', 'chGet'),
      result('ClickHouse SELECT ... FROM s3(), same bytes (RawBLOB)', 'chGetRaw'),
    ];
    const goal = (name: string, value: number) => ({ name, value: Number(value.toFixed(3)), target: `>= ${GOAL}`, met: value >= GOAL });
    const goals = [
      goal('ClickHouse INSERT INTO FUNCTION s3 (Parquet) vs raw SDK PUT throughput', rates.chPut / rates.sdkPut),
      goal('ClickHouse INSERT INTO FUNCTION s3 (same bytes) vs raw SDK PUT throughput', rates.chPutRaw / rates.sdkPut),
      goal('ClickHouse SELECT FROM s3() (Parquet) vs raw SDK GET throughput', rates.chGet / rates.sdkGet),
      goal('ClickHouse SELECT FROM s3() (same bytes) vs raw SDK GET throughput', rates.chGetRaw / rates.sdkGet),
    ];
    const out = {
      benchmark: 's3',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, engine: await serverVersion(client), mode: 'embedded', s3: 'Ceph RGW 16.2 (local, single OSD)' },
      params: { rows: ROWS, parquet_bytes: bytes, clickhouse_parquet_bytes: chBytes, runs: RUNS, warmup: '1 MiB SDK PUT/GET, 1-row ClickHouse write/read', load_average_1m: Number(loadavg()[0]!.toFixed(2)) },
      results,
      goals,
    };
    writeBenchReport(config.root, 's3', out);
    for (const r of results) console.log(`${r.case.padEnd(64)} ${r.value.toFixed(1).padStart(8)} MB/s`);
    for (const g of goals) console.log(`${g.name.padEnd(64)} ${g.value.toFixed(2).padStart(8)}  (${g.target}) ${g.met ? 'met' : 'NOT met'}`);
    console.log('wrote bench/results/s3.json');
  } finally {
    await deleteByPrefix(s3, prefix).catch(() => undefined);
    s3.client.destroy();
    await client.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exitCode = 1;
});
