/**
 * `system.query_log` for the embedded engine. clickhouse-local (chDB) keeps no system logs; the
 * engine writes every query to `_kit.query_log`, and this view shows it under the server's name
 * with the server's column names and types (src/Interpreters/QueryLog.cpp, getColumnsDescription)
 * for every column the kit can fill. chDB's `system` database is an in-memory one that accepts a
 * view; it is not kept across restarts, so the engine creates it at every start.
 * Not filled (no source in the engine): memory_usage (0), formatted_query and stack_trace ('').
 * `databases` / `tables` are read from the statement text (FROM / JOIN / INTO / TABLE names).
 */
import { KIT_DATABASE, KIT_QUERY_LOG } from './query-log-table';

// One capture for the name, one for a following `(` (a table function, not a table).
const TABLE_NAME = String.raw`(?i)\\b(?:FROM|JOIN|INTO|TABLE|UPDATE)\\s+(\x60[^\x60]+\x60(?:\\.\x60[^\x60]+\x60)?|[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)?)\\s*(\\(?)`;

const TABLES = `arrayDistinct(arrayMap(t -> if(position(t, '.') > 0, t, concat(current_database, '.', t)),
      arrayMap(g -> replaceAll(g[1], '\x60', ''),
        arrayFilter(g -> g[2] = '' AND upper(g[1]) NOT IN ('SELECT', 'WITH', 'FUNCTION', 'INFILE', 'OUTFILE', 'IF'),
          extractAllGroupsVertical(query, '${TABLE_NAME}')))))`;

export const SYSTEM_QUERY_LOG_VIEW = `CREATE OR REPLACE VIEW system.query_log AS
SELECT
    CAST(hostName() AS LowCardinality(String)) AS hostname,
    type,
    event_date,
    event_time,
    event_time_microseconds,
    query_start_time,
    query_start_time_microseconds,
    query_duration_ms,
    read_rows,
    read_bytes,
    written_rows,
    written_bytes,
    result_rows,
    result_bytes,
    toUInt64(0) AS memory_usage,
    CAST(current_database AS LowCardinality(String)) AS current_database,
    query,
    '' AS formatted_query,
    normalized_query_hash,
    CAST(query_kind AS LowCardinality(String)) AS query_kind,
    CAST(arrayDistinct(arrayMap(t -> splitByChar('.', t)[1], tables_)) AS Array(LowCardinality(String))) AS databases,
    CAST(tables_ AS Array(LowCardinality(String))) AS tables,
    exception_code,
    exception,
    '' AS stack_trace,
    is_initial_query,
    CAST(user AS LowCardinality(String)) AS user,
    query_id,
    CAST(user AS LowCardinality(String)) AS initial_user,
    query_id AS initial_query_id,
    toUInt8(if(interface = 'http', 2, 6)) AS interface,
    toUInt8(0) AS http_method,
    CAST(http_user_agent AS LowCardinality(String)) AS http_user_agent,
    log_comment
FROM (SELECT *, ${TABLES} AS tables_ FROM ${KIT_DATABASE}.${KIT_QUERY_LOG})`;
