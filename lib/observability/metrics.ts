import type { ClickHouseClient } from '@clickhouse/client';
import type { DataFrame } from 'nodejs-polars';
import { queryFrame } from '../clickhouse';
import { hasSystemTable } from './source';
import { observabilityTag } from './tags';

/** The figures worth a glance, by topic. `source` is the system table the value comes from. */
interface KeyFigure {
  category: 'memory' | 'connections' | 'queries' | 'inserts' | 'merges' | 'mutations' | 's3' | 'cache';
  source: 'metrics' | 'events' | 'asynchronous_metrics';
  name: string;
  unit: 'bytes' | 'count' | 'ms';
}

const KEY_FIGURES: ReadonlyArray<KeyFigure> = [
  { category: 'memory', source: 'metrics', name: 'MemoryTracking', unit: 'bytes' },
  { category: 'memory', source: 'asynchronous_metrics', name: 'MemoryResident', unit: 'bytes' },
  { category: 'memory', source: 'asynchronous_metrics', name: 'OSMemoryAvailable', unit: 'bytes' },
  { category: 'memory', source: 'asynchronous_metrics', name: 'OSMemoryTotal', unit: 'bytes' },
  { category: 'connections', source: 'metrics', name: 'TCPConnection', unit: 'count' },
  { category: 'connections', source: 'metrics', name: 'HTTPConnection', unit: 'count' },
  { category: 'connections', source: 'metrics', name: 'MySQLConnection', unit: 'count' },
  { category: 'connections', source: 'metrics', name: 'PostgreSQLConnection', unit: 'count' },
  { category: 'connections', source: 'metrics', name: 'InterserverConnection', unit: 'count' },
  { category: 'queries', source: 'metrics', name: 'Query', unit: 'count' },
  { category: 'queries', source: 'events', name: 'Query', unit: 'count' },
  { category: 'queries', source: 'events', name: 'SelectQuery', unit: 'count' },
  { category: 'queries', source: 'events', name: 'InsertQuery', unit: 'count' },
  { category: 'queries', source: 'events', name: 'FailedQuery', unit: 'count' },
  { category: 'inserts', source: 'events', name: 'InsertedRows', unit: 'count' },
  { category: 'inserts', source: 'events', name: 'InsertedBytes', unit: 'bytes' },
  { category: 'merges', source: 'metrics', name: 'Merge', unit: 'count' },
  { category: 'merges', source: 'metrics', name: 'BackgroundMergesAndMutationsPoolTask', unit: 'count' },
  { category: 'merges', source: 'events', name: 'Merge', unit: 'count' },
  { category: 'merges', source: 'events', name: 'MergedRows', unit: 'count' },
  { category: 'merges', source: 'events', name: 'MergedUncompressedBytes', unit: 'bytes' },
  { category: 'merges', source: 'events', name: 'MergesTimeMilliseconds', unit: 'ms' },
  { category: 'mutations', source: 'metrics', name: 'PartMutation', unit: 'count' },
  { category: 's3', source: 'events', name: 'S3ReadRequestsCount', unit: 'count' },
  { category: 's3', source: 'events', name: 'S3WriteRequestsCount', unit: 'count' },
  { category: 's3', source: 'events', name: 'S3ReadRequestsErrors', unit: 'count' },
  { category: 's3', source: 'events', name: 'S3WriteRequestsErrors', unit: 'count' },
  { category: 's3', source: 'events', name: 'DiskS3ReadRequestsCount', unit: 'count' },
  { category: 's3', source: 'events', name: 'DiskS3WriteRequestsCount', unit: 'count' },
  { category: 's3', source: 'events', name: 'ReadBufferFromS3Bytes', unit: 'bytes' },
  { category: 's3', source: 'events', name: 'WriteBufferFromS3Bytes', unit: 'bytes' },
  { category: 'cache', source: 'events', name: 'CachedReadBufferReadFromCacheBytes', unit: 'bytes' },
  { category: 'cache', source: 'events', name: 'CachedReadBufferReadFromSourceBytes', unit: 'bytes' },
];

export const ASYNC_METRICS_NOTE =
  'system.asynchronous_metrics does not exist on the embedded engine (clickhouse-local runs no background metric collection); its figures are left out.';

export interface NameFilter {
  /** SQL LIKE pattern on the name, case-insensitive (e.g. `%S3%`). */
  like?: string;
}

/**
 * Memory, connections, queries, inserts, merges, mutations, S3 requests and bytes, and cache
 * hits at a glance: one row per figure with `category`, `source` (metrics: now; events: since
 * start; asynchronous_metrics: sampled), `name`, `value`, `unit`, `description`. Figures the
 * engine does not have are left out (the embedded engine has no asynchronous metrics).
 */
export async function keyMetrics(client: ClickHouseClient): Promise<DataFrame> {
  const withAsync = await hasSystemTable(client, 'asynchronous_metrics');
  const wanted = KEY_FIGURES.filter((f) => withAsync || f.source !== 'asynchronous_metrics');
  const ids = wanted.map((f) => `${f.source}:${f.name}`);
  const parts = [
    `SELECT 'metrics' AS source, metric AS name, toFloat64(value) AS value, description FROM system.metrics`,
    `SELECT 'events' AS source, event AS name, toFloat64(value) AS value, description FROM system.events`,
  ];
  if (withAsync)
    parts.push(
      `SELECT 'asynchronous_metrics' AS source, metric AS name, toFloat64(value) AS value, description FROM system.asynchronous_metrics`,
    );
  return queryFrame(
    client,
    `SELECT transform(id, {ids:Array(String)}, {categories:Array(String)}, '') AS category, source, name, value,
            transform(id, {ids:Array(String)}, {units:Array(String)}, '') AS unit, description
     FROM (SELECT concat(source, ':', name) AS id, * FROM (${parts.join('\nUNION ALL\n')}))
     WHERE id IN {ids:Array(String)}
     ORDER BY indexOf({ids:Array(String)}, id)
     SETTINGS system_events_show_zero_values = 1`,
    { ids, categories: wanted.map((f) => f.category), units: wanted.map((f) => f.unit) },
    { logComment: observabilityTag('key-metrics') },
  );
}

/** `system.metrics`: what is happening now (running queries, merges, connections, memory). */
export function currentMetrics(client: ClickHouseClient, filter: NameFilter = {}): Promise<DataFrame> {
  return queryFrame(
    client,
    `SELECT metric, value, description FROM system.metrics WHERE {like:String} = '' OR metric ILIKE {like:String} ORDER BY metric`,
    { like: filter.like ?? '' },
    { logComment: observabilityTag('metrics') },
  );
}

/** `system.events`: counters since the server (or the embedded engine) started, zeros left out. */
export function eventCounters(client: ClickHouseClient, filter: NameFilter = {}): Promise<DataFrame> {
  return queryFrame(
    client,
    `SELECT event, value, description FROM system.events WHERE {like:String} = '' OR event ILIKE {like:String} ORDER BY event`,
    { like: filter.like ?? '' },
    { logComment: observabilityTag('events') },
  );
}

/**
 * `system.asynchronous_metrics` (memory, CPU, disks, sampled every second on a server). On the
 * embedded engine the table does not exist: the frame is empty with the same columns; see
 * {@link ASYNC_METRICS_NOTE}.
 */
export async function asynchronousMetrics(client: ClickHouseClient, filter: NameFilter = {}): Promise<DataFrame> {
  const source = (await hasSystemTable(client, 'asynchronous_metrics'))
    ? `SELECT metric, value, description FROM system.asynchronous_metrics`
    : `SELECT '' AS metric, toFloat64(0) AS value, '' AS description WHERE 0`;
  return queryFrame(
    client,
    `SELECT metric, value, description FROM (${source}) WHERE {like:String} = '' OR metric ILIKE {like:String} ORDER BY metric`,
    { like: filter.like ?? '' },
    { logComment: observabilityTag('asynchronous-metrics') },
  );
}
