/**
 * The embedded engine (clickhouse-local inside chDB) never initialises ClickHouse's system logs,
 * so `system.query_log` does not exist there. The kit's engine host writes an equivalent log with
 * the same column names and meanings into `_kit.query_log`, and the observability helpers read
 * whichever of the two exists.
 */
export const KIT_DATABASE = '_kit';
export const KIT_QUERY_LOG = 'query_log';

export const QUERY_LOG_DDL = `CREATE TABLE IF NOT EXISTS ${KIT_DATABASE}.${KIT_QUERY_LOG}
(
    event_date Date DEFAULT toDate(event_time),
    event_time DateTime,
    event_time_microseconds DateTime64(6),
    query_start_time DateTime,
    query_start_time_microseconds DateTime64(6),
    query_duration_ms UInt64,
    type Enum8('QueryStart' = 1, 'QueryFinish' = 2, 'ExceptionBeforeStart' = 3, 'ExceptionWhileProcessing' = 4),
    query_kind LowCardinality(String),
    query_id String,
    query String,
    normalized_query_hash UInt64 DEFAULT normalizedQueryHash(query),
    current_database LowCardinality(String),
    user LowCardinality(String),
    read_rows UInt64,
    read_bytes UInt64,
    written_rows UInt64,
    written_bytes UInt64,
    result_rows UInt64,
    result_bytes UInt64,
    exception_code Int32,
    exception String,
    log_comment String,
    http_user_agent LowCardinality(String),
    interface LowCardinality(String),
    is_initial_query UInt8 DEFAULT 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_date)
ORDER BY (event_date, event_time)
TTL event_date + INTERVAL 30 DAY`;

export interface QueryLogEntry {
  event_time: string;
  event_time_microseconds: string;
  query_start_time: string;
  query_start_time_microseconds: string;
  query_duration_ms: number;
  type: 'QueryFinish' | 'ExceptionBeforeStart' | 'ExceptionWhileProcessing';
  query_kind: string;
  query_id: string;
  query: string;
  current_database: string;
  user: string;
  read_rows: number;
  read_bytes: number;
  written_rows: number;
  written_bytes: number;
  result_rows: number;
  result_bytes: number;
  exception_code: number;
  exception: string;
  log_comment: string;
  http_user_agent: string;
  interface: string;
}

/** `YYYY-MM-DD hh:mm:ss.ffffff` in UTC, the form DateTime64(6) parses in JSONEachRow. */
export function microsTimestamp(ms: number): string {
  const d = new Date(ms);
  const frac = String(Math.floor((ms % 1000) * 1000)).padStart(6, '0');
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${frac}`;
}

export function secondsTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
