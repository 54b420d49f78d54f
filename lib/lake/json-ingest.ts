/**
 * @file Loads NDJSON lake objects into a MergeTree table with a `JSON` column, object by object.
 * Lines that do not parse go to a rejects table with object, line and reason; an object that
 * cannot be read at all (not gzip, gone) is one reject with line 0. Nothing is dropped silently
 * and no bad line or object fails the load. Objects already loaded are skipped, so a re-run
 * loads only what is new (and retries objects that could not be read).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { command, queryOne, queryRows, tableSql } from '../clickhouse';
import type { TableRef } from '../clickhouse';
import { ensureLakeCollection, LAKE_COLLECTION } from './collection';
import { LakeError } from './errors';
import { addEngineMessages } from './json-inspect';
import { rejectReasonSql } from './json-rejects';
import type { JsonReject } from './json-rejects';
import { jsonTypeSql, linesSql, shadowedSql } from './json-source';
import type { JsonTypeOptions } from './json-source';
import { checkLakePath } from './source';
import { validateTypes } from './tables';

export interface JsonIngestOptions extends JsonTypeOptions {
  /** Key or glob of NDJSON objects under the bucket, e.g. `lake/warehouse/raw_events/**.ndjson.gz`. */
  path: string;
  /** Target table: `(object, line, payload JSON(...))`, created when missing. Rejects go to `<table>_rejects`. */
  table: TableRef;
  /** Drop both tables first (default false: keep them and load only objects not loaded yet). */
  replace?: boolean;
  /** Rejects returned in the report (default 50; all of them are in the rejects table). */
  reportRejects?: number;
  /** ClickHouse's own parse message for the first this many returned rejects (default 10). */
  engineMessages?: number;
  /** Called after each object. */
  onObject?: (report: JsonObjectReport, done: number, total: number) => void;
}

export type JsonObjectReport = {
  object: string;
  status: 'loaded' | 'skipped' | 'failed';
  rows: number;
  rejected: number;
  seconds: number;
};

export interface JsonIngestReport {
  table: string;
  rejectsTable: string;
  /** The column type the payloads were stored as. */
  jsonType: string;
  objects: JsonObjectReport[];
  /** Rows loaded by this run. */
  rows: number;
  /** Lines (and whole objects) rejected by this run. */
  rejected: number;
  seconds: number;
  /** The first rejects of this run, in object and line order. */
  rejects: JsonReject[];
}

function rejectsRef(table: TableRef): TableRef {
  return typeof table === 'string' ? `${table}_rejects` : { database: table.database, table: `${table.table}_rejects` };
}

/** Typed-path types checked by the server (sent as parameters), before they go into DDL. */
async function checkedTypeOptions(client: ClickHouseClient, options: JsonTypeOptions): Promise<JsonTypeOptions> {
  if (!options.typedPaths || Object.keys(options.typedPaths).length === 0) return options;
  return { ...options, typedPaths: await validateTypes(client, options.typedPaths) };
}

async function ensureTables(
  client: ClickHouseClient,
  target: string,
  rejects: string,
  jsonType: string,
  replace: boolean,
): Promise<void> {
  if (replace) {
    await command(client, `DROP TABLE IF EXISTS ${target}`, undefined, { logComment: 'kit:lake' });
    await command(client, `DROP TABLE IF EXISTS ${rejects}`, undefined, { logComment: 'kit:lake' });
  }
  await command(
    client,
    `CREATE TABLE IF NOT EXISTS ${target} (object LowCardinality(String), line UInt64, payload ${jsonType}) ENGINE = MergeTree ORDER BY (object, line)`,
    undefined,
    { logComment: 'kit:lake' },
  );
  const columns = await queryRows<{ name: string; type: string }>(client, `DESCRIBE TABLE ${target}`);
  const names = columns.map((c) => c.name);
  if (!['object', 'line', 'payload'].every((n) => names.includes(n))) {
    throw new LakeError(
      `${target} exists with columns ${names.join(', ')}; a JSON load needs (object, line, payload). Load into another table, or pass replace: true to rebuild it.`,
    );
  }
  const declared = columns.find((c) => c.name === 'payload');
  const wanted = await queryOne<{ t: string }>(client, "SELECT toTypeName(CAST('{}', {type:String})) AS t", {
    type: jsonType,
  });
  if (declared && wanted && declared.type !== wanted.t) {
    throw new LakeError(
      `${target} exists with payload ${declared.type}, not ${wanted.t}. Pass replace: true to rebuild it, or load into another table.`,
    );
  }
  await command(
    client,
    `CREATE TABLE IF NOT EXISTS ${rejects} (object LowCardinality(String), line UInt64, reason String, raw String, at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY (object, line)`,
    undefined,
    { logComment: 'kit:lake' },
  );
}

/** The objects a path or glob matches, by key (format `One` lists them without reading them). */
export async function listJsonObjects(
  client: ClickHouseClient,
  path: string,
): Promise<Array<{ key: string; size: number }>> {
  checkLakePath(path);
  try {
    const rows = await queryRows<{ path: string; size: string }>(
      client,
      `SELECT _path AS path, _size AS size FROM s3(${LAKE_COLLECTION}, filename = {p:String}, format = 'One') ORDER BY path`,
      { p: path },
      { logComment: 'kit:lake' },
    );
    return rows.map((r) => ({ key: r.path.slice(r.path.indexOf('/') + 1), size: Number(r.size) }));
  } catch (e) {
    // No match for a glob is "no objects", not an error.
    if (
      /CANNOT_EXTRACT_TABLE_STRUCTURE|FILE_DOESNT_EXIST|\(code 107\)|\(code 636\)/.test(
        e instanceof Error ? e.message : '',
      )
    )
      return [];
    throw e;
  }
}

/** Loads NDJSON objects into a JSON column table; see the file comment for what happens to bad input. */
export async function ingestJsonObjects(
  client: ClickHouseClient,
  options: JsonIngestOptions,
): Promise<JsonIngestReport> {
  const started = performance.now();
  await ensureLakeCollection(client);
  checkLakePath(options.path);
  const typeOptions = await checkedTypeOptions(client, options);
  const jsonType = jsonTypeSql(typeOptions);
  const target = tableSql(options.table);
  const rejects = tableSql(rejectsRef(options.table));
  await ensureTables(client, target, rejects, jsonType, options.replace ?? false);

  const objects = await listJsonObjects(client, options.path);
  const reports: JsonObjectReport[] = [];
  // Loaded before: rows or line rejects of the object exist. An object that failed as a whole
  // (only its line-0 reject) is tried again: it may have been fixed at the source.
  const loadedBefore = async (key: string): Promise<boolean> =>
    Number(
      (
        await queryOne<{ n: string }>(
          client,
          `SELECT (SELECT count() FROM ${target} WHERE object = {o:String}) + (SELECT count() FROM ${rejects} WHERE object = {o:String} AND line > 0) AS n`,
          { o: key },
        )
      )?.n ?? 0,
    ) > 0;

  for (const [i, { key }] of objects.entries()) {
    const t0 = performance.now();
    let report: JsonObjectReport;
    if (await loadedBefore(key)) {
      report = { object: key, status: 'skipped', rows: 0, rejected: 0, seconds: 0 };
    } else {
      report = await loadObject(client, key, target, rejects, jsonType, typeOptions);
      report.seconds = (performance.now() - t0) / 1000;
    }
    reports.push(report);
    options.onObject?.(report, i + 1, objects.length);
  }

  const loadedKeys = reports.filter((r) => r.status !== 'skipped').map((r) => r.object);
  const limit = options.reportRejects ?? 50;
  const rejectRows =
    loadedKeys.length === 0 || limit <= 0
      ? []
      : await queryRows<{ object: string; line: string; reason: string; raw: string }>(
          client,
          `SELECT object, line, reason, raw FROM ${rejects} WHERE object IN {keys:Array(String)} ORDER BY object, line LIMIT ${Math.floor(limit)}`,
          { keys: loadedKeys },
        );
  const firstRejects = rejectRows.map((r) => ({
    object: r.object,
    line: Number(r.line),
    reason: r.reason,
    raw: r.raw,
  }));
  await addEngineMessages(client, firstRejects, jsonType, options.engineMessages ?? 10);
  return {
    table: target,
    rejectsTable: rejects,
    jsonType,
    objects: reports,
    rows: reports.reduce((s, r) => s + r.rows, 0),
    rejected: reports.reduce((s, r) => s + r.rejected, 0),
    seconds: (performance.now() - started) / 1000,
    rejects: firstRejects,
  };
}

async function loadObject(
  client: ClickHouseClient,
  key: string,
  target: string,
  rejects: string,
  jsonType: string,
  typeOptions: JsonTypeOptions,
): Promise<JsonObjectReport> {
  const lines = linesSql(key);
  const params: Record<string, string> = { ...lines.params, o: key, json_type: jsonType };
  const reason = rejectReasonSql(typeOptions.typedPaths, params, 'rj');
  const shadowed = shadowedSql(typeOptions.typedPaths, 'raw');
  const parsed = `SELECT _row_number + 1 AS line_no, line AS raw, accurateCastOrNull(line, {json_type:String}) AS j FROM ${lines.sql}`;
  const failedBefore = await queryOne<{ n: string }>(
    client,
    `SELECT count() AS n FROM ${rejects} WHERE object = {o:String} AND line = 0`,
    { o: key },
  );
  if (Number(failedBefore?.n ?? 0) > 0)
    await command(
      client,
      `DELETE FROM ${rejects} WHERE object = {o:String} AND line = 0`,
      { o: key },
      { logComment: 'kit:lake' },
    );
  try {
    await command(
      client,
      `INSERT INTO ${target} (object, line, payload) SELECT {o:String}, line_no, assumeNotNull(j) FROM (${parsed}) WHERE j IS NOT NULL AND NOT ${shadowed}`,
      params,
      {
        logComment: 'kit:lake',
      },
    );
    // Rejects are the lines that did not get in: a set lookup, not a second parse of every line.
    await command(
      client,
      `INSERT INTO ${rejects} (object, line, reason, raw) SELECT {o:String}, line_no, ${reason}, raw
       FROM (SELECT _row_number + 1 AS line_no, line AS raw FROM ${lines.sql}) WHERE line_no NOT IN (SELECT line FROM ${target} WHERE object = {o:String})`,
      params,
      { logComment: 'kit:lake' },
    );
  } catch (e) {
    // An object that cannot be read (not gzip, cut off, gone): take back what part of it got in,
    // and record the object itself as rejected.
    const message = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 2000);
    await command(client, `DELETE FROM ${target} WHERE object = {o:String}`, { o: key }, { logComment: 'kit:lake' });
    await command(client, `DELETE FROM ${rejects} WHERE object = {o:String}`, { o: key }, { logComment: 'kit:lake' });
    await command(
      client,
      `INSERT INTO ${rejects} (object, line, reason, raw) VALUES ({o:String}, 0, {reason:String}, '')`,
      { o: key, reason: `the object could not be read: ${message}` },
      {
        logComment: 'kit:lake',
      },
    );
    return { object: key, status: 'failed', rows: 0, rejected: 1, seconds: 0 };
  }
  const count = async (table: string) =>
    Number(
      (await queryOne<{ n: string }>(client, `SELECT count() AS n FROM ${table} WHERE object = {o:String}`, { o: key }))
        ?.n ?? 0,
    );
  return { object: key, status: 'loaded', rows: await count(target), rejected: await count(rejects), seconds: 0 };
}
