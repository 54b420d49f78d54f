import { barChart, headRecords, lineChart, rowCount, type PlotlySpec, type Row, type TabularInput } from '../charts';

/**
 * Chart specs for the observability frames (pure: they only read the frames). Each takes the
 * frame of the helper named in its comment.
 */

/** p95 latency per query kind over time, from {@link latencyOverTime}. */
export function latencyChart(frame: TabularInput, options: { percentile?: 'p50_ms' | 'p95_ms' | 'max_ms'; title?: string } = {}): PlotlySpec {
  const y = options.percentile ?? 'p95_ms';
  return lineChart(frame, {
    x: 'bucket',
    y,
    series: 'kind',
    markers: true,
    title: options.title ?? `Query latency over time (${y.replace('_ms', '')}, ms)`,
    xTitle: 'time',
    yTitle: `${y.replace('_ms', '')} latency (ms)`,
  });
}

/** Bytes read per query kind, from {@link queryStatsByKind}. */
export function bytesReadByKindChart(frame: TabularInput, options: { title?: string } = {}): PlotlySpec {
  return barChart(frame, { x: 'kind', y: 'read_bytes', title: options.title ?? 'Bytes read per query kind', xTitle: 'query kind', yTitle: 'bytes read' });
}

/** Rows with `label` = `database.table`, so equal table names in two databases stay apart. */
function withTableLabels(frame: TabularInput): Row[] {
  return headRecords(frame, rowCount(frame)).map((r) => ({ ...r, label: `${String(r.database)}.${String(r.table)}` }));
}

/** Bytes on disk per table, stacked by storage (local vs S3), from {@link tableSizesByDisk}. */
export function tableSizesByDiskChart(frame: TabularInput, options: { title?: string } = {}): PlotlySpec {
  return barChart(withTableLabels(frame), {
    x: 'label',
    y: 'bytes_on_disk',
    series: 'storage',
    barmode: 'stack',
    title: options.title ?? 'Table sizes by storage (local vs S3)',
    xTitle: 'table',
    yTitle: 'bytes on disk',
  });
}

/** Active parts per table, from {@link partsPerTable}. */
export function partsPerTableChart(frame: TabularInput, options: { title?: string } = {}): PlotlySpec {
  return barChart(withTableLabels(frame), {
    x: 'label',
    y: ['active_parts', 'max_parts_in_partition'],
    orientation: 'h',
    title: options.title ?? 'Parts per table',
    xTitle: 'parts',
    yTitle: 'table',
  });
}
