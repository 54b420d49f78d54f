/** The charts of bench:vectors: recall@10 against p50 latency per size, one line per engine build. */
import { barChart, lineChart } from '../../lib/charts';
import type { ChartSection } from '../chart-page';

export interface VectorCase {
  size: string;
  engine: 'kit' | 'LanceDB';
  build: string;
  search: string;
  recall: number;
  p50: number;
  p95: number;
  buildSeconds: number;
  bytesOnDisk: number;
  exactP50?: number;
}

export function vectorsChart(
  cases: readonly VectorCase[],
  fixed: ReadonlyArray<{ size: string; engine: string; p50: number }>,
  goals: ReadonlyArray<Record<string, unknown>>,
  floors: ReadonlyArray<{ size: string; label: string; p50: number }> = [],
): ChartSection[] {
  const sizes = [...new Set(cases.map((c) => c.size))];
  const goalText = goals
    .map((g) => `${String(g.name)}: ${String(g.value)} (target ${String(g.target)}, ${g.met ? 'met' : 'not met'})`)
    .join('; ');
  return [
    {
      heading: 'Recall@10 against p50 latency (up and to the left is better)',
      text: goalText,
      charts: sizes.map((size) =>
        lineChart(
          cases
            .filter((c) => c.size === size)
            .map((c) => ({
              p50_ms: Number(c.p50.toFixed(3)),
              recall: Number(c.recall.toFixed(3)),
              build: `${c.engine}: ${c.build}`,
              search: c.search,
            })),
          {
            x: 'p50_ms',
            y: 'recall',
            series: 'build',
            markers: true,
            title: `${size}: recall@10 vs p50 per query`,
            xTitle: 'p50 latency (ms)',
            yTitle: 'recall@10',
          },
        ),
      ),
    },
    {
      heading: 'Fixed cost: primary-key point lookup p50 on the same table',
      charts: [
        barChart(
          fixed.map((f) => ({ size: f.size, engine: f.engine, p50_ms: Number(f.p50.toFixed(3)) })),
          { x: 'size', y: 'p50_ms', series: 'engine', title: 'point lookup p50 (ms)', yTitle: 'ms' },
        ),
      ],
    },
    {
      heading: "Where a kit search's time goes: the engine alone vs the kit, same table, same minute",
      charts: [
        barChart(
          floors.map((f) => ({ size: f.size, step: f.label, p50_ms: Number(f.p50.toFixed(3)) })),
          { x: 'step', y: 'p50_ms', series: 'size', title: 'p50 (ms)', yTitle: 'ms' },
        ),
      ],
    },
  ];
}
