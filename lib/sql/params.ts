/**
 * Formats a JavaScript value as the text ClickHouse parses for a `{name:Type}` query parameter
 * (the value of an HTTP `param_name`). Top-level strings use TSV escaping; strings nested in
 * arrays, tuples and maps are quoted literals. Same conventions as @clickhouse/client.
 */
export function formatParamValue(value: unknown): string {
  return format(value, false);
}

function format(value: unknown, nested: boolean): string {
  if (value === null || value === undefined) return nested ? 'NULL' : '\\N';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (value === Infinity) return '+inf';
    if (value === -Infinity) return '-inf';
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string') return nested ? quoted(value) : tsvEscape(value);
  if (value instanceof Date) {
    // Unix seconds with milliseconds: unambiguous whatever the column's time zone.
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new TypeError('Cannot bind an invalid Date.');
    const text = (ms / 1000).toFixed(3);
    return nested ? quoted(text) : text;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return `[${Array.from(value as unknown as ArrayLike<number>, (x) => format(x, true)).join(',')}]`;
  }
  if (Array.isArray(value)) return `[${value.map((x) => format(x, true)).join(',')}]`;
  if (isTuple(value)) return `(${value.values.map((x) => format(x, true)).join(',')})`;
  if (value instanceof Map)
    return `{${[...value.entries()].map(([k, v]) => `${format(k, true)}:${format(v, true)}`).join(',')}}`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${quoted(k)}:${format(v, true)}`)
      .join(',')}}`;
  }
  throw new TypeError(`Cannot bind a ${typeof value} as a query parameter.`);
}

function isTuple(value: unknown): value is { values: unknown[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    value.constructor?.name === 'TupleParam' &&
    Array.isArray((value as { values?: unknown }).values)
  );
}

function tsvEscape(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\t/g, '\\t')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\0/g, '\\0');
}

function quoted(s: string): string {
  return (
    "'" +
    s
      .replace(/\\/g, '\\\\')
      .replace(/'/g, "\\'")
      .replace(/\t/g, '\\t')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\0/g, '\\0') +
    "'"
  );
}
