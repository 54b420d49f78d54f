import type { PlotValue } from './spec';

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Plotly reads `<b>`, `<a href>`, `<br>` ... in labels as markup; data is text, so its `&`, `<`
 * and `>` become entities (plotly shows them as the characters again).
 */
export function plotlyText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A cell value as something JSON and plotly understand: 64-bit integers (bigint, or the
 * strings ClickHouse sends them as) stay exact where possible, dates become ISO strings,
 * NaN and missing values become gaps.
 */
export function toPlotValue(value: unknown): PlotValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return plotlyText(value);
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return json === undefined ? null : plotlyText(json);
}

/** Like {@link toPlotValue}, but numeric strings (ClickHouse's 64-bit integers, decimals) become numbers. */
export function toNumericValue(value: unknown): PlotValue {
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value);
  return toPlotValue(value);
}

/** Key for grouping rows into series: the value as text, `null` for missing values. */
export function seriesKey(value: unknown): string {
  const v = toPlotValue(value);
  return v === null ? 'null' : String(v);
}
