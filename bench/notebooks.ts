/**
 * `npm run bench:notebooks`: the Jupyter side's timings and the executed notebook size.
 * Cases: JupyterLab start (cold process, scratch port), tslab kernel ready (nbclient), the smoke
 * notebook end to end (kernel start, ClickHouse query in the kernel, table, two charts).
 * One warm-up, then the median of RUNS runs. Writes bench/results/notebooks.json (BENCH.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../lib/config';
import { runNotebooks } from '../scripts/notebooks/runner';
import { installJupyter, startJupyter, stopJupyter } from '../scripts/stack/jupyter';
import { median, writeBenchReport } from './report';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SIZE_LIMIT = 6_000_000;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'kit-bench-notebooks-'));
  const config = loadConfig({
    env: { ...process.env, KIT_STORAGE_DIR: work, JUPYTER_PORT: String(20_000 + (process.pid % 1000)) },
  });
  try {
    await installJupyter(config);
    const labStarts: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const t = Date.now();
      await startJupyter(config);
      if (i > 0) labStarts.push((Date.now() - t) / 1000);
      await stopJupyter(config);
    }

    const fixture = join(config.root, 'test', 'fixtures', 'notebooks', 'smoke.ipynb');
    const kernelReady: number[] = [];
    const notebookTotal: number[] = [];
    let size = 0;
    for (let i = 0; i <= RUNS; i++) {
      const summary = await runNotebooks({
        notebooks: [fixture],
        outDir: join(work, 'reports'),
        env: { CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: join(work, `clickhouse-${i}`) },
        showProgress: false,
        config,
      });
      const r = summary.results[0]!;
      if (!r.ok)
        throw new Error(
          `the smoke notebook failed: ${r.fatal ?? r.failure?.outputs.map((o) => o.text).join('') ?? ''}`,
        );
      if (i === 0) continue;
      kernelReady.push(r.kernelReadySeconds ?? Number.NaN);
      notebookTotal.push(summary.seconds);
      size = r.executedBytes;
    }

    const results = [
      {
        case: 'JupyterLab start (process to authenticated API)',
        metric: 'seconds',
        value: median(labStarts),
        unit: 's',
        runs: RUNS,
        median_of: RUNS,
      },
      {
        case: 'tslab kernel ready (nbclient)',
        metric: 'seconds',
        value: median(kernelReady),
        unit: 's',
        runs: RUNS,
        median_of: RUNS,
      },
      {
        case: 'smoke notebook end to end (runNotebooks)',
        metric: 'seconds',
        value: median(notebookTotal),
        unit: 's',
        runs: RUNS,
        median_of: RUNS,
      },
      {
        case: 'smoke notebook executed size (2 charts)',
        metric: 'bytes',
        value: size,
        unit: 'B',
        runs: 1,
        median_of: 1,
      },
    ];
    const goals = [
      {
        name: 'executed notebook with charts stays small (plotly.js inlined once)',
        value: size,
        target: `< ${SIZE_LIMIT} bytes`,
        met: size < SIZE_LIMIT,
      },
    ];
    const out = {
      benchmark: 'notebooks',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, mode: 'embedded' },
      params: { runs: RUNS, notebook: 'test/fixtures/notebooks/smoke.ipynb' },
      results,
      goals,
    };
    writeBenchReport(config.root, 'notebooks', out);
    for (const r of results)
      console.log(
        `${r.case.padEnd(50)} ${r.unit === 'B' ? `${(r.value / 1e6).toFixed(2)} MB` : `${r.value.toFixed(2)} s`}`,
      );
    for (const g of goals) console.log(`goal: ${g.name}: ${g.met ? 'met' : 'NOT met'} (${g.value} ${g.target})`);
    console.log(`wrote bench/results/notebooks.json`);
  } finally {
    await stopJupyter(config);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`bench:notebooks: ${err.message}`);
  process.exit(1);
});
