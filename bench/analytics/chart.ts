/** The charts of bench:analytics: per question, kit/DuckDB time ratios and the seconds behind them. */
import { barChart } from '../../lib/charts';
import type { ChartSection } from '../chart-page';
import type { BenchResult } from '../report';

interface Report {
  params: { questions: Array<{ id: string; title: string }> };
  results: BenchResult[];
  goals: Array<{ name: string; value: number; target: string; met: boolean }>;
}

export function analyticsChart(report: Report): ChartSection[] {
  const value = (c: string): number | null => report.results.find((r) => r.case === c)?.value ?? null;
  const ratioOf = (id: string, side: string): number | null =>
    report.results.find((r) => r.case.startsWith(`${id} kit (${side}) / DuckDB`))?.value ?? null;
  const duckBest = (id: string, side: string): number | null => {
    const v = ['columns', 'parquet']
      .map((p) => value(`${id} DuckDB -> polars via ${p} (next to ${side})`))
      .filter((x): x is number => x !== null);
    return v.length ? Math.min(...v) : null;
  };
  const ids = report.params.questions.map((q) => q.id);
  const ratios = ids.flatMap((id) =>
    ['in-process', 'endpoint'].map((side) => ({ question: id, side: `kit ${side}`, ratio: ratioOf(id, side) })),
  );
  const seconds = ids.flatMap((id) => [
    { question: id, engine: 'kit in-process', seconds: value(`${id} kit queryFrame (in-process)`) },
    { question: id, engine: 'kit endpoint', seconds: value(`${id} kit queryFrame (endpoint)`) },
    { question: id, engine: 'DuckDB (best path, in-process round)', seconds: duckBest(id, 'in-process') },
  ]);
  const goals = report.goals
    .map((g) => `${g.name}: ${g.value} (target ${g.target}, ${g.met ? 'met' : 'not met'})`)
    .join('; ');
  return [
    {
      heading: 'kit time / DuckDB time per question (below 1: the kit is faster)',
      text: goals,
      charts: [
        barChart(ratios, {
          x: 'question',
          y: 'ratio',
          series: 'side',
          title: 'kit / DuckDB (median seconds into a polars frame)',
          yTitle: 'ratio',
        }),
      ],
    },
    {
      heading: 'Seconds per question into a nodejs-polars frame',
      charts: [
        barChart(seconds, { x: 'question', y: 'seconds', series: 'engine', title: 'median seconds', yTitle: 's' }),
      ],
    },
  ];
}
