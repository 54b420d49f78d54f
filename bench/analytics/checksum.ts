/**
 * An order-independent checksum of a frame's rows, so two engines' answers can be compared even
 * when rows come back in a different order and integer/decimal/time types differ in width.
 */
import type pl from 'nodejs-polars';

/** One value in a form both engines' frames agree on. */
function canonical(v: unknown): string {
  if (v === null || v === undefined) return '\u2205';
  if (typeof v === 'bigint') return canonicalNumber(Number(v));
  if (typeof v === 'number') return canonicalNumber(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v instanceof Date) return String(v.getTime());
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return JSON.stringify(v);
}

/** Nine significant digits: averages and percentiles may differ in the last bits between engines. */
const canonicalNumber = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(9))));

/** FNV-1a over a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface FrameDigest {
  rows: number;
  columns: number;
  /** Sum of per-row hashes modulo 2^48, in hex: independent of row order. */
  checksum: string;
}

export function frameDigest(frame: pl.DataFrame): FrameDigest {
  const cols = frame.getColumns().map((s) => s.toArray() as unknown[]);
  const mod = 2 ** 48;
  let sum = 0;
  for (let r = 0; r < frame.height; r++) {
    let row = '';
    for (const c of cols) row += `${canonical(c[r])}\u001f`;
    // Two independent 32-bit hashes make a 48-bit row hash (collisions of one row pair are then negligible).
    sum = (sum + fnv1a(row) * 65536 + (fnv1a(`#${row}`) & 0xffff)) % mod;
  }
  return { rows: frame.height, columns: cols.length, checksum: sum.toString(16).padStart(12, '0') };
}
