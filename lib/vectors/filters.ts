import { quoteIdentifier } from '../clickhouse';
import { InvalidFilterError } from './errors';
import type { MetadataColumnType } from './table-spec';

export type Scalar = string | number | boolean | Date;
export interface RangeFilter {
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
}
/** A value (equality), a list (IN) or a range, per column. */
export type FilterValue = Scalar | readonly Scalar[] | RangeFilter;
export type Filters = Readonly<Record<string, FilterValue>>;

export interface CompiledFilters {
  /** `a = {f0:String} AND b IN {f1:Array(UInt8)}`, or '' when there are no filters. */
  where: string;
  params: Record<string, unknown>;
}

const RANGE_OPS: Record<keyof RangeFilter, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** The type a bound value is declared with (LowCardinality is a storage detail). */
function paramType(type: MetadataColumnType): string {
  return type === 'LowCardinality(String)' ? 'String' : type;
}

function toParam(column: string, type: MetadataColumnType, v: unknown): unknown {
  const numeric = /Int|Float/.test(type);
  if (v instanceof Date) {
    if (type !== 'Date' && type !== 'DateTime')
      throw new InvalidFilterError(`Filter on ${column} (${type}) got a Date.`);
    return type === 'Date' ? v.toISOString().slice(0, 10) : v.toISOString().slice(0, 19).replace('T', ' ');
  }
  if (numeric && (typeof v !== 'number' || !Number.isFinite(v)))
    throw new InvalidFilterError(`Filter on ${column} (${type}) needs a number, got ${JSON.stringify(v)}.`);
  if (type === 'Bool' && typeof v !== 'boolean')
    throw new InvalidFilterError(`Filter on ${column} (Bool) needs true or false, got ${JSON.stringify(v)}.`);
  if (!numeric && type !== 'Bool' && typeof v !== 'string')
    throw new InvalidFilterError(`Filter on ${column} (${type}) needs a string, got ${JSON.stringify(v)}.`);
  return v;
}

/**
 * Turns `{ category: 'footwear', rating: { gte: 4 }, region: ['EU', 'US'] }` into a WHERE clause
 * with bound parameters. Only the table's metadata columns (and `id`) may be filtered.
 */
export function compileFilters(
  filters: Filters | undefined,
  columns: Readonly<Record<string, MetadataColumnType>>,
): CompiledFilters {
  const params: Record<string, unknown> = {};
  const parts: string[] = [];
  let n = 0;
  const bind = (value: unknown, type: string): string => {
    const name = `f${n++}`;
    params[name] = value;
    return `{${name}:${type}}`;
  };
  for (const [column, value] of Object.entries(filters ?? {})) {
    const type: MetadataColumnType | undefined = column === 'id' ? 'String' : columns[column];
    if (!type) {
      throw new InvalidFilterError(
        `Cannot filter on "${column}": the table's filterable columns are id, ${Object.keys(columns).join(', ')}.`,
      );
    }
    const col = quoteIdentifier(column);
    const ptype = paramType(type);
    if (Array.isArray(value)) {
      if (value.length === 0)
        throw new InvalidFilterError(`Filter on ${column} has an empty list: it would match nothing.`);
      parts.push(
        `${col} IN ${bind(
          value.map((v) => toParam(column, type, v)),
          `Array(${ptype})`,
        )}`,
      );
    } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const range = value as RangeFilter;
      const ops = Object.keys(range) as Array<keyof RangeFilter>;
      if (ops.length === 0 || ops.some((op) => !(op in RANGE_OPS))) {
        throw new InvalidFilterError(
          `Range filter on ${column} must use gt, gte, lt or lte, got ${JSON.stringify(value)}.`,
        );
      }
      for (const op of ops) parts.push(`${col} ${RANGE_OPS[op]} ${bind(toParam(column, type, range[op]), ptype)}`);
    } else {
      parts.push(`${col} = ${bind(toParam(column, type, value), ptype)}`);
    }
  }
  return { where: parts.join(' AND '), params };
}
