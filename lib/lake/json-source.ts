/**
 * @file NDJSON lake objects queried in place. Each object is read line by line (`LineAsString`,
 * with `_path` and `_row_number`), and each line becomes a `JSON` value only when ClickHouse
 * parses it as a JSON object (`accurateCastOrNull`): a broken line never fails the query, and
 * `jsonLineRejects` lists exactly the lines left out.
 */
import { quoteIdentifier, quoteString } from '../clickhouse';
import { LAKE_COLLECTION } from './collection';
import { LakeError } from './errors';
import { checkLakePath, checkTypeText } from './source';

/** Path in a JSON value (`user.id`, `properties.items`) -> ClickHouse type. */
export type JsonPathTypes = Readonly<Record<string, string>>;

/** How ClickHouse stores a JSON column: hints for hot paths, and a cap on separately stored paths. */
export interface JsonTypeOptions {
  /** Typed paths: stored as plain columns of that type, read without a type switch. */
  typedPaths?: JsonPathTypes;
  /**
   * Paths stored as their own subcolumns per part (ClickHouse default 1024); the rest share one
   * compact column, which is slower to read one path from.
   */
  maxDynamicPaths?: number;
}

export interface JsonSourceOptions extends JsonTypeOptions {
  /** Key or glob of NDJSON objects under the bucket (`.gz`, `.zst` ... are decompressed by extension). */
  path: string;
}

/** A subquery with columns `object` (key under the bucket), `line` (1-based) and `payload` (JSON). */
export interface JsonSource {
  readonly sql: string;
  readonly params: Readonly<Record<string, string>>;
  readonly path: string;
  /** The JSON type every line is parsed as. */
  readonly jsonType: string;
}

const PATH_RE = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

/** A dotted JSON path the kit can put into SQL. */
export function checkJsonPath(path: string): string {
  if (typeof path !== 'string' || !PATH_RE.test(path)) {
    throw new LakeError(
      `"${path}" is not a JSON path the kit reads: give dot-separated keys of letters, digits, "_" and "-" (e.g. "context.geo.country").`,
    );
  }
  return path;
}

/** `JSON(max_dynamic_paths=N, \`a.b\` T, ...)`. Types are checked locally here; the server checks them fully. */
export function jsonTypeSql(options: JsonTypeOptions = {}): string {
  const args: string[] = [];
  if (options.maxDynamicPaths !== undefined) {
    const n = options.maxDynamicPaths;
    if (!Number.isInteger(n) || n < 0 || n > 10_000)
      throw new LakeError(`maxDynamicPaths must be a whole number from 0 to 10000 (got ${String(n)}).`);
    args.push(`max_dynamic_paths=${n}`);
  }
  for (const [path, type] of Object.entries(options.typedPaths ?? {}))
    args.push(`${quoteIdentifier(checkJsonPath(path))} ${checkTypeText(type)}`);
  return args.length === 0 ? 'JSON' : `JSON(${args.join(', ')})`;
}

let nextId = 0;

/** The object's key under the bucket (`_path` is `bucket/key`). */
export const OBJECT_KEY_SQL = "substring(_path, position(_path, '/') + 1)";

/** `s3(lake, ..., format = 'LineAsString')` over `path`, with a unique parameter name. */
export function linesSql(path: string): { sql: string; params: Record<string, string> } {
  checkLakePath(path);
  const p = `jsonl${nextId++}`;
  return { sql: `s3(${LAKE_COLLECTION}, filename = {${p}:String}, format = 'LineAsString')`, params: { [p]: path } };
}

/**
 * Lines that are not lost when parsed as `jsonType` with typed paths: a typed path `a.b` takes
 * only objects at `a`; a scalar or array at `a` would be dropped silently, so such a line is
 * treated as not fitting (and reported).
 */
export function shadowedSql(typedPaths: JsonPathTypes | undefined, lineColumn: string): string {
  const checks: string[] = [];
  const parents = new Set<string>();
  for (const path of Object.keys(typedPaths ?? {})) {
    const keys = checkJsonPath(path).split('.');
    for (let i = 1; i < keys.length; i++) parents.add(keys.slice(0, i).join('.'));
  }
  for (const parent of parents) {
    checks.push(`JSONType(${lineColumn}, ${parent.split('.').map(quoteString).join(', ')}) NOT IN ('Object', 'Null')`);
  }
  return checks.length === 0 ? '0' : `(${checks.join(' OR ')})`;
}

/**
 * The valid JSON objects of NDJSON lake objects, as rows to query in place:
 * `SELECT payload.type, count() FROM ${src.sql} GROUP BY 1`.
 */
export function jsonSource(options: JsonSourceOptions): JsonSource {
  const jsonType = jsonTypeSql(options);
  const lines = linesSql(options.path);
  const t = `${Object.keys(lines.params)[0]}_type`;
  const sql =
    `(SELECT object, _row_number + 1 AS line, assumeNotNull(j) AS payload FROM ` +
    `(SELECT ${OBJECT_KEY_SQL} AS object, _row_number, line AS raw, accurateCastOrNull(line, {${t}:String}) AS j FROM ${lines.sql}) ` +
    `WHERE j IS NOT NULL AND NOT ${shadowedSql(options.typedPaths, 'raw')})`;
  return { sql, params: { ...lines.params, [t]: jsonType }, path: options.path, jsonType };
}

/** The type a typed read casts to: accurateCastOrNull needs a type that fits inside Nullable. */
function castTarget(type: string): string {
  let t = checkTypeText(type);
  for (;;) {
    const inner = /^(?:LowCardinality|Nullable)\((.*)\)$/s.exec(t)?.[1];
    if (inner === undefined) return t;
    t = inner.trim();
  }
}

/**
 * SQL reading one path of a JSON column: as stored (`Dynamic`), or as `type`, where a value that
 * does not convert (a string "abc" read as Int64) becomes NULL instead of failing the query.
 */
export function jsonPathSql(column: string, path: string, type?: string): string {
  const expr = `${quoteIdentifier(column)}.${quoteIdentifier(checkJsonPath(path))}`;
  if (type === undefined) return expr;
  const target = castTarget(type);
  // Arrays, maps, tuples and objects cannot be Nullable: a plain CAST (a value that does not convert fails the query).
  if (/^(Array|Map|Tuple|JSON|Dynamic|Variant)\b/.test(target)) return `CAST(${expr}, ${quoteString(target)})`;
  return `accurateCastOrNull(${expr}, ${quoteString(target)})`;
}
