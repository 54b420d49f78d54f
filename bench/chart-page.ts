/** A benchmark's charts as one self-contained HTML page in bench/results (plotly.js inlined: opens offline). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlotlySpec } from '../lib/charts';
import { escapeHtml, plotlyLoaderHtml, renderChartHtml } from '../lib/notebook';

export interface ChartSection {
  heading: string;
  /** A sentence or two under the heading (plain text). */
  text?: string;
  charts: PlotlySpec[];
}

/** Writes `bench/results/<name>.html` and returns its path. */
export function writeChartPage(root: string, name: string, title: string, sections: ChartSection[]): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const body = sections
    .map(
      (s) =>
        `<h2>${escapeHtml(s.heading)}</h2>${s.text ? `<p>${escapeHtml(s.text)}</p>` : ''}\n${s.charts.map((c) => renderChartHtml(c)).join('\n')}`,
    )
    .join('\n');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}p{color:#444}</style>
${plotlyLoaderHtml()}
</head><body><h1>${escapeHtml(title)}</h1>
<p>Generated ${escapeHtml(new Date().toISOString())}; the numbers are in the JSON file of the same name.</p>
${body}
</body></html>
`;
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  return file;
}
