/**
 * @file What NDJSON lake objects (or a table's JSON column) hold: the paths ClickHouse finds with
 * the types it infers per value, the line counts, and the lines that do not parse.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryOne, queryRows, quoteIdentifier, tableSql } from '../clickhouse';
import type { TableRef } from '../clickhouse';
import { ensureLakeCollection } from './collection';
import { engineRejectMessage, rejectReasonSql } from './json-rejects';
import type { JsonReject } from './json-rejects';
import { jsonTypeSql, linesSql, OBJECT_KEY_SQL, shadowedSql } from './json-source';
import type { JsonSource, JsonSourceOptions } from './json-source';

/** Type alias (not an interface), so lists go straight into showTable. */
export type JsonPathType = {
  path: string;
  /** The type ClickHouse inferred (or a typed path's declared type). */
  type: string;
  /** Rows where the path holds a value of this type. */
  rows: number;
};

/** Where JSON values come from: NDJSON objects in place, or a table's JSON column. */
export type JsonValues = JsonSource | { table: TableRef; column: string };

function fromOf(values: JsonValues): { sql: string; params: Record<string, string>; column: string } {
  return 'sql' in values
    ? { sql: values.sql, params: { ...values.params }, column: 'payload' }
    : { sql: tableSql(values.table), params: {}, column: quoteIdentifier(values.column) };
}

/**
 * Every path with every type it holds and in how many rows (`JSONAllPathsWithTypes`): a path
 * listed with two types is type drift, e.g. a price sent as a number and as a string.
 */
export async function jsonPathTypes(client: ClickHouseClient, values: JsonValues): Promise<JsonPathType[]> {
  if ('sql' in values) await ensureLakeCollection(client);
  const from = fromOf(values);
  const rows = await queryRows<{ path: string; type: string; rows: string }>(
    client,
    `SELECT pt.1 AS path, pt.2 AS type, count() AS rows FROM (SELECT arrayJoin(JSONAllPathsWithTypes(${from.column})) AS pt FROM ${from.sql}) GROUP BY path, type ORDER BY path, type`,
    from.params,
    { logComment: 'kit:lake' },
  );
  return rows.map((r) => ({ path: r.path, type: r.type, rows: Number(r.rows) }));
}

export type JsonLineCounts = {
  objects: number;
  lines: number;
  /** Lines that parse as the source's JSON type. */
  valid: number;
  rejected: number;
};

/** Objects, lines, and how many lines parse, over NDJSON objects in place. */
export async function jsonLineCounts(client: ClickHouseClient, options: JsonSourceOptions): Promise<JsonLineCounts> {
  await ensureLakeCollection(client);
  const lines = linesSql(options.path);
  const r = await queryOne<{ objects: string; lines: string; valid: string }>(
    client,
    `SELECT uniqExact(_path) AS objects, count() AS lines,
            countIf(isNotNull(accurateCastOrNull(line, {json_type:String})) AND NOT ${shadowedSql(options.typedPaths, 'line')}) AS valid
     FROM ${lines.sql}`,
    { ...lines.params, json_type: jsonTypeSql(options) },
    { logComment: 'kit:lake' },
  );
  const total = Number(r?.lines ?? 0);
  const valid = Number(r?.valid ?? 0);
  return { objects: Number(r?.objects ?? 0), lines: total, valid, rejected: total - valid };
}

export interface JsonRejectOptions extends JsonSourceOptions {
  /** At most this many rejects (default 1000), in object and line order. */
  limit?: number;
  /** Add ClickHouse's own parse message to the first this many (default 20; one query each). */
  engineMessages?: number;
}

/**
 * The lines of NDJSON objects that do not parse as the source's JSON type, with object, 1-based
 * line and reason: exactly the lines `jsonSource` leaves out.
 */
export async function jsonLineRejects(client: ClickHouseClient, options: JsonRejectOptions): Promise<JsonReject[]> {
  await ensureLakeCollection(client);
  const lines = linesSql(options.path);
  const jsonType = jsonTypeSql(options);
  const params: Record<string, string> = { ...lines.params, json_type: jsonType };
  const reason = rejectReasonSql(options.typedPaths, params, 'rj');
  const limit = options.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a whole number >= 1 (got ${String(limit)}).`);
  const rows = await queryRows<{ object: string; line: string; reason: string; raw: string }>(
    client,
    `SELECT object, line_no AS line, ${reason} AS reason, raw FROM
       (SELECT ${OBJECT_KEY_SQL} AS object, _row_number + 1 AS line_no, line AS raw FROM ${lines.sql}
        WHERE isNull(accurateCastOrNull(raw, {json_type:String})) OR ${shadowedSql(options.typedPaths, 'raw')})
     ORDER BY object, line LIMIT ${limit}`,
    params,
    { logComment: 'kit:lake' },
  );
  const out = rows.map((r) => ({ object: r.object, line: Number(r.line), reason: r.reason, raw: r.raw }));
  await addEngineMessages(client, out, jsonType, options.engineMessages ?? 20);
  return out;
}

/** Appends ClickHouse's parse message to the reasons of the first `n` line rejects. */
export async function addEngineMessages(
  client: ClickHouseClient,
  rejects: JsonReject[],
  jsonType: string,
  n: number,
): Promise<void> {
  for (const r of rejects.filter((x) => x.line > 0).slice(0, n)) {
    const message = await engineRejectMessage(client, r.raw, jsonType);
    if (message !== undefined) r.reason = `${r.reason} — ClickHouse: ${message}`;
  }
}

export type JsonTableFootprint = {
  table: string;
  /** The payload column's type (typed paths, max_dynamic_paths). */
  payload_type: string;
  rows: number;
  parts: number;
  bytes_on_disk: number;
  compressed_bytes: number;
  uncompressed_bytes: number;
  /** Distinct paths stored as their own subcolumns in some part (at most max_dynamic_paths per part). */
  dynamic_paths: number;
  /** Distinct paths that did not fit and share one column (slower to read one path from). */
  shared_paths: number;
};

/** What a JSON column table takes on disk (active parts), next to its payload type. */
export async function jsonTableFootprint(client: ClickHouseClient, table: TableRef): Promise<JsonTableFootprint> {
  const db = typeof table === 'string' ? undefined : table.database;
  const name = typeof table === 'string' ? table : table.table;
  const column = (await queryRows<{ name: string; type: string }>(client, `DESCRIBE TABLE ${tableSql(table)}`)).find(
    (c) => c.name === 'payload',
  );
  const r = await queryOne<Record<string, string>>(
    client,
    `SELECT count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes_on_disk, sum(data_compressed_bytes) AS compressed_bytes,
            sum(data_uncompressed_bytes) AS uncompressed_bytes
     FROM system.parts WHERE active AND database = ${db === undefined ? 'currentDatabase()' : '{db:String}'} AND table = {name:String}`,
    db === undefined ? { name } : { db, name },
    { logComment: 'kit:lake' },
  );
  const paths = await queryOne<{ d: string; s: string }>(
    client,
    `SELECT length(groupUniqArrayArray(JSONDynamicPaths(payload))) AS d, length(groupUniqArrayArray(JSONSharedDataPaths(payload))) AS s FROM ${tableSql(table)}`,
    undefined,
    { logComment: 'kit:lake' },
  );
  return {
    table: name,
    payload_type: column?.type ?? '',
    rows: Number(r?.rows ?? 0),
    parts: Number(r?.parts ?? 0),
    bytes_on_disk: Number(r?.bytes_on_disk ?? 0),
    compressed_bytes: Number(r?.compressed_bytes ?? 0),
    uncompressed_bytes: Number(r?.uncompressed_bytes ?? 0),
    dynamic_paths: Number(paths?.d ?? 0),
    shared_paths: Number(paths?.s ?? 0),
  };
}
