import type { ClickHouseClient } from '@clickhouse/client';
import pl from 'nodejs-polars';
import {
  clusterOf,
  command,
  localTableName,
  queryFrame,
  queryOne,
  queryRows,
  quoteIdentifier,
  systemTableSql,
  type QueryParamValues,
} from '../clickhouse';
import { insertFrame, type BulkInsertOptions, type BulkInsertResult } from './bulk';
import { mutationTargetSql, targetSql } from './ddl';
import { TabularError, TabularInputError, UnsupportedOperationError } from './errors';
import { frameFromRows, frameTypeOf } from './frames';
import { columnOf, type ColumnDef, type TableDef } from './schema';
import { STORAGE_MODE_INFO, type TableTarget } from './storage';

/** A value compared with or written to a column. Dates are sent as UTC. */
export type Scalar = string | number | bigint | boolean | Date | null;

export interface CompareCondition {
  column: string;
  op: '=' | '!=' | '<' | '<=' | '>' | '>=';
  value: Scalar;
}
export interface ListCondition {
  column: string;
  op: 'in' | 'not in';
  value: ReadonlyArray<Scalar>;
}
export interface NullCondition {
  column: string;
  op: 'is null' | 'is not null';
}
export type Condition = CompareCondition | ListCondition | NullCondition;

/**
 * Row filter: conditions joined with AND, or `{ column: value }` for equality (`null`: IS NULL).
 * Columns are checked against the table's declaration; values travel as bound parameters typed
 * like their column.
 */
export type Where = ReadonlyArray<Condition> | Readonly<Record<string, Scalar>>;

export interface SelectOptions {
  columns?: ReadonlyArray<string>;
  where?: Where;
  orderBy?: ReadonlyArray<string | { column: string; descending?: boolean }>;
  limit?: number;
}

export type ChangeKind = 'lightweight' | 'mutation';

export interface ChangeOptions {
  /**
   * `lightweight` (default): `UPDATE ... SET` / `DELETE FROM` (patch parts and a delete mask,
   * visible at once). `mutation`: `ALTER TABLE ... UPDATE / DELETE`, which rewrites the parts; the
   * call returns when the mutation is done (mutations_sync = 2, then system.mutations is checked).
   */
  kind?: ChangeKind;
  /** How long to wait for a mutation (default 120 s). */
  timeoutMs?: number;
}

export interface ChangeResult {
  queryId: string;
  kind: ChangeKind;
  /** Mutation id (system.mutations) for `mutation` changes. */
  mutationId: string | undefined;
}

const OPS = new Set(['=', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'is null', 'is not null']);

/** Compiles a {@link Where} to SQL with named parameters (`prefix0`, `prefix1`, ...). */
export function whereSql(
  def: TableDef,
  where: Where | undefined,
  prefix = 'w',
): { sql: string; params: QueryParamValues } {
  const conditions = toConditions(def, where);
  const params: QueryParamValues = {};
  const parts = conditions.map((c, i) => {
    const column = checkedColumn(def, c.column, 'filter on');
    const col = quoteIdentifier(column.name);
    const name = `${prefix}${i}`;
    if (!OPS.has(c.op))
      throw new TabularInputError(`unknown filter operator "${String(c.op)}"; use one of ${[...OPS].join(', ')}.`);
    if (c.op === 'is null' || c.op === 'is not null') return `${col} ${c.op.toUpperCase()}`;
    if (c.op === 'in' || c.op === 'not in') {
      if (!Array.isArray(c.value))
        throw new TabularInputError(`the "${c.op}" filter on "${column.name}" needs an array of values.`);
      params[name] = (c.value as ReadonlyArray<Scalar>).map((v) => paramValue(def, column, v));
      return `${col} ${c.op.toUpperCase()} {${name}:Array(${paramType(column, false)})}`;
    }
    const binary = c as CompareCondition;
    if (binary.value === null)
      throw new TabularInputError(`"${column.name} ${c.op} null" matches nothing; use op "is null" or "is not null".`);
    params[name] = paramValue(def, column, binary.value);
    return `${col} ${c.op} {${name}:${paramType(column, false)}}`;
  });
  return { sql: parts.length === 0 ? '' : parts.join(' AND '), params };
}

function toConditions(def: TableDef, where: Where | undefined): Condition[] {
  if (where === undefined) return [];
  if (Array.isArray(where)) return [...(where as ReadonlyArray<Condition>)];
  if (typeof where !== 'object' || where === null)
    throw new TabularInputError(
      `the filter for ${def.name} must be an array of conditions or an object { column: value }.`,
    );
  return Object.entries(where as Record<string, Scalar>).map(([column, value]): Condition =>
    value === null ? { column, op: 'is null' } : { column, op: '=', value },
  );
}

function checkedColumn(def: TableDef, name: string, action: string): ColumnDef {
  const column = typeof name === 'string' ? columnOf(def, name) : undefined;
  if (!column) {
    throw new TabularInputError(
      `cannot ${action} unknown column "${String(name)}" of table ${def.name}; its columns are ${def.columns.map((c) => c.name).join(', ')}.`,
    );
  }
  return column;
}

/** The parameter type of a column: LowCardinality dropped; Nullable kept only when a null may be sent. */
function paramType(column: ColumnDef, allowNull: boolean): string {
  let t = column.type.replace(/\s+/g, ' ').trim();
  let nullable = false;
  for (;;) {
    const m = /^(LowCardinality|Nullable)\((.*)\)$/.exec(t);
    if (!m) break;
    if (m[1] === 'Nullable') nullable = true;
    t = m[2]!;
  }
  return nullable && allowNull ? `Nullable(${t})` : t;
}

/** Checks a value against the column's kind and gives its parameter form. */
function paramValue(def: TableDef, column: ColumnDef, value: Scalar): unknown {
  const ft = frameTypeOf(column.type);
  const where = `column "${column.name}" of table ${def.name} (${column.type})`;
  if (value === null) {
    if (!ft.nullable) throw new TabularInputError(`${where} cannot be null.`);
    return null;
  }
  const bad = (): never => {
    throw new TabularInputError(
      `${where} cannot take ${JSON.stringify(typeof value === 'bigint' ? String(value) : value)} (${value instanceof Date ? 'a Date' : typeof value}).`,
    );
  };
  switch (ft.kind) {
    case 'int':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return value;
      return bad();
    case 'float':
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return value;
      return bad();
    case 'string':
      return typeof value === 'string' ? value : bad();
    case 'bool':
      return typeof value === 'boolean' ? value : bad();
    case 'datetime':
      if (value instanceof Date && !Number.isNaN(value.getTime()))
        return value.toISOString().replace('T', ' ').replace('Z', '');
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d{1,3})?)?Z?$/.test(value))
        return value.replace('T', ' ').replace('Z', '');
      return bad();
    default:
      return bad();
  }
}

/** Rows matching a filter. */
export async function countWhere(client: ClickHouseClient, target: TableTarget, where?: Where): Promise<number> {
  const w = whereSql(target.def, where);
  const row = await queryOne<{ n: string }>(
    client,
    `SELECT count() AS n FROM ${targetSql(target)}${w.sql ? ` WHERE ${w.sql}` : ''}`,
    w.params,
    { logComment: 'kit:tabular:count' },
  );
  return Number(row?.n ?? 0);
}

/**
 * A parameterised SELECT into a polars frame. Decimal columns arrive as Float64: nodejs-polars
 * cannot hand Decimal values to JavaScript (tables and charts read them).
 */
export async function selectFrame(
  client: ClickHouseClient,
  target: TableTarget,
  options: SelectOptions = {},
): Promise<pl.DataFrame> {
  const def = target.def;
  const columns = (options.columns ?? def.columns.map((c) => c.name)).map((c) => checkedColumn(def, c, 'select'));
  if (columns.length === 0) throw new TabularInputError('select at least one column.');
  const w = whereSql(def, options.where);
  const order = (options.orderBy ?? []).map((o) => {
    const spec = typeof o === 'string' ? { column: o, descending: false } : o;
    return `${quoteIdentifier(checkedColumn(def, spec.column, 'order by').name)}${spec.descending ? ' DESC' : ''}`;
  });
  const params: QueryParamValues = { ...w.params };
  let limit = '';
  if (options.limit !== undefined) {
    if (!Number.isInteger(options.limit) || options.limit < 0)
      throw new TabularInputError(`limit must be a whole number >= 0, got ${String(options.limit)}.`);
    params.select_limit = options.limit;
    limit = ' LIMIT {select_limit:UInt64}';
  }
  const sql = `SELECT ${columns.map((c) => quoteIdentifier(c.name)).join(', ')} FROM ${targetSql(target)}${w.sql ? ` WHERE ${w.sql}` : ''}${order.length ? ` ORDER BY ${order.join(', ')}` : ''}${limit}`;
  return queryFrame(client, sql, params, { logComment: 'kit:tabular:select' });
}

/**
 * Inserts rows (plain objects or a frame) through the Parquet bulk path. Unknown columns, wrong
 * types and nulls in non-nullable columns are refused before anything is written.
 */
export async function insertRows(
  client: ClickHouseClient,
  target: TableTarget,
  rows: pl.DataFrame | ReadonlyArray<Readonly<Record<string, unknown>>>,
  options: BulkInsertOptions = {},
): Promise<BulkInsertResult> {
  const frame = Array.isArray(rows)
    ? frameFromRows(target.def, rows as ReadonlyArray<Readonly<Record<string, unknown>>>)
    : (rows as pl.DataFrame);
  return insertFrame(client, target, frame, { logComment: 'kit:tabular:insert', ...options });
}

/** Sets columns to values on the rows matching `where` (required: use a condition that matches all rows to change every row). */
export async function updateRows(
  client: ClickHouseClient,
  target: TableTarget,
  set: Readonly<Record<string, Scalar>>,
  where: Where,
  options: ChangeOptions = {},
): Promise<ChangeResult> {
  const kind = options.kind ?? 'lightweight';
  refuseOnLake(target, kind === 'lightweight' ? 'UPDATE' : 'ALTER TABLE ... UPDATE');
  const def = target.def;
  const entries = Object.entries(set ?? {});
  if (entries.length === 0)
    throw new TabularInputError(`nothing to update in ${target.name}: give at least one { column: value }.`);
  const keyColumns = new Set([
    ...def.orderBy,
    ...(def.partitionBy ? def.columns.filter((c) => def.partitionBy!.includes(c.name)).map((c) => c.name) : []),
  ]);
  const params: QueryParamValues = {};
  const assignments = entries.map(([name, value], i) => {
    const column = checkedColumn(def, name, 'update');
    if (keyColumns.has(column.name)) {
      throw new TabularInputError(
        `column "${column.name}" is part of the sorting or partition key of ${target.name} and cannot be updated; delete and re-insert those rows instead.`,
      );
    }
    params[`s${i}`] = paramValue(def, column, value);
    return `${quoteIdentifier(column.name)} = {s${i}:${paramType(column, value === null)}}`;
  });
  const w = requiredWhere(target, where, kind === 'lightweight' ? 'UPDATE' : 'ALTER TABLE ... UPDATE');
  Object.assign(params, w.params);
  const sql =
    kind === 'lightweight'
      ? `UPDATE ${mutationTargetSql(target, clusterOf(client))} SET ${assignments.join(', ')} WHERE ${w.sql}`
      : `ALTER TABLE ${mutationTargetSql(target, clusterOf(client))} UPDATE ${assignments.join(', ')} WHERE ${w.sql}`;
  return runChange(client, target, sql, params, kind, options);
}

/** Deletes the rows matching `where` (required). */
export async function deleteRows(
  client: ClickHouseClient,
  target: TableTarget,
  where: Where,
  options: ChangeOptions = {},
): Promise<ChangeResult> {
  const kind = options.kind ?? 'lightweight';
  refuseOnLake(target, kind === 'lightweight' ? 'DELETE' : 'ALTER TABLE ... DELETE');
  const w = requiredWhere(target, where, kind === 'lightweight' ? 'DELETE' : 'ALTER TABLE ... DELETE');
  const on = mutationTargetSql(target, clusterOf(client));
  const sql = kind === 'lightweight' ? `DELETE FROM ${on} WHERE ${w.sql}` : `ALTER TABLE ${on} DELETE WHERE ${w.sql}`;
  return runChange(client, target, sql, w.params, kind, options);
}

function requiredWhere(
  target: TableTarget,
  where: Where,
  operation: string,
): { sql: string; params: QueryParamValues } {
  const w = whereSql(target.def, where);
  if (!w.sql)
    throw new TabularInputError(
      `${operation} on ${target.name} needs a filter; an empty one would change every row. Give a condition (e.g. { column: 'x', op: 'is not null' }).`,
    );
  return w;
}

function refuseOnLake(target: TableTarget, operation: string): void {
  if (target.mode !== 's3_engine') return;
  throw new UnsupportedOperationError(
    operation,
    target.mode,
    target.name,
    `an ${STORAGE_MODE_INFO.s3_engine.label} table reads Parquet objects as they are, and ClickHouse cannot change rows inside them. ` +
      'Insert new objects (insertRows), or copy the rows into a MergeTree table (local or s3_disk mode) to update or delete them.',
  );
}

async function runChange(
  client: ClickHouseClient,
  target: TableTarget,
  sql: string,
  params: QueryParamValues,
  kind: ChangeKind,
  options: ChangeOptions,
): Promise<ChangeResult> {
  const logComment = `kit:tabular:${kind}`;
  if (kind === 'lightweight') {
    const r = await command(client, sql, params, { logComment, settings: { lightweight_deletes_sync: '2' } });
    return { queryId: r.queryId, kind, mutationId: undefined };
  }
  const before = await mutationIds(client, target);
  const r = await command(client, sql, params, { logComment, settings: { mutations_sync: '2' } });
  const mutationId = [...(await mutationIds(client, target))].find((id) => !before.has(id));
  await waitForMutations(client, target, options.timeoutMs ?? 120_000);
  return { queryId: r.queryId, kind, mutationId };
}

async function mutationIds(client: ClickHouseClient, target: TableTarget): Promise<Set<string>> {
  const rows = await queryRows<{ id: string }>(
    client,
    `SELECT DISTINCT mutation_id AS id FROM ${systemTableSql('mutations', clusterOf(client))} WHERE database = {db:String} AND table = {table:String}`,
    { db: target.database, table: localTableName(target.name, clusterOf(client)) },
    { logComment: 'kit:tabular:mutations' },
  );
  return new Set(rows.map((r) => r.id));
}

/** Polls system.mutations until the table has no unfinished mutation (a failed one is reported). */
export async function waitForMutations(
  client: ClickHouseClient,
  target: TableTarget,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await queryRows<{ id: string; reason: string }>(
      client,
      `SELECT mutation_id AS id, latest_fail_reason AS reason FROM ${systemTableSql('mutations', clusterOf(client))} WHERE database = {db:String} AND table = {table:String} AND NOT is_done`,
      { db: target.database, table: localTableName(target.name, clusterOf(client)) },
      { logComment: 'kit:tabular:mutations' },
    );
    if (open.length === 0) return;
    const failed = open.find((m) => m.reason);
    if (failed) throw new TabularError(`mutation ${failed.id} on ${target.name} failed: ${failed.reason}`);
    if (Date.now() > deadline)
      throw new TabularError(
        `mutations on ${target.name} still running after ${Math.round(timeoutMs / 1000)} s: ${open.map((m) => m.id).join(', ')}.`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}
