/**
 * Plotly figure specs as plain data: what `Plotly.newPlot(el, data, layout, config)` takes.
 * Only the fields the kit's builders set are typed; the index signatures leave room for the
 * rest of plotly's options without pulling in its (large) type package.
 */

export type PlotValue = number | string | boolean | null;

export interface PlotlyTrace {
  type: 'bar' | 'scatter' | 'histogram' | (string & {});
  name?: string;
  x?: PlotValue[];
  y?: PlotValue[];
  mode?: string;
  orientation?: 'v' | 'h';
  [option: string]: unknown;
}

export interface PlotlyLayout {
  title?: { text: string };
  xaxis?: { title?: { text: string }; [option: string]: unknown };
  yaxis?: { title?: { text: string }; [option: string]: unknown };
  barmode?: 'group' | 'stack' | 'overlay' | 'relative';
  showlegend?: boolean;
  height?: number;
  [option: string]: unknown;
}

export interface PlotlyConfig {
  responsive?: boolean;
  displaylogo?: boolean;
  [option: string]: unknown;
}

export interface PlotlySpec {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
  config?: PlotlyConfig;
}

/** Options a chart builder was given that cannot make a chart. */
export class ChartSpecError extends Error {
  override readonly name = 'ChartSpecError';
}
