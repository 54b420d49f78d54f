import type { ClickHouseClient } from '@clickhouse/client';
import type { DataFrame } from 'nodejs-polars';
import { queryFrame, queryOne, type QueryParamValues } from '../clickhouse';
import { ObservabilityInputError } from './errors';
import { flushLogs, queryLogSource } from './source';
import { KIT_TAG_PREFIX, OBSERVABILITY_TAG_PREFIX, observabilityTag } from './tags';

/** A point in time: a Date, or milliseconds since the epoch. */
export type TimePoint = Date | number;

export interface QueryLogFilter {
  /** Oldest query to include (default: one hour ago). */
  since?: TimePoint;
  /** Only queries that finished before this time. */
  until?: TimePoint;
  user?: string;
  /** Exact `log_comment`. */
  logComment?: string;
  /** `log_comment` prefix, e.g. `kit:` for everything the kit tagged. */
  logCommentPrefix?: string;
  queryId?: string | ReadonlyArray<string>;
  /** Query kinds as the log names them: `Select`, `Insert`, `Create`, `Alter`, `Drop`, `System`, ... (`Other` for the rest). */
  kinds?: ReadonlyArray<string>;
  /** Only failed queries. */
  errorsOnly?: boolean;
  /** Include this module's own reads (tagged `kit:observability:`), left out by default. */
  includeObservability?: boolean;
  /** Flush the logs before reading (default true), so the latest queries are there. */
  flush?: boolean;
}

export interface ListOptions {
  /** Most rows returned (default 200). */
  limit?: number;
}

export interface LatencyOptions {
  /** Width of a time bucket in seconds (default: at most ~120 buckets over the span of the matching queries). */
  bucketSeconds?: number;
}

const HOUR_MS = 3_600_000;
const DEFAULT_LIMIT = 200;

/** The expressions every view shares; both logs have these columns. */
const KIND = `if(query_kind = '', 'Other', toString(query_kind))`;
const FAILED = `(type != 'QueryFinish' OR exception_code != 0)`;
/** The SQL on one line, cut at 300 characters. */
const QUERY_EXCERPT = `substring(trim(replaceRegexpAll(query, '\\\\s+', ' ')), 1, 300)`;
const ERROR_NAME = `if(exception_code = 0, '', errorCodeToName(exception_code))`;

interface Prepared {
  from: string;
  where: string;
  params: QueryParamValues;
  sinceMs: number;
  untilMs: number;
}

function toMillis(t: TimePoint, what: string): number {
  const ms = t instanceof Date ? t.getTime() : t;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new ObservabilityInputError(`${what} must be a Date or milliseconds since the epoch, got ${String(t)}.`);
  }
  return Math.round(ms);
}

function checkLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(n) || n < 1)
    throw new ObservabilityInputError(`limit must be a whole number >= 1, got ${String(limit)}.`);
  return n;
}

/** Flushes (unless told not to), finds the log and turns the filter into bound WHERE clauses. */
async function prepare(client: ClickHouseClient, filter: QueryLogFilter): Promise<Prepared> {
  const sinceMs = filter.since === undefined ? Date.now() - HOUR_MS : toMillis(filter.since, 'since');
  const untilMs = filter.until === undefined ? 0 : toMillis(filter.until, 'until');
  if (untilMs && untilMs <= sinceMs) throw new ObservabilityInputError('until must be later than since.');
  if (filter.flush !== false) await flushLogs(client);
  const source = await queryLogSource(client);

  const clauses = [
    `type != 'QueryStart'`,
    `is_initial_query`,
    `event_date >= toDate(fromUnixTimestamp64Milli({since_ms:Int64}))`,
    `event_time_microseconds >= fromUnixTimestamp64Milli({since_ms:Int64})`,
  ];
  const params: QueryParamValues = { since_ms: sinceMs };
  if (untilMs) {
    clauses.push(`event_time_microseconds < fromUnixTimestamp64Milli({until_ms:Int64})`);
    params.until_ms = untilMs;
  }
  if (filter.user !== undefined) {
    clauses.push(`user = {user:String}`);
    params.user = filter.user;
  }
  if (filter.logComment !== undefined) {
    clauses.push(`log_comment = {log_comment:String}`);
    params.log_comment = filter.logComment;
  }
  if (filter.logCommentPrefix !== undefined) {
    clauses.push(`startsWith(log_comment, {log_comment_prefix:String})`);
    params.log_comment_prefix = filter.logCommentPrefix;
  }
  if (filter.queryId !== undefined) {
    const ids = typeof filter.queryId === 'string' ? [filter.queryId] : [...filter.queryId];
    clauses.push(`query_id IN {query_ids:Array(String)}`);
    params.query_ids = ids;
  }
  if (filter.kinds !== undefined) {
    clauses.push(`${KIND} IN {kinds:Array(String)}`);
    params.kinds = [...filter.kinds];
  }
  if (filter.errorsOnly) clauses.push(FAILED);
  if (!filter.includeObservability) {
    clauses.push(`NOT startsWith(log_comment, {own_prefix:String})`);
    params.own_prefix = OBSERVABILITY_TAG_PREFIX;
  }
  return { from: source.table, where: clauses.join('\n  AND '), params, sinceMs, untilMs };
}

/**
 * Recent queries, newest first: time, id, kind, status, duration, rows and bytes read /
 * written / returned, error code and name, user, `log_comment` and the start of the SQL.
 */
export async function recentQueries(
  client: ClickHouseClient,
  filter: QueryLogFilter = {},
  options: ListOptions = {},
): Promise<DataFrame> {
  const limit = checkLimit(options.limit);
  const p = await prepare(client, filter);
  return queryFrame(
    client,
    `SELECT
       event_time_microseconds AS event_time,
       query_id,
       ${KIND} AS kind,
       if(${FAILED}, 'error', 'ok') AS status,
       query_duration_ms AS duration_ms,
       read_rows, read_bytes, written_rows, written_bytes, result_rows, result_bytes,
       exception_code, ${ERROR_NAME} AS error_name,
       user, log_comment,
       ${QUERY_EXCERPT} AS query
     FROM ${p.from}
     WHERE ${p.where}
     ORDER BY event_time DESC
     LIMIT {limit:UInt32}`,
    { ...p.params, limit },
    { logComment: observabilityTag('recent-queries') },
  );
}

/**
 * Per query kind: how many, how many failed, p50 / p95 / p99 / max latency (ms), and rows and
 * bytes read, written and returned.
 */
export async function queryStatsByKind(client: ClickHouseClient, filter: QueryLogFilter = {}): Promise<DataFrame> {
  const p = await prepare(client, filter);
  return queryFrame(
    client,
    `SELECT
       ${KIND} AS kind,
       count() AS queries,
       countIf(${FAILED}) AS errors,
       quantileExact(0.5)(query_duration_ms) AS p50_ms,
       quantileExact(0.95)(query_duration_ms) AS p95_ms,
       quantileExact(0.99)(query_duration_ms) AS p99_ms,
       max(query_duration_ms) AS max_ms,
       sum(read_rows) AS read_rows,
       sum(read_bytes) AS read_bytes,
       sum(written_rows) AS written_rows,
       sum(written_bytes) AS written_bytes,
       sum(result_rows) AS result_rows
     FROM ${p.from}
     WHERE ${p.where}
     GROUP BY kind
     ORDER BY queries DESC, kind`,
    p.params,
    { logComment: observabilityTag('stats-by-kind') },
  );
}

/** Nice bucket widths (seconds) for time series. */
const BUCKETS = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 86_400];

export function bucketFor(rangeMs: number): number {
  return BUCKETS.find((b) => rangeMs / 1000 / b <= 120) ?? 86_400;
}

/** Time between the first and the last matching query (at least a minute). */
async function spanMs(client: ClickHouseClient, p: Prepared): Promise<number> {
  const row = await queryOne<{ span: string }>(
    client,
    `SELECT dateDiff('millisecond', min(event_time_microseconds), max(event_time_microseconds)) AS span FROM ${p.from} WHERE ${p.where}`,
    p.params,
    { logComment: observabilityTag('latency-span') },
  );
  return Math.max(60_000, Number(row?.span ?? 0));
}

/**
 * Latency over time: per time bucket and kind, the number of queries and p50 / p95 / max (ms).
 * Buckets default to a width giving at most ~120 of them over the span the matching queries cover.
 */
export async function latencyOverTime(
  client: ClickHouseClient,
  filter: QueryLogFilter = {},
  options: LatencyOptions = {},
): Promise<DataFrame> {
  const p = await prepare(client, filter);
  const bucket = options.bucketSeconds ?? bucketFor(await spanMs(client, p));
  if (!Number.isInteger(bucket) || bucket < 1)
    throw new ObservabilityInputError(
      `bucketSeconds must be a whole number >= 1, got ${String(options.bucketSeconds)}.`,
    );
  return queryFrame(
    client,
    `SELECT
       toStartOfInterval(event_time, INTERVAL {bucket:UInt32} SECOND) AS bucket,
       ${KIND} AS kind,
       count() AS queries,
       quantileExact(0.5)(query_duration_ms) AS p50_ms,
       quantileExact(0.95)(query_duration_ms) AS p95_ms,
       max(query_duration_ms) AS max_ms
     FROM ${p.from}
     WHERE ${p.where}
     GROUP BY bucket, kind
     ORDER BY bucket, kind`,
    { ...p.params, bucket },
    { logComment: observabilityTag('latency-over-time') },
  );
}

/** Failed queries, newest first, with ClickHouse's error code and name and the message. */
export async function queryErrors(
  client: ClickHouseClient,
  filter: QueryLogFilter = {},
  options: ListOptions = {},
): Promise<DataFrame> {
  const limit = checkLimit(options.limit);
  const p = await prepare(client, { ...filter, errorsOnly: true });
  return queryFrame(
    client,
    `SELECT
       event_time_microseconds AS event_time,
       query_id,
       ${KIND} AS kind,
       exception_code,
       ${ERROR_NAME} AS error_name,
       substring(${errorMessage('exception')}, 1, 500) AS message,
       user, log_comment,
       ${QUERY_EXCERPT} AS query
     FROM ${p.from}
     WHERE ${p.where}
     ORDER BY event_time DESC
     LIMIT {limit:UInt32}`,
    { ...p.params, limit },
    { logComment: observabilityTag('query-errors') },
  );
}

/** Failed queries counted by error code: code, name, how many, when last, one example message. */
export async function errorsByCode(client: ClickHouseClient, filter: QueryLogFilter = {}): Promise<DataFrame> {
  const p = await prepare(client, { ...filter, errorsOnly: true });
  return queryFrame(
    client,
    `SELECT
       exception_code,
       ${ERROR_NAME} AS error_name,
       count() AS queries,
       max(event_time_microseconds) AS last_seen,
       substring(argMax(${errorMessage('exception')}, event_time_microseconds), 1, 300) AS last_message
     FROM ${p.from}
     WHERE ${p.where}
     GROUP BY exception_code
     ORDER BY queries DESC, exception_code`,
    p.params,
    { logComment: observabilityTag('errors-by-code') },
  );
}

/** The message of `Code: N. DB::Exception: message (NAME) (version ...)` on one line. */
function errorMessage(column: string): string {
  return `trim(replaceRegexpAll(replaceRegexpOne(replaceRegexpOne(${column}, '^Code: \\\\d+\\\\. (DB::Exception: )?', ''), '\\\\s*\\\\([A-Z][A-Z0-9_]+\\\\)( \\\\(version [^)]*\\\\))?\\\\.?\\\\s*$', ''), '\\\\s+', ' '))`;
}

export interface KitActivityOptions extends ListOptions {
  since?: TimePoint;
  until?: TimePoint;
  /** Include the observability helpers' own reads (default false). */
  includeObservability?: boolean;
  flush?: boolean;
}

/**
 * What the kit itself did: queries tagged `kit:<area>:<operation>` (bootstrap, CRUD, lake,
 * vectors, ...), newest first, with area and operation split out, status, duration and the
 * rows read, written and returned. Queries a user runs through the query helpers carry the
 * plain `kit` tag and are not kit activity.
 */
export async function kitActivity(client: ClickHouseClient, options: KitActivityOptions = {}): Promise<DataFrame> {
  const limit = checkLimit(options.limit);
  const filter: QueryLogFilter = { logCommentPrefix: KIT_TAG_PREFIX };
  if (options.since !== undefined) filter.since = options.since;
  if (options.until !== undefined) filter.until = options.until;
  if (options.includeObservability !== undefined) filter.includeObservability = options.includeObservability;
  if (options.flush !== undefined) filter.flush = options.flush;
  const p = await prepare(client, filter);
  return queryFrame(
    client,
    `SELECT
       event_time_microseconds AS event_time,
       splitByChar(':', log_comment) AS tag_parts,
       tag_parts[2] AS area,
       arrayStringConcat(arraySlice(tag_parts, 3), ':') AS operation,
       ${KIND} AS kind,
       if(${FAILED}, 'error', 'ok') AS status,
       query_duration_ms AS duration_ms,
       read_rows, written_rows, result_rows,
       ${ERROR_NAME} AS error_name,
       query_id,
       ${QUERY_EXCERPT} AS query
     FROM ${p.from}
     WHERE ${p.where}
     ORDER BY event_time DESC
     LIMIT {limit:UInt32}`,
    { ...p.params, limit },
    { logComment: observabilityTag('kit-activity') },
  ).then((df) => df.drop('tag_parts'));
}

/**
 * The kit's activity per area and operation: how many queries, how many failed, rows written
 * and returned, total time, last run. Same window and options as {@link kitActivity}.
 */
export async function kitActivitySummary(
  client: ClickHouseClient,
  options: Omit<KitActivityOptions, 'limit'> = {},
): Promise<DataFrame> {
  const filter: QueryLogFilter = { logCommentPrefix: KIT_TAG_PREFIX };
  if (options.since !== undefined) filter.since = options.since;
  if (options.until !== undefined) filter.until = options.until;
  if (options.includeObservability !== undefined) filter.includeObservability = options.includeObservability;
  if (options.flush !== undefined) filter.flush = options.flush;
  const p = await prepare(client, filter);
  return queryFrame(
    client,
    `SELECT
       splitByChar(':', log_comment) AS tag_parts,
       tag_parts[2] AS area,
       arrayStringConcat(arraySlice(tag_parts, 3), ':') AS operation,
       count() AS queries,
       countIf(${FAILED}) AS errors,
       sum(written_rows) AS written_rows,
       sum(result_rows) AS result_rows,
       sum(query_duration_ms) AS total_ms,
       max(event_time_microseconds) AS last_run
     FROM ${p.from}
     WHERE ${p.where}
     GROUP BY tag_parts
     ORDER BY area, operation`,
    p.params,
    { logComment: observabilityTag('kit-activity-summary') },
  ).then((df) => df.drop('tag_parts'));
}
