import { barChart, headRecords, lineChart, rowCount, type PlotlySpec, type Row, type TabularInput } from '../charts';

/**
 * Chart specs for the observability frames (pure: they only read the frames). Each takes the
 * frame of the helper named in its comment.
 */

/** p95 latency per query kind over time, from {@link latencyOverTime}. */
export function latencyChart(
  frame: TabularInput,
  options: { percentile?: 'p50_ms' | 'p95_ms' | 'max_ms'; title?: string } = {},
): PlotlySpec {
  const y = options.percentile ?? 'p95_ms';
  const spec = lineChart(frame, {
    x: 'bucket',
    y,
    series: 'kind',
    markers: true,
    title: options.title ?? `Query latency over time (${y.replace('_ms', '')}, ms)`,
    xTitle: 'time',
    yTitle: `${y.replace('_ms', '')} latency (ms)`,
  });
  return noteWhenEmpty(spec, frame);
}

/** Bytes read per query kind, from {@link queryStatsByKind}. */
export function bytesReadByKindChart(frame: TabularInput, options: { title?: string } = {}): PlotlySpec {
  const spec = barChart(frame, {
    x: 'kind',
    y: 'read_bytes',
    title: options.title ?? 'Bytes read per query kind',
    xTitle: 'query kind',
    yTitle: 'bytes read',
  });
  return noteWhenEmpty(bytesAxis(spec, 'yaxis'), frame);
}

/**
 * The input with a `label` column = `database.table`, so equal table names in two databases
 * stay apart. An empty input is passed through (a frame keeps its columns; rows have none).
 */
function labelled(frame: TabularInput): { input: TabularInput; x: string } {
  if (rowCount(frame) === 0) return { input: frame, x: 'table' };
  const rows: Row[] = headRecords(frame, rowCount(frame)).map((r) => ({
    ...r,
    label: `${String(r.database)}.${String(r.table)}`,
  }));
  return { input: rows, x: 'label' };
}

/** A value axis in bytes: SI-style ticks (4.5kB, 12MB). */
function bytesAxis(spec: PlotlySpec, axis: 'xaxis' | 'yaxis'): PlotlySpec {
  return { ...spec, layout: { ...spec.layout, [axis]: { ...spec.layout[axis], tickformat: '.3~s', ticksuffix: 'B' } } };
}

/** Says "no data yet" on a chart drawn from no rows, instead of an empty grid. */
function noteWhenEmpty(spec: PlotlySpec, input: TabularInput): PlotlySpec {
  if (rowCount(input) > 0) return spec;
  return {
    ...spec,
    layout: {
      ...spec.layout,
      annotations: [
        { text: 'no data yet', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, font: { size: 16 } },
      ],
    },
  };
}

/** Bytes on disk per table, stacked by storage (local vs S3), from {@link tableSizesByDisk}. */
export function tableSizesByDiskChart(frame: TabularInput, options: { title?: string } = {}): PlotlySpec {
  const { input, x } = labelled(frame);
  const spec = barChart(input, {
    x,
    y: 'bytes_on_disk',
    series: 'storage',
    barmode: 'stack',
    title: options.title ?? 'Table sizes by storage (local vs S3)',
    xTitle: 'table',
    yTitle: 'bytes on disk',
  });
  // The legend names the storage even when there is only one kind of it.
  return noteWhenEmpty(bytesAxis({ ...spec, layout: { ...spec.layout, showlegend: true } }, 'yaxis'), frame);
}

/** Active parts per table, from {@link partsPerTable}. */
export function partsPerTableChart(frame: TabularInput, options: { title?: string } = {}): PlotlySpec {
  const { input, x } = labelled(frame);
  const spec = barChart(input, {
    x,
    y: ['active_parts', 'max_parts_in_partition'],
    orientation: 'h',
    title: options.title ?? 'Parts per table',
    // Builder terms: x is the category (drawn vertically here), y the value.
    xTitle: 'table',
    yTitle: 'parts',
  });
  // Room on the left for `database.table` labels.
  return noteWhenEmpty(
    { ...spec, layout: { ...spec.layout, yaxis: { ...spec.layout.yaxis, automargin: true } } },
    frame,
  );
}
