import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import pl from 'nodejs-polars';
import { exceptionAtEnd } from './body-exception';
import { clientSecrets, connectionInfo } from './connect';
import { qualifiedName, quoteIdentifier, toWarehouseError, WarehouseError } from '../sql';

export type QueryParamValues = Record<string, unknown>;

export interface QueryOptions {
  /** Tag in `log_comment` (system.query_log) so "what did the kit do" can be found; default `kit`. */
  logComment?: string;
  settings?: ClickHouseSettings;
  queryId?: string;
  signal?: AbortSignal;
}

export interface FrameOptions extends QueryOptions {
  /** Keep Decimal columns as polars Decimal (default: Float64, since nodejs-polars cannot hand Decimal values to JavaScript). */
  keepDecimals?: boolean;
}

/** A table reference: a name in the client's database, or an explicit database and table. */
export type TableRef = string | { database: string; table: string };

/** The quoted SQL form of a {@link TableRef}. */
export function tableSql(ref: TableRef): string {
  return typeof ref === 'string' ? quoteIdentifier(ref) : qualifiedName(ref.database, ref.table);
}

function settingsOf(options: QueryOptions): ClickHouseSettings {
  return { log_comment: options.logComment ?? 'kit', ...options.settings };
}

async function guarded<T>(
  client: ClickHouseClient,
  sql: string,
  queryId: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw toWarehouseError(e, { sql, queryId, url: connectionInfo(client)?.url, secrets: clientSecrets(client) });
  }
}

/** Runs a SELECT and returns its rows as objects. Values travel as `{name:Type}` parameters. */
export async function queryRows<T = Record<string, unknown>>(
  client: ClickHouseClient,
  sql: string,
  params?: QueryParamValues,
  options: QueryOptions = {},
): Promise<T[]> {
  return guarded(client, sql, options.queryId, async () => {
    const rs = await client.query({
      query: sql,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: settingsOf(options),
      query_id: options.queryId,
      abort_signal: options.signal,
    });
    return rs.json<T>();
  });
}

/** The first row of a query, or undefined. */
export async function queryOne<T = Record<string, unknown>>(
  client: ClickHouseClient,
  sql: string,
  params?: QueryParamValues,
  options: QueryOptions = {},
): Promise<T | undefined> {
  return (await queryRows<T>(client, sql, params, options))[0];
}

/**
 * Runs a SELECT and returns a nodejs-polars DataFrame. The result travels as Parquet, so column
 * types survive (Int64 stays Int64, dates stay dates) instead of going through JSON.
 */
export async function queryFrame(
  client: ClickHouseClient,
  sql: string,
  params?: QueryParamValues,
  options: FrameOptions = {},
): Promise<pl.DataFrame> {
  return guarded(client, sql, options.queryId, async () => {
    // exec hands back the raw bytes (ResultSet.stream() would split them into text rows).
    const rs = await client.exec({
      query: `${sql.replace(/[\s;]+$/, '')}\nFORMAT Parquet`,
      query_params: params,
      clickhouse_settings: {
        // Strings as UTF-8 strings, not binary; LowCardinality/Enums read as plain strings.
        output_format_parquet_string_as_string: 1,
        output_format_parquet_compression_method: 'none',
        ...settingsOf(options),
      },
      query_id: options.queryId,
      abort_signal: options.signal,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of rs.stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    const buf = Buffer.concat(chunks);
    // A query that failed after its first rows went out ends its body with the error, not with PAR1.
    const failure = exceptionAtEnd(buf, headerValue(rs.response_headers, 'x-clickhouse-exception-tag'));
    if (failure)
      throw new WarehouseError(`${failure.type} (code ${failure.code}): ${failure.message}`, {
        code: failure.code,
        type: failure.type,
        queryId: rs.query_id,
        sql,
      });
    if (buf.byteLength === 0) return pl.DataFrame({});
    const frame = pl.readParquet(buf);
    return options.keepDecimals ? frame : decimalsAsFloat(frame);
  });
}

function headerValue(
  headers: Record<string, string | string[] | undefined> | undefined,
  name: string,
): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The frame with Decimal columns as Float64 (what JavaScript, tables and charts can read). */
export function decimalsAsFloat(frame: pl.DataFrame): pl.DataFrame {
  const decimals = frame.columns.filter((_, i) => String(frame.dtypes[i]!.variant) === 'Decimal');
  return decimals.length === 0 ? frame : frame.withColumns(...decimals.map((c) => pl.col(c).cast(pl.Float64)));
}

/** Runs a statement that returns no rows (DDL, INSERT ... SELECT, ALTER, SYSTEM). */
export async function command(
  client: ClickHouseClient,
  sql: string,
  params?: QueryParamValues,
  options: QueryOptions = {},
): Promise<{ queryId: string; writtenRows: number }> {
  return guarded(client, sql, options.queryId, async () => {
    const r = await client.command({
      query: sql,
      query_params: params,
      clickhouse_settings: settingsOf(options),
      query_id: options.queryId,
      abort_signal: options.signal,
    });
    return { queryId: r.query_id, writtenRows: Number(r.summary?.written_rows ?? 0) };
  });
}

/** Inserts objects (JSONEachRow) into a table; the table name goes through the quoting helper. */
export async function insertJsonRows(
  client: ClickHouseClient,
  table: TableRef,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: QueryOptions = {},
): Promise<{ queryId: string; writtenRows: number }> {
  const target = tableSql(table);
  return guarded(client, `INSERT INTO ${target} FORMAT JSONEachRow`, options.queryId, async () => {
    const r = await client.insert({
      table: target,
      values: rows as Record<string, unknown>[],
      format: 'JSONEachRow',
      clickhouse_settings: settingsOf(options),
      query_id: options.queryId,
      abort_signal: options.signal,
    });
    return { queryId: r.query_id, writtenRows: Number(r.summary?.written_rows ?? rows.length) };
  });
}

/** Creates a database if it does not exist (servers; the embedded engine creates the kit's own). */
export async function ensureDatabase(client: ClickHouseClient, database: string): Promise<void> {
  await command(client, `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`);
}

/** The server's version string, e.g. `26.7.2.1`. */
export async function serverVersion(client: ClickHouseClient): Promise<string> {
  const row = await queryOne<{ v: string }>(client, 'SELECT version() AS v');
  return row?.v ?? 'unknown';
}
