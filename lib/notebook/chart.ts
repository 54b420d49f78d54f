import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findProjectRoot } from '../config';
import type { PlotlySpec } from '../charts';
import { randomDomId, scriptJson } from './html';
import { kernelDisplay } from './kernel';
import { makeRedactor, type Redactor } from './redact';

/** plotly.js could not be found or read (it is the npm package `plotly.js-dist-min`). */
export class PlotlyNotFoundError extends Error {
  override readonly name = 'PlotlyNotFoundError';
}

// On globalThis, not in module state: tslab re-evaluates imported files when a later cell
// imports them again, and the kernel (one browser page / one executed notebook) must still
// inline plotly.js only once.
const INLINED = Symbol.for('clickhouse-notebook-kit.plotly-inlined');

interface InlineState {
  [INLINED]?: boolean;
}

/** The plotly.js bundle (about 4.7 MB), read from the project's node_modules. */
export function plotlySource(): string {
  const root = findProjectRoot();
  let file: string;
  try {
    file = createRequire(join(root, 'package.json')).resolve('plotly.js-dist-min');
  } catch {
    throw new PlotlyNotFoundError(
      `plotly.js-dist-min is not installed under ${root}; run \`npm install\` in the project root.`,
    );
  }
  return readFileSync(file, 'utf8');
}

/** An output that loads plotly.js into the page (window.Plotly). */
export function plotlyLoaderHtml(source: string = plotlySource()): string {
  return `<script data-kit="plotly-loader">${source.replace(/<\/script/gi, '<\\/script')}</script>`;
}

/**
 * The chart as an HTML fragment: a div and a script that draws it once `window.Plotly`
 * exists (the loader output may be rendered after this one). String values are redacted.
 */
export function renderChartHtml(spec: PlotlySpec, redact: Redactor = makeRedactor()): string {
  const id = randomDomId('kit-chart');
  const height = typeof spec.layout.height === 'number' ? spec.layout.height : 420;
  const figure = scriptJson(redactStrings(spec, redact));
  return `<div data-kit="chart" id="${id}" style="width:100%;min-height:${height}px"></div>
<script>
(function () {
  var me = document.currentScript, id = ${JSON.stringify(id)}, fig = ${figure}, tries = 0;
  function target() {
    var prev = me && me.previousElementSibling;
    return prev && prev.id === id ? prev : document.getElementById(id);
  }
  function draw() {
    var el = target();
    if (el && window.Plotly) { window.Plotly.newPlot(el, fig.data, fig.layout, fig.config || {}); return; }
    if (++tries > 600) {
      if (el) el.textContent = 'plotly.js is not loaded on this page: run the notebook from the top (Kernel > Restart Kernel and Run All Cells).';
      return;
    }
    setTimeout(draw, 50);
  }
  draw();
})();
</script>`;
}

export interface ShowChartOptions {
  /** Inline plotly.js even if this kernel already did (e.g. after the cell that loaded it was cleared). */
  reloadPlotly?: boolean;
}

/**
 * Shows a plotly chart (see lib/charts for spec builders). plotly.js is inlined with the first
 * chart of a kernel only, so an executed notebook carries it once. Outside a notebook it prints
 * a one-line summary instead.
 */
export function showChart(spec: PlotlySpec, options: ShowChartOptions = {}): void {
  const display = kernelDisplay();
  if (!display) {
    const title = typeof spec.layout.title?.text === 'string' ? spec.layout.title.text : 'chart';
    console.log(`[${title}: ${spec.data.length} trace(s); charts render in notebooks]`);
    return;
  }
  const state = globalThis as InlineState;
  if (!state[INLINED] || options.reloadPlotly) {
    display.html(plotlyLoaderHtml());
    state[INLINED] = true;
  }
  display.html(renderChartHtml(spec));
}

function redactStrings<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactStrings(v, redact)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactStrings(v, redact);
    return out as T;
  }
  return value;
}
