import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import {
  bucketFor,
  bytesReadByKindChart,
  latencyChart,
  partsPerTableChart,
  tableSizesByDiskChart,
} from '../../lib/observability';

describe('observability charts', () => {
  it('stacks table sizes by storage and keeps equal table names in two databases apart', () => {
    const rows = [
      { database: 'warehouse', table: 'docs', disk: 'default', storage: 'local', bytes_on_disk: 100 },
      { database: 'lake', table: 'docs', disk: 's3_cache', storage: 's3', bytes_on_disk: 300 },
      { database: 'warehouse', table: 'events', disk: 's3_cache', storage: 's3', bytes_on_disk: 50 },
    ];
    const spec = tableSizesByDiskChart(rows);
    expect(spec.layout.barmode).toBe('stack');
    const byName = new Map(spec.data.map((t) => [t.name, t] as const));
    expect([...byName.keys()]).toEqual(['local', 's3']);
    expect(byName.get('local')!.x).toEqual(['warehouse.docs']);
    expect(byName.get('s3')!.x).toEqual(['lake.docs', 'warehouse.events']);
    expect(byName.get('s3')!.y).toEqual([300, 50]);
  });

  it('draws parts per table horizontally, one trace per measure', () => {
    const spec = partsPerTableChart([{ database: 'd', table: 't', active_parts: 6, max_parts_in_partition: 3 }]);
    expect(spec.data.map((t) => [t.name, t.orientation, t.x, t.y])).toEqual([
      ['active_parts', 'h', [6], ['d.t']],
      ['max_parts_in_partition', 'h', [3], ['d.t']],
    ]);
  });

  it('says "no data yet" on an empty frame instead of failing', () => {
    const empty = pl.DataFrame({
      database: [] as string[],
      table: [] as string[],
      storage: [] as string[],
      bytes_on_disk: [] as number[],
    });
    const spec = tableSizesByDiskChart(empty);
    expect(spec.data).toEqual([]);
    expect(JSON.stringify(spec.layout.annotations)).toContain('no data yet');
    const stats = pl.DataFrame({ kind: ['Select'], read_bytes: [10] });
    expect(bytesReadByKindChart(stats).layout.annotations).toBeUndefined();
  });

  it('plots latency per kind over time', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const t1 = new Date('2026-01-01T00:01:00Z');
    const spec = latencyChart([
      { bucket: t0, kind: 'Select', p95_ms: 3 },
      { bucket: t1, kind: 'Select', p95_ms: 5 },
      { bucket: t0, kind: 'Insert', p95_ms: 9 },
    ]);
    expect(spec.data.map((t) => [t.name, t.x, t.y])).toEqual([
      ['Select', [t0.toISOString(), t1.toISOString()], [3, 5]],
      ['Insert', [t0.toISOString()], [9]],
    ]);
  });

  it('sizes latency buckets to at most ~120 per span', () => {
    expect(bucketFor(60_000)).toBe(1);
    expect(bucketFor(10 * 60_000)).toBe(5);
    expect(bucketFor(24 * 3600_000)).toBe(1800);
    expect(bucketFor(400 * 24 * 3600_000)).toBe(86_400);
  });
});
