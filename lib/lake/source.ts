import { quoteIdentifier } from '../clickhouse';
import { LAKE_COLLECTION } from './collection';
import { LakeError } from './errors';

/** Formats the lake helpers read and write (the names ClickHouse uses). */
export const LAKE_FORMATS = [
  'Parquet',
  'CSV',
  'CSVWithNames',
  'TSV',
  'TSVWithNames',
  'JSONEachRow',
  'JSONLines',
  'NDJSON',
  'ORC',
  'Avro',
  'Arrow',
] as const;
export type LakeFormat = (typeof LAKE_FORMATS)[number];

/** Column name -> ClickHouse type, e.g. `{ id: 'UInt64', day: 'Date' }`. */
export type ColumnTypes = Readonly<Record<string, string>>;

export interface LakeSourceOptions {
  /**
   * Key or glob under the bucket: `lake/trips/2024-01.parquet`, `lake/trips/*.parquet`,
   * `lake/trips/**.parquet`, `lake/{a,b}/x.csv`. Relative: no leading "/", no URL.
   */
  path: string;
  /** Default: from the file extension (ClickHouse's own detection). */
  format?: LakeFormat;
  /** Explicit structure instead of inference. */
  structure?: ColumnTypes;
}

/** An `s3(lake, ...)` table function with its values as bound parameters. */
export interface LakeSource {
  /** SQL to put after FROM (or INSERT INTO FUNCTION). */
  readonly sql: string;
  readonly params: Readonly<Record<string, string>>;
  readonly path: string;
  readonly format: LakeFormat | undefined;
}

let nextId = 0;

/**
 * The table function reading (or writing) lake objects. Paths, format and structure travel as
 * query parameters with unique names, so several sources can meet in one query:
 * `queryRows(client, \`SELECT _file, count() FROM ${src.sql} GROUP BY _file\`, src.params)`.
 */
export function lakeSource(options: LakeSourceOptions): LakeSource {
  checkLakePath(options.path);
  if (options.format !== undefined) checkFormat(options.format);
  const p = `lake${nextId++}`;
  const params: Record<string, string> = { [`${p}_path`]: options.path };
  const args = [LAKE_COLLECTION, `filename = {${p}_path:String}`];
  if (options.format) {
    params[`${p}_format`] = options.format;
    args.push(`format = {${p}_format:String}`);
  }
  if (options.structure) {
    params[`${p}_structure`] = structureText(options.structure);
    args.push(`structure = {${p}_structure:String}`);
  }
  return { sql: `s3(${args.join(', ')})`, params, path: options.path, format: options.format };
}

export function checkLakePath(path: string): void {
  if (typeof path !== 'string' || path.trim() === '')
    throw new LakeError('The lake path is empty; give a key or glob under the bucket, e.g. "lake/trips/*.parquet".');
  if (path.startsWith('/'))
    throw new LakeError(
      `The lake path "${path}" starts with "/"; paths are relative to the bucket (write "lake/x.parquet").`,
    );
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path))
    throw new LakeError(
      `The lake path "${path}" is a URL; give a key under the bucket: the endpoint and bucket come from the "lake" named collection.`,
    );
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f]/.test(path)) throw new LakeError('The lake path contains control characters.');
}

export function checkFormat(format: string): asserts format is LakeFormat {
  if (!(LAKE_FORMATS as readonly string[]).includes(format)) {
    throw new LakeError(`Unknown lake format "${format}"; use one of ${LAKE_FORMATS.join(', ')}.`);
  }
}

/** `name Type, ...` with names quoted by the kit's one quoting helper. */
export function structureText(columns: ColumnTypes): string {
  const entries = Object.entries(columns);
  if (entries.length === 0) throw new LakeError('The structure has no columns.');
  return entries.map(([name, type]) => `${quoteIdentifier(name)} ${checkTypeText(type)}`).join(', ');
}

/** A first, local check of a type name; the server validates it fully (see validateTypes). */
export function checkTypeText(type: string): string {
  if (typeof type !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*(\(.*\))?$/s.test(type.trim()) || /;|--|\/\*|`/.test(type)) {
    throw new LakeError(
      `"${type}" is not a ClickHouse type name (e.g. UInt64, Nullable(String), DateTime64(3, 'UTC')).`,
    );
  }
  return type.trim();
}
