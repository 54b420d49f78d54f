import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { runNotebooksOnStack } from '../../scripts/notebooks/on-stack';
import { formatFailure } from '../../scripts/notebooks/runner';

interface NotebookJson {
  cells: Array<{ cell_type: string; outputs?: Array<{ output_type: string; data?: Record<string, unknown> }> }>;
}

/** What an executed notebook shows: rendered tables (HTML) and plotly charts. */
function shown(file: string): { tables: number; charts: number } {
  const nb = JSON.parse(readFileSync(file, 'utf8')) as NotebookJson;
  let tables = 0;
  let charts = 0;
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const html = out.data?.['text/html'];
      const text = Array.isArray(html) ? html.join('') : typeof html === 'string' ? html : '';
      if (/<table/i.test(text)) tables++;
      if (/Plotly\.(newPlot|react)/.test(text)) charts++;
    }
  }
  return { tables, charts };
}

// `npm run notebooks` as part of `npm test`: every notebook, top to bottom, on the local stack
// (started here if it is not running), then 01 and 02 again on the bootstrapped warehouse.
describe('notebooks run headlessly on the local stack', () => {
  const config = loadConfig({ env: { ...process.env, EMBEDDING_MODEL: 'kit/glove-sif-100d' } });
  const reports = join(config.root, 'reports');
  const all = readdirSync(join(config.root, 'notebooks')).filter((f) => f.endsWith('.ipynb'));

  it('runs every notebook in order', { timeout: 1_200_000 }, async () => {
    const summary = await runNotebooksOnStack(config, {
      showProgress: false,
      env: { EMBEDDING_MODEL: 'kit/glove-sif-100d' },
    });
    const failures = summary.results.filter((r) => !r.ok).map((r) => formatFailure(r, { color: false }));
    expect(failures.join('\n\n')).toBe('');
    expect(summary.results.map((r) => `${r.name}.ipynb`).sort()).toEqual([...all].sort());
    for (const name of all) {
      const executed = join(reports, name);
      expect(existsSync(executed)).toBe(true);
      expect(statSync(executed).size).toBeLessThan(6 * 1024 * 1024);
      // the sources stay without outputs
      const source = JSON.parse(readFileSync(join(config.root, 'notebooks', name), 'utf8')) as NotebookJson;
      expect(source.cells.every((c) => (c.outputs ?? []).length === 0)).toBe(true);
    }
    for (const name of ['01-bootstrap', '02-crud']) {
      const s = shown(join(reports, `${name}.ipynb`));
      expect(s.tables, `${name} shows tables`).toBeGreaterThan(0);
      expect(s.charts, `${name} shows a chart`).toBeGreaterThan(0);
    }
    expect(shown(join(reports, '05-observability.ipynb')).charts).toBeGreaterThanOrEqual(3);
    const semi = shown(join(reports, '07-semi-structured.ipynb'));
    expect(semi.tables, '07-semi-structured shows tables').toBeGreaterThanOrEqual(8);
    expect(semi.charts, '07-semi-structured shows charts').toBeGreaterThanOrEqual(3);
    // 08-iceberg: columns, objects, months, snapshots, time travel, the two readers, the data files
    expect(shown(join(reports, '08-iceberg.ipynb')).tables).toBeGreaterThanOrEqual(7);
  });

  it('re-runs 01-bootstrap and 02-crud cleanly on the bootstrapped warehouse', { timeout: 600_000 }, async () => {
    const summary = await runNotebooksOnStack(config, { notebooks: ['01-bootstrap', '02-crud'], showProgress: false });
    expect(
      summary.results
        .filter((r) => !r.ok)
        .map((r) => formatFailure(r, { color: false }))
        .join('\n\n'),
    ).toBe('');
  });
});
