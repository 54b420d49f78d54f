import pl, { DataType } from 'nodejs-polars';
import { TabularInputError } from './errors';
import type { ColumnDef, TableDef } from './schema';

type Kind = 'int' | 'float' | 'string' | 'datetime' | 'decimal' | 'bool' | 'list';

/** How a ClickHouse column travels in a polars frame (and so in Parquet). */
export interface FrameType {
  dtype: DataType;
  kind: Kind;
  nullable: boolean;
}

const INTS: Record<string, () => DataType> = {
  UInt8: () => pl.UInt8,
  UInt16: () => pl.UInt16,
  UInt32: () => pl.UInt32,
  UInt64: () => pl.UInt64,
  Int8: () => pl.Int8,
  Int16: () => pl.Int16,
  Int32: () => pl.Int32,
  Int64: () => pl.Int64,
};

/** The polars type of a ClickHouse type (the subset the kit's tables use). */
export function frameTypeOf(chType: string): FrameType {
  let t = chType.replace(/\s+/g, ' ').trim();
  let nullable = false;
  for (;;) {
    const m = /^(LowCardinality|Nullable)\((.*)\)$/.exec(t);
    if (!m) break;
    if (m[1] === 'Nullable') nullable = true;
    t = m[2]!.trim();
  }
  if (INTS[t]) return { dtype: INTS[t]!(), kind: 'int', nullable };
  if (t === 'Float64' || t === 'Float32')
    return { dtype: t === 'Float64' ? pl.Float64 : pl.Float32, kind: 'float', nullable };
  if (t === 'String') return { dtype: pl.Utf8, kind: 'string', nullable };
  if (t === 'Bool') return { dtype: pl.Bool, kind: 'bool', nullable };
  const dt = /^DateTime64\(3(?:, ?'UTC')?\)$/.exec(t);
  if (dt) return { dtype: pl.Datetime('ms', 'UTC'), kind: 'datetime', nullable };
  const dec = /^Decimal\((\d+), ?(\d+)\)$/.exec(t);
  if (dec) return { dtype: pl.Decimal(Number(dec[1]), Number(dec[2])), kind: 'decimal', nullable };
  const arr = /^Array\((.*)\)$/.exec(t);
  if (arr) return { dtype: pl.List(frameTypeOf(arr[1]!).dtype), kind: 'list', nullable: false };
  throw new TabularInputError(`the ClickHouse type ${chType} has no frame mapping in lib/tabular/frames.ts.`);
}

function kindOfDtype(d: DataType): Kind | 'other' {
  const v = String(d.variant);
  if (/^U?Int\d+$/.test(v)) return 'int';
  if (/^Float\d+$/.test(v)) return 'float';
  if (v === 'Utf8' || v === 'String') return 'string';
  if (v === 'Datetime' || v === 'Date') return 'datetime';
  if (v === 'Decimal') return 'decimal';
  if (v === 'Bool') return 'bool';
  if (v === 'List') return 'list';
  return 'other';
}

/** A frame's type as users read it (`UInt32`, `String`, `Datetime(ms, UTC)`). */
function dtypeText(d: DataType): string {
  return String(d).replace(/^DataType\((.*)\)$/, '$1');
}

/**
 * Makes a frame match a table's declaration: columns in declared order, each cast to its
 * declared type. Refuses (TabularInputError, naming the column) unknown columns, missing
 * non-nullable columns, nulls in non-nullable columns, values that do not convert (text in a
 * number column), and fractions going into integer columns. Missing nullable columns become null.
 */
export function conformFrame(def: TableDef, frame: pl.DataFrame): pl.DataFrame {
  const declared = new Set(def.columns.map((c) => c.name));
  const unknown = frame.columns.filter((c) => !declared.has(c));
  if (unknown.length > 0) {
    throw new TabularInputError(
      `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')} for table ${def.name}; its columns are ${def.columns.map((c) => c.name).join(', ')}.`,
    );
  }
  if (alreadyConformed(def, frame)) return frame;
  const present = new Set(frame.columns);
  const out: pl.Series[] = [];
  for (const column of def.columns) {
    const ft = frameTypeOf(column.type);
    if (!present.has(column.name)) {
      if (!ft.nullable) {
        throw new TabularInputError(
          `column "${column.name}" (${column.type}) of table ${def.name} is missing and cannot be null.`,
        );
      }
      out.push(pl.Series(column.name, new Array<null>(frame.height).fill(null)).cast(ft.dtype));
      continue;
    }
    out.push(conformSeries(def, column, ft, frame.getColumn(column.name)));
  }
  return pl.DataFrame(out);
}

/**
 * True when the frame already holds the declared columns, in order, of the declared types, with no
 * nulls where none may be: one native call instead of a cast per column. (Each polars wrapper
 * object costs ~0.4 MiB of JS heap; the generator's chunks, conformed already, would leave that
 * garbage, and the native memory it holds, behind per column and chunk.)
 */
function alreadyConformed(def: TableDef, frame: pl.DataFrame): boolean {
  const names = frame.columns;
  if (names.length !== def.columns.length) return false;
  const dtypes = frame.dtypes;
  const types = def.columns.map((c) => frameTypeOf(c.type));
  // Utf8 and String are one type under two names.
  const same = (a: DataType, b: DataType): boolean =>
    a.equals(b) || (kindOfDtype(a) === 'string' && kindOfDtype(b) === 'string');
  if (!def.columns.every((c, i) => names[i] === c.name && same(dtypes[i]!, types[i]!.dtype))) return false;
  if (types.every((t) => t.nullable)) return true;
  const nulls = frame.nullCount().row(0) as unknown[];
  return types.every((t, i) => t.nullable || nulls[i] === 0);
}

function conformSeries(def: TableDef, column: ColumnDef, ft: FrameType, s: pl.Series): pl.Series {
  const where = `column "${column.name}" of table ${def.name} (${column.type})`;
  const from = kindOfDtype(dtypeOf(s));
  if (!ft.nullable && s.nullCount() > 0) {
    throw new TabularInputError(`${where} cannot hold nulls, but ${s.nullCount()} value(s) are null.`);
  }
  const allNull = s.nullCount() === s.length;
  const compatible: Record<Kind, ReadonlyArray<Kind | 'other'>> = {
    int: ['int', 'float', 'string', 'bool'],
    float: ['int', 'float', 'string', 'decimal'],
    decimal: ['int', 'float', 'string', 'decimal'],
    string: ['string'],
    bool: ['bool'],
    datetime: ['datetime', 'string', 'int'],
    list: ['list'],
  };
  if (!allNull && !compatible[ft.kind].includes(from)) {
    throw new TabularInputError(
      `${where} cannot take values of type ${dtypeText(dtypeOf(s))}: expected ${dtypeText(ft.dtype)}.`,
    );
  }
  let cast: pl.Series;
  try {
    if (ft.kind === 'datetime' && from === 'string')
      cast = s.str.strptime(pl.Datetime('ms'), undefined).cast(ft.dtype, true);
    else if (ft.kind === 'datetime' && kindOfDtype(dtypeOf(s)) === 'datetime')
      cast = s.cast(pl.Datetime('ms'), true).cast(ft.dtype, true);
    else cast = s.cast(ft.dtype, true);
  } catch (e) {
    throw new TabularInputError(`${where}: some values do not convert to ${dtypeText(ft.dtype)} (${firstLine(e)}).`);
  }
  // A strict cast turns unparsable text into an error, but polars' non-strict paths may yield nulls: count them.
  if (cast.nullCount() > s.nullCount()) {
    throw new TabularInputError(
      `${where}: ${cast.nullCount() - s.nullCount()} value(s) do not convert to ${dtypeText(ft.dtype)}.`,
    );
  }
  if (ft.kind === 'int' && from === 'float') {
    const back = cast.cast(pl.Float64);
    const diff = s.cast(pl.Float64).sub(back).abs().sum();
    if (!Number.isFinite(diff) || diff !== 0)
      throw new TabularInputError(`${where}: some values have fractions; an integer column takes whole numbers only.`);
  }
  return cast.alias(column.name);
}

// nodejs-polars 0.24 declares an untyped Series' dtype and concatString's result as `any`: typed once here.
function dtypeOf(s: pl.Series): DataType {
  return s.dtype as DataType;
}

/** `pl.concatString` with its result typed (see {@link dtypeOf}). */
export function concatStrings(exprs: pl.Expr[], separator: string): pl.Expr {
  return pl.concatString(exprs, separator) as pl.Expr;
}

// Array.isArray would narrow the rows to any[].
function isList(value: unknown): value is ReadonlyArray<unknown> {
  return Array.isArray(value);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
}

/** Rows of plain objects as a frame of the table's layout (validated like {@link conformFrame}). */
export function frameFromRows(def: TableDef, rows: ReadonlyArray<Readonly<Record<string, unknown>>>): pl.DataFrame {
  if (!isList(rows)) throw new TabularInputError(`expected an array of row objects for table ${def.name}.`);
  const names = new Set<string>();
  rows.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      throw new TabularInputError(`row ${i} for table ${def.name} is not an object.`);
    for (const k of Object.keys(r)) names.add(k);
  });
  const series: pl.Series[] = [];
  for (const name of names) {
    const values = rows.map((r) => normaliseValue(r[name]));
    const declared = def.columns.find((c) => c.name === name);
    series.push(seriesOfValues(def, name, declared, values));
  }
  return conformFrame(def, pl.DataFrame(series));
}

function normaliseValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function seriesOfValues(def: TableDef, name: string, declared: ColumnDef | undefined, values: unknown[]): pl.Series {
  const kinds = new Set(
    values.filter((v) => v !== null).map((v) => (v instanceof Date ? 'date' : Array.isArray(v) ? 'array' : typeof v)),
  );
  if (kinds.size > 1) {
    throw new TabularInputError(
      `column "${name}" for table ${def.name} mixes value types (${[...kinds].join(', ')}); use one type per column.`,
    );
  }
  const kind = [...kinds][0];
  if (declared && kind === 'array') return pl.Series(name, values, frameTypeOf(declared.type).dtype);
  if (kind === 'date')
    return pl
      .Series(
        name,
        values.map((v) => (v === null ? null : (v as Date).getTime())),
        pl.Float64,
      )
      .cast(pl.Int64)
      .cast(pl.Datetime('ms'));
  if (kind === 'number') return pl.Series(name, values, pl.Float64);
  if (kind === 'string') return pl.Series(name, values, pl.Utf8);
  if (kind === 'boolean') return pl.Series(name, values, pl.Bool);
  if (kind === undefined) return pl.Series(name, values as null[]);
  throw new TabularInputError(
    `column "${name}" for table ${def.name} holds ${kind} values; use numbers, strings, booleans, Dates or arrays.`,
  );
}

const PARQUET_MAGIC = 'PAR1';

/** Parquet bytes of a frame (LZ4: cheap to write and to read). */
export function frameToParquet(frame: pl.DataFrame): Buffer {
  return frame.writeParquet({ compression: 'lz4' });
}

/** True when the bytes start and end with Parquet's magic number. */
export function looksLikeParquet(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 12) return false;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (
    b.subarray(0, 4).toString('latin1') === PARQUET_MAGIC &&
    b.subarray(b.length - 4).toString('latin1') === PARQUET_MAGIC
  );
}

/** Reads Parquet bytes into a frame; bytes that are not Parquet give a TabularInputError. */
export function parquetToFrame(bytes: Uint8Array, what = 'the data'): pl.DataFrame {
  if (!looksLikeParquet(bytes)) {
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 16))
      .toString('latin1')
      .replace(/[^\x20-\x7e]/g, '.');
    throw new TabularInputError(
      `${what} is not a Parquet file: Parquet starts and ends with "PAR1", this starts with "${head}" (${bytes.byteLength} bytes). Export it as Parquet first.`,
    );
  }
  try {
    return pl.readParquet(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new TabularInputError(`${what} looks like Parquet but cannot be read: ${firstLine(e)}.`);
  }
}
