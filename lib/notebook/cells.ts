/** How one table cell reads as text. Secrets print as [REDACTED] through their own toString/toJSON. */
export function cellText(value: unknown, maxLength = 300): string {
  const text = rawText(value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

export function isNumericCell(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'bigint';
}

function rawText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) {
    // A class with its own toString (Decimal, URL) prints that; the default '[object Object]' falls through to JSON.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- checked on the next line
    const own = String(value);
    if (own !== '[object Object]') return own;
  }
  // JSON.stringify gives undefined only for functions and symbols, which String prints.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- see above
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
}
