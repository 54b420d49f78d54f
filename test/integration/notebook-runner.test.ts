import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { formatFailure, runNotebooks, type RunNotebooksSummary } from '../../scripts/notebooks/runner';
import { installJupyter } from '../../scripts/stack/jupyter';

const config = loadConfig();
const fixture = join(config.root, 'test', 'fixtures', 'notebooks', 'smoke.ipynb');

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
}

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({
      cell_type: 'code',
      id: `c${i}`,
      metadata: {},
      source,
      outputs: [],
      execution_count: null,
    })),
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript (tslab)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

const join_ = (t: string | string[] | undefined): string => (Array.isArray(t) ? t.join('') : (t ?? ''));

function outputsOf(file: string): Output[][] {
  const nb = JSON.parse(readFileSync(file, 'utf8')) as { cells: Array<{ cell_type: string; outputs?: Output[] }> };
  return nb.cells.filter((c) => c.cell_type === 'code').map((c) => c.outputs ?? []);
}

describe('headless notebook runner (nbclient + tslab kernel)', () => {
  let work: string;
  let summary: RunNotebooksSummary;
  const sourceHash = (): string => createHash('sha256').update(readFileSync(fixture)).digest('hex');
  let hashBefore: string;

  beforeAll(async () => {
    await installJupyter(config);
    work = mkdtempSync(join(tmpdir(), 'kit-notebooks-'));
    writeFileSync(
      join(work, 'broken.ipynb'),
      notebook([
        "console.log('first cell ran');",
        'const answer: number = 42;\nthrow new Error(`boom: the answer is ${answer}`);',
        "console.log('never runs');",
      ]),
    );
    hashBefore = sourceHash();
    // Kernels get this environment: their own embedded engine folder and a database name to prove it.
    summary = await runNotebooks({
      notebooks: [fixture, join(work, 'broken.ipynb')],
      outDir: join(work, 'reports'),
      env: { CLICKHOUSE_DATA_PATH: join(work, 'clickhouse'), CLICKHOUSE_DATABASE: 'smoke_runner', CLICKHOUSE_URL: '' },
      showProgress: false,
    });
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs the smoke notebook: lib imports, ClickHouse query, table, charts, progress', () => {
    const smoke = summary.results.find((r) => r.name === 'smoke')!;
    expect(smoke.failure, formatFailure(smoke)).toBeNull();
    expect(smoke.ok).toBe(true);
    expect(smoke.cells).toBe(5);
    const [imports, table, chart, clickhouse, bar] = outputsOf(smoke.executedNotebook);
    const stdout = imports!.map((o) => join_(o.text)).join('');
    expect(stdout).toContain('database: smoke_runner');
    expect(stdout).toContain('password: [REDACTED]');
    expect(join_(table![0]!.data!['text/html'])).toContain('&lt;b&gt;not bold&lt;/b&gt;');
    expect(chart!.map((o) => join_(o.data?.['text/html']))).toEqual([
      expect.stringContaining('data-kit="plotly-loader"'),
      expect.stringContaining('data-kit="chart"'),
    ]);
    const ch = clickhouse!.map((o) => join_(o.text) + join_(o.data?.['text/html'])).join('\n');
    expect(ch).toContain('clickhouse: embedded');
    expect(ch).toContain('Squares from ClickHouse');
    expect(ch).toContain('<td style="text-align:right">16</td>');
    expect(ch).toContain('10 rows × 2 columns (first 5 shown)');
    expect(bar).toHaveLength(1); // one display, updated in place
    expect(join_(bar![0]!.data!['text/html'])).toMatch(/smoke steps ✓.*5 \/ 5 \(100%\)/);
  });

  it('inlines plotly.js once per notebook and keeps the executed copy under 6 MB', () => {
    const smoke = summary.results.find((r) => r.name === 'smoke')!;
    const text = readFileSync(smoke.executedNotebook, 'utf8');
    expect(text.split('data-kit=\\"plotly-loader\\"').length - 1).toBe(1);
    expect(text.split('data-kit=\\"chart\\"').length - 1).toBe(2);
    expect(smoke.executedBytes).toBeLessThan(6_000_000);
    expect(readFileSync(smoke.html, 'utf8')).toContain('data-kit="chart"');
  });

  it('never writes over the source notebook', () => {
    expect(sourceHash()).toBe(hashBefore);
    expect(summary.results.every((r) => r.executedNotebook.startsWith(join(work, 'reports')))).toBe(true);
  });

  it('reports the failing cell with its source and the real error text from stderr', () => {
    const broken = summary.results.find((r) => r.name === 'broken')!;
    expect(summary.ok).toBe(false);
    expect(broken.ok).toBe(false);
    expect(broken.failure?.number).toBe(2);
    expect(broken.failure?.source).toContain('throw new Error');
    const report = formatFailure(broken);
    expect(report).toContain('boom: the answer is 42');
    expect(report).toContain('cell 2');
    const outputs = outputsOf(broken.executedNotebook);
    expect(join_(outputs[0]![0]!.text)).toBe('first cell ran\n');
    expect(outputs[2]).toEqual([]);
  });
});
