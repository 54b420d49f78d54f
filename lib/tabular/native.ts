/**
 * ClickHouse's `Native` format (one block) from typed arrays: the columns travel as the bytes the
 * arrays already hold, so sending generated codes costs no per-value work in JavaScript.
 */
import { TabularInputError } from './errors';

export type NativeColumn =
  | { name: string; type: 'Float64'; values: Float64Array }
  | { name: string; type: 'UInt8'; values: Uint8Array }
  | { name: string; type: 'Array(UInt32)'; values: ReadonlyArray<ReadonlyArray<number>> };

function varUInt(n: number): Buffer {
  const bytes: number[] = [];
  let x = n;
  do {
    let b = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) b |= 0x80;
    bytes.push(b);
  } while (x > 0);
  return Buffer.from(bytes);
}

function text(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([varUInt(b.byteLength), b]);
}

function arrayColumn(values: ReadonlyArray<ReadonlyArray<number>>): Buffer[] {
  const offsets = new BigUint64Array(values.length);
  let total = 0;
  values.forEach((v, i) => {
    total += v.length;
    offsets[i] = BigInt(total);
  });
  const flat = new Uint32Array(total);
  let k = 0;
  for (const v of values) for (const x of v) flat[k++] = x;
  return [
    Buffer.from(offsets.buffer, offsets.byteOffset, offsets.byteLength),
    Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength),
  ];
}

/** One Native block holding `rows` rows of the given columns (every column must have that many values). */
export function nativeBlock(columns: ReadonlyArray<NativeColumn>, rows: number): Buffer {
  const parts: Buffer[] = [varUInt(columns.length), varUInt(rows)];
  for (const c of columns) {
    if (c.values.length !== rows)
      throw new TabularInputError(`column ${c.name} has ${c.values.length} values, the block ${rows} rows.`);
    parts.push(text(c.name), text(c.type));
    if (c.type === 'Array(UInt32)') parts.push(...arrayColumn(c.values));
    else parts.push(Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength));
  }
  return Buffer.concat(parts);
}

/** `name Type, ...` of the columns: the structure of the table the block is inserted into. */
export function nativeStructure(columns: ReadonlyArray<NativeColumn>): string {
  return columns.map((c) => `${c.name} ${c.type}`).join(', ');
}
