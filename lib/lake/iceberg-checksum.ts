/**
 * @file An order-independent checksum of an Iceberg table that a reader outside ClickHouse can
 * compute too (lib/lake/iceberg-reader.py does, from the Parquet files): each row becomes a
 * canonical text, its MD5's first 8 bytes a little-endian UInt64, and the checksum their sum
 * modulo 2^64. Canonical values are exact: floats as their bit pattern, decimals unscaled,
 * timestamps in microseconds, NULL as `\N`, fields joined by U+001F.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows, quoteIdentifier, tableSql } from '../clickhouse';
import type { TableRef } from '../clickhouse';
import { IcebergError } from './iceberg-errors';
import { icebergAsOfSettings, withIcebergErrors } from './iceberg-snapshots';
import type { IcebergAsOf } from './iceberg-snapshots';

/** The canonical text of one value of ClickHouse type `type` (as the engine reads an Iceberg column). */
function canonicalSql(column: string, type: string, c: string = quoteIdentifier(column)): string {
  const nullable = /^Nullable\((.*)\)$/s.exec(type);
  if (nullable) return `if(isNull(${c}), '\\\\N', ${canonicalSql(column, nullable[1]!, `assumeNotNull(${c})`)})`;
  if (/^U?Int(8|16|32|64)$/.test(type)) return `toString(${c})`;
  if (type === 'Float64') return `toString(reinterpretAsUInt64(${c}))`;
  if (type === 'Float32') return `toString(reinterpretAsUInt32(${c}))`;
  if (type === 'Bool') return `toString(toUInt8(${c}))`;
  if (type === 'String') return c;
  if (type === 'Date' || type === 'Date32') return `toString(${c})`;
  if (/^DateTime64\(\d(, ?'[^']*')?\)$/.test(type)) return `toString(toUnixTimestamp64Micro(${c}))`;
  if (/^DateTime(\('[^']*'\))?$/.test(type)) return `toString(toInt64(toUnixTimestamp(${c})) * 1000000)`;
  const dec = /^Decimal\((\d+), ?(\d+)\)$/.exec(type);
  if (dec) return `toString(toInt128(${c} * toDecimal128(${10n ** BigInt(dec[2]!)}, 0)))`;
  throw new IcebergError(
    `The Iceberg checksum does not cover column "${column}" of type ${type} (it covers integers, floats, Bool, String, dates, timestamps and decimals).`,
  );
}

/** The checksum's SQL over the given columns. */
export function icebergChecksumSql(columns: ReadonlyArray<{ name: string; type: string }>): string {
  if (columns.length === 0) throw new IcebergError('The table has no columns to checksum.');
  const fields = columns.map((c) => canonicalSql(c.name, c.type));
  return `sum(reinterpretAsUInt64(substring(MD5(concatWithSeparator('\\x1F', ${fields.join(', ')})), 1, 8)))`;
}

/** Row count and checksum of an Iceberg table (now, or as of an earlier snapshot). */
export async function icebergChecksum(
  client: ClickHouseClient,
  table: TableRef,
  asOf?: IcebergAsOf,
): Promise<{ rows: number; checksum: string }> {
  const settings = asOf ? icebergAsOfSettings(asOf) : {};
  return withIcebergErrors(client, table, asOf, async () => {
    const columns = await queryRows<{ name: string; type: string }>(
      client,
      `DESCRIBE TABLE ${tableSql(table)}`,
      undefined,
      { logComment: 'kit:lake:iceberg', settings },
    );
    const rows = await queryRows<{ rows: string; checksum: string }>(
      client,
      `SELECT count() AS rows, toString(${icebergChecksumSql(columns)}) AS checksum FROM ${tableSql(table)}`,
      undefined,
      { logComment: 'kit:lake:iceberg', settings },
    );
    return { rows: Number(rows[0]?.rows ?? 0), checksum: rows[0]?.checksum ?? '0' };
  });
}
