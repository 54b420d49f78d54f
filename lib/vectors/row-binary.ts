/**
 * Vectors as ClickHouse RowBinary: the id, the text and the Float32 array written as bytes, with no
 * number formatting or JSON parsing on either side. Used by VectorStore.insert for records without
 * metadata (the common bulk case): 10-20x less work than JSONEachRow for 100-dimension vectors.
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { quoteIdentifier, toWarehouseError } from '../clickhouse';

/** The columns a RowBinary row carries (a VectorRecord without metadata). */
export interface VectorRow {
  id: string;
  text: string;
  embedding: ArrayLike<number>;
}

function varUInt(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
}

/** RowBinary bytes of `(id String, text String, embedding Array(Float32))` rows. */
export function encodeVectorRows(records: readonly VectorRow[], dims: number): Buffer {
  const strings = records.map((r) => [Buffer.from(r.id, 'utf8'), Buffer.from(r.text, 'utf8')] as const);
  let size = 0;
  for (const [id, text] of strings) size += id.length + text.length + 15 + 4 * dims;
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  const head: number[] = [];
  const writeVar = (n: number): void => {
    head.length = 0;
    varUInt(n, head);
    for (const b of head) buf[at++] = b;
  };
  records.forEach((r, i) => {
    const [id, text] = strings[i]!;
    writeVar(id.length);
    at += id.copy(buf, at);
    writeVar(text.length);
    at += text.copy(buf, at);
    writeVar(dims);
    for (let j = 0; j < dims; j++, at += 4) buf.writeFloatLE(r.embedding[j]!, at);
  });
  return buf.subarray(0, at);
}

/** Inserts rows without metadata as RowBinary (metadata columns, if the table has any, get their defaults). */
export async function insertVectorRows(
  client: ClickHouseClient,
  table: string,
  records: readonly VectorRow[],
  dims: number,
  logComment: string,
  settings: ClickHouseSettings = {},
): Promise<void> {
  const sql = `INSERT INTO ${quoteIdentifier(table)} (id, text, embedding) FORMAT RowBinary`;
  try {
    const r = await client.exec({
      query: sql,
      values: Readable.from([encodeVectorRows(records, dims)], { objectMode: false }),
      clickhouse_settings: { log_comment: logComment, ...settings },
    });
    for await (const _ of r.stream) void _;
  } catch (e) {
    throw toWarehouseError(e, { sql });
  }
}
