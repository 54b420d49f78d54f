/**
 * Tabular input accepted by charts and tables: an array of row objects, or a DataFrame
 * (nodejs-polars). DataFrames are recognised by shape, not by class, so this module never
 * loads the native polars binding itself (tests and scripts that only pass rows stay light).
 */

export type Row = Readonly<Record<string, unknown>>;

/** The part of a nodejs-polars DataFrame the kit reads. */
export interface FrameLike {
  readonly columns: string[];
  readonly height: number;
  readonly dtypes: ReadonlyArray<unknown>;
  getColumn(name: string): { toArray(): unknown[] };
  head(length?: number): FrameLike;
  toRecords(): Array<Record<string, unknown>>;
}

export type TabularInput = ReadonlyArray<Row> | FrameLike;

/** Input that is neither an array of row objects nor a DataFrame, or names a missing column. */
export class TabularInputError extends Error {
  override readonly name = 'TabularInputError';
}

export function isFrameLike(value: unknown): value is FrameLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof FrameLike, unknown>>;
  return (
    Array.isArray(v.columns) &&
    typeof v.height === 'number' &&
    typeof v.getColumn === 'function' &&
    typeof v.head === 'function' &&
    typeof v.toRecords === 'function'
  );
}

function checkInput(input: unknown): asserts input is TabularInput {
  if (isFrameLike(input)) return;
  if (!Array.isArray(input)) {
    throw new TabularInputError(`expected an array of row objects or a DataFrame, got ${describe(input)}.`);
  }
  const bad = input.findIndex((r) => typeof r !== 'object' || r === null || Array.isArray(r));
  if (bad >= 0) {
    throw new TabularInputError(
      `row ${bad} is ${describe(input[bad])}; every row must be an object like { column: value }.`,
    );
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? `an object (${Object.prototype.toString.call(v)})` : `a ${typeof v}`;
}

export function rowCount(input: TabularInput): number {
  checkInput(input);
  return isFrameLike(input) ? input.height : input.length;
}

/** Column names: a DataFrame's columns, or the union of row keys in first-seen order. */
export function columnNames(input: TabularInput): string[] {
  checkInput(input);
  if (isFrameLike(input)) return [...input.columns];
  const seen = new Set<string>();
  for (const row of input) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** Column types of a DataFrame (`Int64`, `String`, ...); undefined for plain rows. */
export function columnTypes(input: TabularInput): string[] | undefined {
  checkInput(input);
  if (!isFrameLike(input)) return undefined;
  return input.dtypes.map((d) => String(d).replace(/^DataType\((.*)\)$/, '$1'));
}

/** One column's values, in row order. Throws naming the available columns when it is missing. */
export function columnValues(input: TabularInput, name: string): unknown[] {
  const names = columnNames(input);
  if (!names.includes(name)) {
    throw new TabularInputError(`column "${name}" not found; available columns: ${names.join(', ') || '(none)'}.`);
  }
  if (isFrameLike(input)) return input.getColumn(name).toArray();
  return input.map((row) => row[name]);
}

/** The first `limit` rows as plain objects. */
export function headRecords(input: TabularInput, limit: number): Row[] {
  checkInput(input);
  if (isFrameLike(input)) return input.head(limit).toRecords();
  return input.slice(0, limit);
}
