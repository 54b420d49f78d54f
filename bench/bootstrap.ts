/**
 * `npm run bench:bootstrap`: `npm run bootstrap` as a user runs it (its own process, against the
 * local endpoint in its own process), for 1M and 10M events into all three storage modes, each
 * size into a fresh database. Per size: wall time, rows/s (rows of every table in every mode),
 * CPU-seconds and peak RSS of both processes (read from /proc while they run). In the same run,
 * the kit's bulk path of bench:ingest (1M events, polars -> Parquet -> INSERT into one local table,
 * through the same endpoint) as the baseline the rows/s are compared with.
 * Goals (issue 18): 10M events in all three modes <= 60 s; RSS of both processes within 1.2x from
 * 1M to 10M events. `-- --sizes 1000000,10000000,50000000` adds sizes.
 * Writes bench/results/bootstrap.json (BENCH.md).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { command, connect, queryOne, serverVersion } from '../lib/clickhouse';
import { loadConfig, type KitConfig } from '../lib/config';
import { createS3Client, deleteByPrefix } from '../lib/s3';
import { createTableSql, EVENTS, loadFrame, RetailGenerator, tableTarget, targetSql } from '../lib/tabular';
import { endpointStatus, startEndpointProcess, stopEndpointProcess } from '../scripts/stack/endpoint';
import { freePort } from '../scripts/stack/ports';
import { startS3Server } from '../scripts/stack/s3-server';
import { median, writeBenchReport } from './report';

const GOAL_SECONDS = 60;
const GOAL_RSS_RATIO = 1.2;
const BULK_ROWS = 1_000_000;
const BULK_RUNS = 3;
const TICKS = 100; // /proc/<pid>/stat counts CPU time in clock ticks of 1/100 s on Linux.

interface ProcSample {
  rssMax: number;
  cpuSeconds: number;
}

/** CPU seconds (user + system, own threads) and resident memory of a process, from /proc. */
function readProc(pid: number): { cpu: number; rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    return { cpu, rss };
  } catch {
    return undefined;
  }
}

/** Samples a process every 100 ms until stopped: peak RSS and CPU used since the start. */
function watch(pid: number): { stop: () => ProcSample } {
  const first = readProc(pid);
  let last = first;
  let rssMax = first?.rss ?? 0;
  const timer = setInterval(() => {
    const s = readProc(pid);
    if (!s) return;
    last = s;
    rssMax = Math.max(rssMax, s.rss);
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      const s = readProc(pid) ?? last;
      if (s) rssMax = Math.max(rssMax, s.rss);
      return { rssMax, cpuSeconds: (s?.cpu ?? 0) - (first?.cpu ?? 0) };
    },
  };
}

/** Runs `npm run bootstrap` (as node + tsx, one process) and watches it and the endpoint. */
async function runBootstrap(
  config: KitConfig,
  env: NodeJS.ProcessEnv,
  events: number,
  endpointPid: number,
): Promise<{ seconds: number; bootstrap: ProcSample; endpoint: ProcSample; output: string }> {
  const started = process.hrtime.bigint();
  const endpoint = watch(endpointPid);
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bootstrap.ts', '--events', String(events)], {
    cwd: config.root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const self = watch(child.pid!);
  let output = '';
  let bootstrap: ProcSample = { rssMax: 0, cpuSeconds: 0 };
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // The child's /proc entry goes when it exits: read its last figures as it closes its output.
  child.stdout.on('end', () => (bootstrap = self.stop()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const endpointSample = endpoint.stop();
  if (bootstrap.rssMax === 0) bootstrap = self.stop();
  if (code !== 0) throw new Error(`bootstrap of ${events} events exited with ${code}:\n${output.slice(-2000)}`);
  return { seconds, bootstrap, endpoint: endpointSample, output };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000000,10000000' } } });
  const sizes = values.sizes.split(',').map((s) => Number(s.replace(/_/g, '')));
  const base = loadConfig();
  await startS3Server(base);
  const work = mkdtempSync(join(tmpdir(), 'kit-bench-bootstrap-'));
  // The storage folder stays the kit's (bootstrap re-uses the S3 server running there); the engine's
  // data folder is a fresh one, so the bench's endpoint must be the only one of this storage folder.
  const env = {
    ...process.env,
    CLICKHOUSE_URL: '',
    CLICKHOUSE_DATA_PATH: join(work, 'clickhouse'),
    CLICKHOUSE_HTTP_PORT: String(await freePort()),
  };
  const config = loadConfig({ env });
  if ((await endpointStatus(config)).running)
    throw new Error('the local endpoint of this checkout is running: stop it (`npm stop`) and run the bench again.');
  const endpointProcess = await startEndpointProcess(config, { log: (l) => console.error(l) });
  const client = connect({ config });
  const s3 = createS3Client(config);
  const databases: string[] = [];
  try {
    // Baseline: the bulk path of bench:ingest through the same endpoint.
    console.error(`baseline: ${BULK_ROWS.toLocaleString('en-US')} events through the bulk path, ${BULK_RUNS} runs...`);
    const frame = new RetailGenerator({ seed: 'bench', events: BULK_ROWS, chunkRows: BULK_ROWS }).activityChunk(
      0,
    ).events;
    const bulkTarget = tableTarget(config.clickhouse.database, EVENTS, 'local', { name: 'bench_bulk_events' });
    await command(client, `CREATE DATABASE IF NOT EXISTS ${config.clickhouse.database}`);
    await command(client, createTableSql(bulkTarget));
    await loadFrame(client, bulkTarget, frame.slice(0, 50_000));
    const bulkRates: number[] = [];
    for (let i = 0; i < BULK_RUNS; i++) {
      await command(client, `TRUNCATE TABLE ${targetSql(bulkTarget)}`);
      const t0 = process.hrtime.bigint();
      await loadFrame(client, bulkTarget, frame);
      bulkRates.push(BULK_ROWS / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
    await command(client, `DROP TABLE ${targetSql(bulkTarget)} SYNC`);
    const bulk = median(bulkRates);

    const cases: Array<{ events: number; seconds: number; rows: number; bootstrap: ProcSample; endpoint: ProcSample }> =
      [];
    for (const events of sizes) {
      const database = `bench_bootstrap_${events}`;
      databases.push(database);
      // The endpoint refuses every query for a database that does not exist, so the bench makes it.
      await command(client, `CREATE DATABASE IF NOT EXISTS ${database}`);
      console.error(`bootstrap: ${events.toLocaleString('en-US')} events into ${database} (all three modes)...`);
      const r = await runBootstrap(config, { ...env, CLICKHOUSE_DATABASE: database }, events, endpointProcess.pid!);
      const row = await queryOne<{ n: string }>(
        client,
        "SELECT toString(sum(total_rows)) AS n FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree'",
        { db: database },
      );
      // MergeTree tables hold two of the three copies; the lake table holds as many rows as the local one.
      const rows = Math.round((Number(row?.n ?? 0) * 3) / 2);
      cases.push({ events, seconds: r.seconds, rows, bootstrap: r.bootstrap, endpoint: r.endpoint });
      console.error(
        `  ${r.seconds.toFixed(1)} s; bootstrap ${r.bootstrap.cpuSeconds.toFixed(1)} CPU-s, ${(r.bootstrap.rssMax / 2 ** 20).toFixed(0)} MiB; endpoint ${r.endpoint.cpuSeconds.toFixed(1)} CPU-s, ${(r.endpoint.rssMax / 2 ** 20).toFixed(0)} MiB`,
      );
      await command(client, `DROP DATABASE ${database} SYNC`);
      await deleteByPrefix(s3, `lake/${database}/`);
    }

    const mib = (b: number): number => Math.round(b / 2 ** 20);
    const results = [
      {
        case: 'baseline: bench:ingest bulk path (1M events, Parquet INSERT, one local table, via the endpoint)',
        metric: 'rows_per_s',
        value: Math.round(bulk),
        unit: 'rows/s',
        runs: BULK_RUNS,
        median_of: BULK_RUNS,
        samples: bulkRates.map(Math.round),
      },
      ...cases.flatMap((c) => {
        const label = `bootstrap ${c.events.toLocaleString('en-US')} events, 3 modes`;
        return [
          {
            case: `${label}: wall time`,
            metric: 'seconds',
            value: Number(c.seconds.toFixed(1)),
            unit: 's',
            runs: 1,
            median_of: 1,
          },
          {
            case: `${label}: rows/s (all tables, all modes)`,
            metric: 'rows_per_s',
            value: Math.round(c.rows / c.seconds),
            unit: 'rows/s',
            runs: 1,
            median_of: 1,
            rows: c.rows,
          },
          {
            case: `${label}: CPU of the bootstrap process`,
            metric: 'cpu_seconds',
            value: Number(c.bootstrap.cpuSeconds.toFixed(1)),
            unit: 'CPU-s',
            runs: 1,
            median_of: 1,
          },
          {
            case: `${label}: CPU of the endpoint process`,
            metric: 'cpu_seconds',
            value: Number(c.endpoint.cpuSeconds.toFixed(1)),
            unit: 'CPU-s',
            runs: 1,
            median_of: 1,
          },
          {
            case: `${label}: peak RSS of the bootstrap process`,
            metric: 'rss_peak',
            value: mib(c.bootstrap.rssMax),
            unit: 'MiB',
            runs: 1,
            median_of: 1,
          },
          {
            case: `${label}: peak RSS of the endpoint process`,
            metric: 'rss_peak',
            value: mib(c.endpoint.rssMax),
            unit: 'MiB',
            runs: 1,
            median_of: 1,
          },
          {
            case: `${label}: rows/s vs the bulk path`,
            metric: 'ratio',
            value: Number((c.rows / c.seconds / bulk).toFixed(3)),
            unit: 'x',
            runs: 1,
            median_of: 1,
          },
        ];
      }),
    ];
    const goals: Array<{ name: string; value: number; target: string; met: boolean }> = [];
    const ten = cases.find((c) => c.events === 10_000_000);
    const one = cases.find((c) => c.events === 1_000_000);
    if (ten)
      goals.push({
        name: '10M events into all three modes, wall time (s)',
        value: Number(ten.seconds.toFixed(1)),
        target: `<= ${GOAL_SECONDS}`,
        met: ten.seconds <= GOAL_SECONDS,
      });
    if (ten)
      goals.push({
        name: '10M events: rows/s vs bench:ingest bulk path (recorded)',
        value: Number((ten.rows / ten.seconds / bulk).toFixed(3)),
        target: 'recorded',
        met: true,
      });
    if (ten && one) {
      for (const side of ['bootstrap', 'endpoint'] as const) {
        const ratio = ten[side].rssMax / one[side].rssMax;
        goals.push({
          name: `peak RSS of the ${side} process, 10M / 1M events`,
          value: Number(ratio.toFixed(3)),
          target: `<= ${GOAL_RSS_RATIO}`,
          met: ratio <= GOAL_RSS_RATIO,
        });
      }
    }
    const out = {
      benchmark: 'bootstrap',
      at: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        node: process.version,
        engine: await serverVersion(client),
        mode: 'local-endpoint',
      },
      params: {
        sizes,
        modes: ['local', 's3_disk', 's3_engine'],
        runs: 'one bootstrap per size (each takes minutes); bulk baseline median of 3 after a 50k-row warm-up',
        load_average_1m: Number(loadavg()[0]!.toFixed(2)),
      },
      results,
      goals,
    };
    writeBenchReport(config.root, 'bootstrap', out);
    for (const r of results) console.log(`${r.case.slice(0, 90).padEnd(92)} ${String(r.value).padStart(12)} ${r.unit}`);
    for (const g of goals)
      console.log(`${g.name.padEnd(92)} ${String(g.value).padStart(12)}  (${g.target}) ${g.met ? 'met' : 'NOT met'}`);
    console.log('wrote bench/results/bootstrap.json');
  } finally {
    for (const db of databases) await deleteByPrefix(s3, `lake/${db}/`).catch(() => undefined);
    s3.client.destroy();
    await client.close();
    await stopEndpointProcess(config);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
