/**
 * `npm run bench:endpoint`: what the local endpoint costs over using the engine in-process.
 * The same @clickhouse/client (through connect()) talks to the endpoint (its own process, as
 * notebooks use it) and to an embedded engine in this process, on two data folders with the same
 * tables, in interleaved rounds:
 *   (a) 2,000 small SELECTs per side: p50 / p95 latency,
 *   (b) a 1M-row JSONEachRow insert, as a byte stream (exec) and as objects (client.insert),
 *   (c) a 1M-row result read (JSONEachRow rows streamed out of the client).
 * Goals (issue 3): bulk paths within 1.3x of in-process; small queries within 2 ms p50 of it.
 * Writes bench/results/endpoint.json (BENCH.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { command, connect, connectionInfo, serverVersion } from '../lib/clickhouse';
import { loadConfig, type KitConfig } from '../lib/config';
import { progress } from '../lib/notebook';
import { startEndpointProcess, stopEndpointProcess } from '../scripts/stack/endpoint';
import { freePort } from '../scripts/stack/ports';
import { median, quantile, writeBenchReport } from './report';

const SMALL_QUERIES = 2_000;
const SMALL_ROUNDS = 4;
const BULK_ROWS = 1_000_000;
const BULK_RUNS = 3;
const TABLE_DDL = `CREATE TABLE IF NOT EXISTS bench_rows (id UInt64, kind LowCardinality(String), value Float64, at DateTime, note String) ENGINE = MergeTree ORDER BY id`;

type Side = 'in-process' | 'endpoint';
const SIDES: Side[] = ['in-process', 'endpoint'];

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function bulkJson(): Buffer[] {
  const chunks: Buffer[] = [];
  const kinds = ['click', 'view', 'buy', 'share'];
  for (let start = 0; start < BULK_ROWS; start += 50_000) {
    let text = '';
    for (let i = start; i < start + 50_000; i++) {
      text += `{"id":${i},"kind":"${kinds[i % 4]}","value":${(i % 1000) / 8},"at":"2026-01-01 00:00:00","note":"row ${i}"}\n`;
    }
    chunks.push(Buffer.from(text));
  }
  return chunks;
}

/** JSONEachRow bytes streamed as the request body (exec): the transport path of a data pipeline. */
async function insertBytes(client: ClickHouseClient, chunks: Buffer[]): Promise<number> {
  await command(client, 'TRUNCATE TABLE bench_rows');
  const t0 = performance.now();
  const r = await client.exec({
    query: 'INSERT INTO bench_rows FORMAT JSONEachRow',
    values: Readable.from(chunks, { objectMode: false }),
  });
  for await (const _ of r.stream) void _;
  return (performance.now() - t0) / 1000;
}

/** The same rows as objects through client.insert(), what notebooks do (the client serialises them). */
async function insertObjects(client: ClickHouseClient, rows: ReadonlyArray<Record<string, unknown>>): Promise<number> {
  await command(client, 'TRUNCATE TABLE bench_rows');
  const t0 = performance.now();
  await client.insert({ table: 'bench_rows', values: Readable.from(rows), format: 'JSONEachRow' });
  return (performance.now() - t0) / 1000;
}

async function readBulk(client: ClickHouseClient): Promise<number> {
  const t0 = performance.now();
  const rs = await client.query({ query: 'SELECT * FROM bench_rows', format: 'JSONEachRow' });
  let rows = 0;
  for await (const batch of rs.stream()) rows += batch.length;
  const seconds = (performance.now() - t0) / 1000;
  if (rows !== BULK_ROWS) throw new Error(`read ${rows} rows, expected ${BULK_ROWS}`);
  return seconds;
}

async function smallQueries(client: ClickHouseClient, n: number, latencies: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const rs = await client.query({ query: SMALL_SQL, format: 'JSONEachRow' });
    const rows = await rs.json<{ number: string }>();
    latencies.push(performance.now() - t0);
    if (rows.length !== 3) throw new Error('unexpected result');
  }
}

const SMALL_SQL = 'SELECT number, toString(number) AS s FROM numbers(10) WHERE number % 3 = 1';

/**
 * The same small SELECT over plain node:http with keep-alive: the endpoint's own cost, without
 * @clickhouse/client, which waits a timer tick (setTimeout 0, at least 1 ms) before every HTTP request.
 */
async function rawSmallQueries(url: string, auth: string, n: number, latencies: number[]): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(
          `${url}/?database=warehouse&default_format=JSONEachRow&output_format_json_quote_64bit_integers=1`,
          { method: 'POST', agent, headers: { Authorization: auth } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => resolve(text));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(SMALL_SQL);
      });
      latencies.push(performance.now() - t0);
      if (body.trim().split('\n').length !== 3) throw new Error('unexpected result');
    }
  } finally {
    agent.destroy();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'kit-bench-endpoint-'));
  const password = randomBytes(12).toString('hex');
  const common = {
    ...process.env,
    CLICKHOUSE_URL: '',
    KIT_STORAGE_DIR: work,
    CLICKHOUSE_USER: 'bench',
    CLICKHOUSE_PASSWORD: password,
    CLICKHOUSE_DATABASE: 'warehouse',
  };
  const endpointConfig: KitConfig = loadConfig({
    env: {
      ...common,
      CLICKHOUSE_DATA_PATH: join(work, 'endpoint-data'),
      CLICKHOUSE_HTTP_PORT: String(await freePort()),
    },
  });
  const localConfig: KitConfig = loadConfig({ env: { ...common, CLICKHOUSE_DATA_PATH: join(work, 'local-data') } });
  const started = await startEndpointProcess(endpointConfig, { log: (l) => console.error(l) });
  // Both as notebooks get them: connect() finds the endpoint through the data folder it owns.
  const clients: Record<Side, ClickHouseClient> = {
    'in-process': connect({ config: localConfig, mode: 'embedded' }),
    endpoint: connect({ config: endpointConfig }),
  };
  const officialClient = connect({ config: endpointConfig, transport: 'official' });
  if (connectionInfo(clients.endpoint)?.mode !== 'local-endpoint')
    throw new Error('the endpoint client did not find the local endpoint');
  try {
    for (const side of SIDES) await command(clients[side], TABLE_DDL);
    const version = await serverVersion(clients['in-process']);
    const chunks = bulkJson();
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    const objects = chunks.flatMap((c) =>
      c
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );

    // Warm-up: pools, sockets, JIT.
    for (const side of SIDES) {
      await smallQueries(clients[side], 200, []);
      await insertBytes(clients[side], chunks.slice(0, 2));
      await insertObjects(clients[side], objects.slice(0, 50_000));
    }

    const latencies: Record<Side, number[]> = { 'in-process': [], endpoint: [] };
    const rawLatencies: number[] = [];
    const officialLatencies: number[] = [];
    const auth = `Basic ${Buffer.from(`bench:${password}`).toString('base64')}`;
    await rawSmallQueries(started.url, auth, 200, []);
    await smallQueries(officialClient, 200, []);
    const bar = progress('bench:endpoint small SELECTs', SMALL_QUERIES * 4);
    for (let round = 0; round < SMALL_ROUNDS; round++) {
      for (const side of round % 2 === 0 ? SIDES : [...SIDES].reverse()) {
        await smallQueries(clients[side], SMALL_QUERIES / SMALL_ROUNDS, latencies[side]);
        bar.tick(SMALL_QUERIES / SMALL_ROUNDS);
      }
      await rawSmallQueries(started.url, auth, SMALL_QUERIES / SMALL_ROUNDS, rawLatencies);
      bar.tick(SMALL_QUERIES / SMALL_ROUNDS);
      await smallQueries(officialClient, SMALL_QUERIES / SMALL_ROUNDS, officialLatencies);
      bar.tick(SMALL_QUERIES / SMALL_ROUNDS);
    }
    bar.done();

    const insertSeconds: Record<Side, number[]> = { 'in-process': [], endpoint: [] };
    const objectSeconds: Record<Side, number[]> = { 'in-process': [], endpoint: [] };
    const readSeconds: Record<Side, number[]> = { 'in-process': [], endpoint: [] };
    const bulkBar = progress('bench:endpoint 1M-row inserts + read rounds', BULK_RUNS * 6);
    for (let run = 0; run < BULK_RUNS; run++) {
      for (const side of run % 2 === 0 ? SIDES : [...SIDES].reverse()) {
        objectSeconds[side].push(await insertObjects(clients[side], objects));
        bulkBar.tick();
        insertSeconds[side].push(await insertBytes(clients[side], chunks));
        bulkBar.tick();
        readSeconds[side].push(await readBulk(clients[side]));
        bulkBar.tick();
      }
    }
    bulkBar.done();

    const results: Array<Record<string, unknown>> = [];
    const stat = (side: Side) => ({
      p50: median(latencies[side]),
      p95: quantile(latencies[side], 0.95),
      insert: median(insertSeconds[side]),
      objects: median(objectSeconds[side]),
      read: median(readSeconds[side]),
    });
    const s = { 'in-process': stat('in-process'), endpoint: stat('endpoint') };
    for (const side of SIDES) {
      results.push({
        case: `small SELECT p50 (${side})`,
        metric: 'latency_p50',
        value: round3(s[side].p50),
        unit: 'ms',
        runs: latencies[side].length,
        median_of: latencies[side].length,
      });
      results.push({
        case: `small SELECT p95 (${side})`,
        metric: 'latency_p95',
        value: round3(s[side].p95),
        unit: 'ms',
        runs: latencies[side].length,
        median_of: latencies[side].length,
      });
      results.push({
        case: `1M-row JSONEachRow insert, byte stream (${side})`,
        metric: 'rows_per_s',
        value: Math.round(BULK_ROWS / s[side].insert),
        unit: 'rows/s',
        seconds: round3(s[side].insert),
        runs: BULK_RUNS,
        median_of: BULK_RUNS,
        samples: insertSeconds[side].map(round3),
      });
      results.push({
        case: `1M-row JSONEachRow insert, objects via client.insert (${side})`,
        metric: 'rows_per_s',
        value: Math.round(BULK_ROWS / s[side].objects),
        unit: 'rows/s',
        seconds: round3(s[side].objects),
        runs: BULK_RUNS,
        median_of: BULK_RUNS,
        samples: objectSeconds[side].map(round3),
      });
      results.push({
        case: `1M-row result read (${side})`,
        metric: 'rows_per_s',
        value: Math.round(BULK_ROWS / s[side].read),
        unit: 'rows/s',
        seconds: round3(s[side].read),
        runs: BULK_RUNS,
        median_of: BULK_RUNS,
        samples: readSeconds[side].map(round3),
      });
    }
    results.push({
      case: "small SELECT p50 (endpoint, @clickhouse/client's own HTTP transport)",
      metric: 'latency_p50',
      value: round3(median(officialLatencies)),
      unit: 'ms',
      runs: officialLatencies.length,
      median_of: officialLatencies.length,
    });
    results.push({
      case: "small SELECT p95 (endpoint, @clickhouse/client's own HTTP transport)",
      metric: 'latency_p95',
      value: round3(quantile(officialLatencies, 0.95)),
      unit: 'ms',
      runs: officialLatencies.length,
      median_of: officialLatencies.length,
    });
    results.push({
      case: "small SELECT p50 overhead with @clickhouse/client's own HTTP transport (endpoint - in-process)",
      metric: 'latency_delta',
      value: round3(median(officialLatencies) - s['in-process'].p50),
      unit: 'ms',
    });
    results.push({
      case: 'small SELECT p50 (endpoint, plain node:http keep-alive client)',
      metric: 'latency_p50',
      value: round3(median(rawLatencies)),
      unit: 'ms',
      runs: rawLatencies.length,
      median_of: rawLatencies.length,
    });
    results.push({
      case: 'small SELECT p95 (endpoint, plain node:http keep-alive client)',
      metric: 'latency_p95',
      value: round3(quantile(rawLatencies, 0.95)),
      unit: 'ms',
      runs: rawLatencies.length,
      median_of: rawLatencies.length,
    });
    const p50Overhead = s.endpoint.p50 - s['in-process'].p50;
    const insertRatio = s.endpoint.insert / s['in-process'].insert;
    const objectRatio = s.endpoint.objects / s['in-process'].objects;
    const readRatio = s.endpoint.read / s['in-process'].read;
    results.push({
      case: 'small SELECT p50 overhead (endpoint - in-process)',
      metric: 'latency_delta',
      value: round3(p50Overhead),
      unit: 'ms',
    });
    results.push({
      case: 'small SELECT p95 overhead (endpoint - in-process)',
      metric: 'latency_delta',
      value: round3(s.endpoint.p95 - s['in-process'].p95),
      unit: 'ms',
    });
    results.push({
      case: '1M-row insert (byte stream) time ratio (endpoint / in-process)',
      metric: 'ratio',
      value: round3(insertRatio),
      unit: 'x',
    });
    results.push({
      case: '1M-row insert (objects) time ratio (endpoint / in-process)',
      metric: 'ratio',
      value: round3(objectRatio),
      unit: 'x',
    });
    results.push({
      case: '1M-row read time ratio (endpoint / in-process)',
      metric: 'ratio',
      value: round3(readRatio),
      unit: 'x',
    });
    const goals = [
      {
        name: 'small SELECTs: endpoint p50 within 2 ms of in-process',
        value: round3(p50Overhead),
        target: '<= 2 ms',
        met: p50Overhead <= 2,
      },
      {
        name: '1M-row JSONEachRow insert (byte stream) within 1.3x of in-process',
        value: round3(insertRatio),
        target: '<= 1.3',
        met: insertRatio <= 1.3,
      },
      {
        name: '1M-row JSONEachRow insert (objects via client.insert) within 1.3x of in-process',
        value: round3(objectRatio),
        target: '<= 1.3',
        met: objectRatio <= 1.3,
      },
      {
        name: '1M-row result read within 1.3x of in-process',
        value: round3(readRatio),
        target: '<= 1.3',
        met: readRatio <= 1.3,
      },
    ];
    const report = {
      benchmark: 'endpoint',
      at: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        node: process.version,
        engine: version,
        mode: 'embedded (in-process) vs local endpoint (separate process)',
        loadavg: loadavg().map(round3),
      },
      params: {
        small_queries_per_side: SMALL_QUERIES,
        small_rounds: SMALL_ROUNDS,
        bulk_rows: BULK_ROWS,
        bulk_bytes: bytes,
        bulk_runs: BULK_RUNS,
      },
      results,
      goals,
      notes: [
        "Both sides use @clickhouse/client through connect(), as notebooks do: in-process over the embedded engine's connection, to the endpoint over the kit's HTTP transport (lib/clickhouse/http-connection.ts, connect()'s default for the local endpoint).",
        "The client's own Node HTTP transport waits a timer tick (setTimeout 0, >= 1 ms) before every request (socket_pool.js, clickhouse-js issue #294); its rows show the endpoint through it (connect({ transport: 'official' }), what other servers get). The plain node:http rows show the endpoint without any client library.",
        'The endpoint runs in its own process, as notebooks use it; the machine has 2 cores shared by client, endpoint and engine threads.',
      ],
    };
    writeBenchReport(process.cwd(), 'endpoint', report);

    console.log('');
    console.log('                      in-process     endpoint');
    console.log(
      `small SELECT p50      ${s['in-process'].p50.toFixed(2).padStart(8)} ms  ${s.endpoint.p50.toFixed(2).padStart(8)} ms   (+${p50Overhead.toFixed(2)} ms)`,
    );
    console.log(
      `small SELECT p95      ${s['in-process'].p95.toFixed(2).padStart(8)} ms  ${s.endpoint.p95.toFixed(2).padStart(8)} ms`,
    );
    console.log(
      `small SELECT p50 to the endpoint, @clickhouse/client's own transport: ${median(officialLatencies).toFixed(2)} ms; plain node:http: ${median(rawLatencies).toFixed(2)} ms`,
    );
    console.log(
      `1M-row insert bytes   ${s['in-process'].insert.toFixed(2).padStart(8)} s   ${s.endpoint.insert.toFixed(2).padStart(8)} s    (${insertRatio.toFixed(2)}x)`,
    );
    console.log(
      `1M-row insert objects ${s['in-process'].objects.toFixed(2).padStart(8)} s   ${s.endpoint.objects.toFixed(2).padStart(8)} s    (${objectRatio.toFixed(2)}x)`,
    );
    console.log(
      `1M-row read           ${s['in-process'].read.toFixed(2).padStart(8)} s   ${s.endpoint.read.toFixed(2).padStart(8)} s    (${readRatio.toFixed(2)}x)`,
    );
    for (const g of goals) console.log(`${g.met ? 'MET    ' : 'NOT MET'} ${g.name}: ${g.value} (target ${g.target})`);
    console.log('wrote bench/results/endpoint.json');
  } finally {
    for (const side of SIDES) await clients[side].close();
    await officialClient.close();
    await stopEndpointProcess(endpointConfig);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
