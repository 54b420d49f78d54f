import type { ClickHouseClient } from '@clickhouse/client';
import {
  clusterOf,
  command,
  connectionInfo,
  createDistributedSql,
  localTableName,
  mergeTreeEngineSql,
  onClusterSql,
  queryOne,
  quoteIdentifier,
  quoteString,
  tableSql,
} from '../clickhouse';
import type { TableRef } from '../clickhouse';
import { ensureLakeCollection, LAKE_COLLECTION } from './collection';
import { LakeError } from './errors';
import { describeLake } from './inspect';
import { checkFormat, checkLakePath, checkTypeText, lakeSource } from './source';
import type { ColumnTypes, LakeFormat, LakeSource, LakeSourceOptions } from './source';

/**
 * Checks column types on the server and returns them in canonical form (the server parses each
 * one, sent as a parameter), so they can be written into DDL safely.
 */
export async function validateTypes(client: ClickHouseClient, columns: ColumnTypes): Promise<Record<string, string>> {
  const entries = Object.entries(columns);
  if (entries.length === 0) throw new LakeError('No columns given.');
  const params: Record<string, string> = {};
  const select = entries.map(([, type], i) => {
    params[`t${i}`] = checkTypeText(type);
    return `toTypeName(defaultValueOfTypeName({t${i}:String})) AS t${i}`;
  });
  let row: Record<string, string> | undefined;
  try {
    row = await queryOne<Record<string, string>>(client, `SELECT ${select.join(', ')}`, params);
  } catch (e) {
    throw new LakeError(`A column type is not valid: ${e instanceof Error ? e.message : String(e)}`);
  }
  const out: Record<string, string> = {};
  entries.forEach(([name], i) => {
    quoteIdentifier(name);
    out[name] = row![`t${i}`]!;
  });
  return out;
}

function columnsDdl(columns: Record<string, string>): string {
  return Object.entries(columns)
    .map(([name, type]) => `${quoteIdentifier(name)} ${type}`)
    .join(',\n  ');
}

async function columnsOf(
  client: ClickHouseClient,
  source: LakeSource | LakeSourceOptions,
  explicit: ColumnTypes | undefined,
): Promise<Record<string, string>> {
  if (explicit) return validateTypes(client, explicit);
  try {
    const described = await describeLake(client, source);
    return validateTypes(client, Object.fromEntries(described.map((c) => [c.name, c.type])));
  } catch (e) {
    if (e instanceof LakeError) throw e;
    throw new LakeError(
      `Could not infer the columns of "${source.path}" (no matching objects yet?). Give the columns explicitly. ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

export interface CreateS3TableOptions {
  table: TableRef;
  /** Key or glob under the bucket. Inserts need a single key (no glob). */
  path: string;
  format: LakeFormat;
  /** Columns; default: inferred from the objects that exist now. */
  columns?: ColumnTypes;
  /** Drop and re-create when it exists (default: fail if it exists). */
  replace?: boolean;
}

/**
 * `CREATE TABLE ... ENGINE = S3(lake, ...)`: a table whose rows are the lake objects at query
 * time, so objects added later (by the SDK, another tool) show up in the next query.
 */
export async function createS3Table(
  client: ClickHouseClient,
  options: CreateS3TableOptions,
): Promise<{ columns: Record<string, string> }> {
  await ensureLakeCollection(client);
  checkLakePath(options.path);
  checkFormat(options.format);
  const columns = await columnsOf(client, { path: options.path, format: options.format }, options.columns);
  const create = options.replace ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE';
  // Engine arguments are stored with the table: literals here (no secret: the collection holds those).
  await command(
    client,
    // On a cluster every node gets the table (each reads the whole lake).
    `${create} ${tableSql(options.table)}${onClusterSql(clusterOf(client))} (\n  ${columnsDdl(columns)}\n) ENGINE = S3(${LAKE_COLLECTION}, filename = ${quoteString(options.path)}, format = ${quoteString(options.format)})`,
    undefined,
    { logComment: 'kit:lake' },
  );
  return { columns };
}

export interface IngestOptions {
  /** Objects to read. */
  source: LakeSource | LakeSourceOptions;
  /** MergeTree table to fill; created from the objects' columns when missing. */
  table: TableRef;
  /** Sorting key of a table created here (default: none, `tuple()`). */
  orderBy?: string[];
}

/**
 * Loads lake objects into a MergeTree table (created when missing). `rows` is the table's
 * growth (the embedded engine reports no written rows for INSERT ... SELECT); other writers to
 * the same table at the same time would be counted too.
 */
export async function ingestIntoMergeTree(
  client: ClickHouseClient,
  options: IngestOptions,
): Promise<{ rows: number; created: boolean }> {
  await ensureLakeCollection(client);
  const src = 'sql' in options.source ? options.source : lakeSource(options.source);
  const columns = await columnsOf(client, src, undefined);
  const target = tableSql(options.table);
  const exists = await queryOne<{ result: number }>(client, `EXISTS TABLE ${target}`).then(
    (r) => Number(r?.result ?? 0) === 1,
  );
  if (!exists) {
    // Sorting keys cannot be Nullable: key columns are created with the plain type (a NULL
    // read from the objects is stored as the type's default).
    const tableColumns = { ...columns };
    for (const key of options.orderBy ?? []) {
      const type = tableColumns[key];
      if (type === undefined)
        throw new LakeError(
          `orderBy names "${key}", which the objects do not have (they have ${Object.keys(columns).join(', ')}).`,
        );
      tableColumns[key] = /^Nullable\((.*)\)$/.exec(type)?.[1] ?? type;
    }
    const keys = (options.orderBy ?? []).map(quoteIdentifier);
    const order = keys.length === 0 ? 'tuple()' : keys.length === 1 ? keys[0]! : `(${keys.join(', ')})`;
    for (const sql of mergeTreeStatements(client, options.table, `(\n  ${columnsDdl(tableColumns)}\n)`, order))
      await command(client, sql, undefined, { logComment: 'kit:lake' });
  }
  const names = Object.keys(columns).map(quoteIdentifier).join(', ');
  const count = async () =>
    Number((await queryOne<{ n: string }>(client, `SELECT count() AS n FROM ${target}`))?.n ?? 0);
  const before = exists ? await count() : 0;
  await command(client, `INSERT INTO ${target} (${names}) SELECT ${names} FROM ${src.sql}`, src.params, {
    logComment: 'kit:lake',
  });
  return { rows: (await count()) - before, created: !exists };
}

/**
 * The table an ingest fills: one MergeTree table, or on a cluster (CLICKHOUSE_CLUSTER) the shards'
 * replicated `<table>_local` and a Distributed table of the given name over them (rows spread at
 * random: lake rows carry no key the kit knows).
 */
function mergeTreeStatements(client: ClickHouseClient, ref: TableRef, columns: string, order: string): string[] {
  const cluster = clusterOf(client);
  if (!cluster) return [`CREATE TABLE IF NOT EXISTS ${tableSql(ref)} ${columns} ENGINE = MergeTree ORDER BY ${order}`];
  const database = typeof ref === 'string' ? connectionInfo(client)?.database : ref.database;
  if (!database)
    throw new LakeError(`ingesting on cluster ${cluster} needs the table's database: pass { database, table }.`);
  const name = typeof ref === 'string' ? ref : ref.table;
  return [
    `CREATE TABLE IF NOT EXISTS ${tableSql({ database, table: localTableName(name, cluster) })}${onClusterSql(cluster)} ${columns} ENGINE = ${mergeTreeEngineSql(cluster)} ORDER BY ${order}`,
    createDistributedSql({ cluster, database, name, shardingKey: 'rand()' }),
  ];
}

export type { LakeFormat };
