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
    const own = String(value);
    if (own !== '[object Object]') return own;
  }
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
}
