import { ChartSpecError, type PlotlyLayout, type PlotlySpec, type PlotlyTrace } from './spec';
import { columnValues, type TabularInput } from './tabular';
import { plotlyText, seriesKey, toNumericValue, toPlotValue } from './values';

export interface CommonChartOptions {
  title?: string;
  /** Axis titles; default: the column names. */
  xTitle?: string;
  yTitle?: string;
  /** Figure height in pixels (default 420). */
  height?: number;
}

export interface XYChartOptions extends CommonChartOptions {
  x: string;
  /** One column, or several (one trace each). */
  y: string | string[];
  /** Column whose values split the rows into one trace per value (only with a single `y`). */
  series?: string;
}

export interface BarChartOptions extends XYChartOptions {
  /** `h` draws horizontal bars: categories on the vertical axis. */
  orientation?: 'v' | 'h';
  barmode?: 'group' | 'stack';
}

export interface LineChartOptions extends XYChartOptions {
  /** Draw a marker on every point too. */
  markers?: boolean;
}

export interface ScatterChartOptions extends Omit<XYChartOptions, 'y'> {
  y: string;
  /** Column shown on hover. */
  text?: string;
}

export interface HistogramOptions extends CommonChartOptions {
  x: string;
  /** Upper bound on the number of bins (plotly picks nice bin edges). */
  bins?: number;
  series?: string;
}

const DEFAULT_HEIGHT = 420;

export function barChart(input: TabularInput, options: BarChartOptions): PlotlySpec {
  const horizontal = options.orientation === 'h';
  const traces = xyTraces(input, options, { type: 'bar' }).map((t) =>
    horizontal ? { ...t, x: t.y, y: t.x, orientation: 'h' as const } : t,
  );
  const layout = baseLayout(options, yColumns(options).join(', '));
  if (horizontal) [layout.xaxis, layout.yaxis] = [layout.yaxis, layout.xaxis];
  layout.barmode = options.barmode ?? 'group';
  return { data: traces, layout, config: defaultConfig() };
}

export function lineChart(input: TabularInput, options: LineChartOptions): PlotlySpec {
  const traces = xyTraces(input, options, { type: 'scatter', mode: options.markers ? 'lines+markers' : 'lines' });
  return { data: traces, layout: baseLayout(options, yColumns(options).join(', ')), config: defaultConfig() };
}

export function scatterChart(input: TabularInput, options: ScatterChartOptions): PlotlySpec {
  const text = options.text === undefined ? undefined : columnValues(input, options.text).map(toPlotValue);
  const traces = xyTraces(input, options, { type: 'scatter', mode: 'markers' }, text, true);
  return { data: traces, layout: baseLayout(options, options.y), config: defaultConfig() };
}

export function histogram(input: TabularInput, options: HistogramOptions): PlotlySpec {
  if (options.bins !== undefined && (!Number.isInteger(options.bins) || options.bins < 1)) {
    throw new ChartSpecError(`bins must be a positive whole number, got ${String(options.bins)}.`);
  }
  const xs = columnValues(input, options.x).map(toNumericValue);
  const base: PlotlyTrace = { type: 'histogram', ...(options.bins ? { nbinsx: options.bins } : {}) };
  const traces =
    options.series === undefined
      ? [{ ...base, name: plotlyText(options.x), x: xs }]
      : splitBySeries(columnValues(input, options.series)).map(([name, idx]) => ({
          ...base,
          name,
          x: idx.map((i) => xs[i] ?? null),
          opacity: 0.6,
        }));
  const layout = baseLayout(options, 'count');
  if (options.series !== undefined) layout.barmode = 'overlay';
  return { data: traces, layout, config: defaultConfig() };
}

function yColumns(options: { y: string | string[] }): string[] {
  const ys = Array.isArray(options.y) ? options.y : [options.y];
  if (ys.length === 0) throw new ChartSpecError('y names no column; give one column name or a list of them.');
  return ys;
}

function xyTraces(
  input: TabularInput,
  options: { x: string; y: string | string[]; series?: string },
  base: PlotlyTrace,
  text?: ReturnType<typeof toPlotValue>[],
  numericX = false,
): PlotlyTrace[] {
  const ys = yColumns(options);
  if (options.series !== undefined && ys.length > 1) {
    throw new ChartSpecError(
      `series splits one y column into traces; got ${ys.length} y columns (${ys.join(', ')}). Use one of the two.`,
    );
  }
  const xs = columnValues(input, options.x).map(numericX ? toNumericValue : toPlotValue);
  const withText = (t: PlotlyTrace, idx?: number[]): PlotlyTrace =>
    text === undefined ? t : { ...t, text: idx ? idx.map((i) => text[i] ?? null) : text };
  if (options.series === undefined) {
    return ys.map((y) =>
      withText({ ...base, name: plotlyText(y), x: xs, y: columnValues(input, y).map(toNumericValue) }),
    );
  }
  const values = columnValues(input, ys[0]!).map(toNumericValue);
  return splitBySeries(columnValues(input, options.series)).map(([name, idx]) =>
    withText({ ...base, name, x: idx.map((i) => xs[i] ?? null), y: idx.map((i) => values[i] ?? null) }, idx),
  );
}

/** Row indexes per distinct value, in first-seen order. */
function splitBySeries(values: unknown[]): Array<[string, number[]]> {
  const groups = new Map<string, number[]>();
  values.forEach((v, i) => {
    const key = seriesKey(v);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  return [...groups];
}

function baseLayout(options: CommonChartOptions & { x: string }, yTitle: string): PlotlyLayout {
  if (options.height !== undefined && (!Number.isFinite(options.height) || options.height < 50)) {
    throw new ChartSpecError(`height must be a number of pixels (at least 50), got ${String(options.height)}.`);
  }
  return {
    ...(options.title ? { title: { text: options.title } } : {}),
    // Titles given in options may use plotly's markup; ones taken from column names are text.
    xaxis: { title: { text: options.xTitle ?? plotlyText(options.x) } },
    yaxis: { title: { text: options.yTitle ?? plotlyText(yTitle) } },
    height: options.height ?? DEFAULT_HEIGHT,
    margin: { t: options.title ? 50 : 20, r: 20, b: 50, l: 60 },
  };
}

function defaultConfig(): PlotlySpec['config'] {
  return { responsive: true, displaylogo: false };
}
