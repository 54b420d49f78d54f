import type { ClickHouseSettings } from '@clickhouse/client';
import { LakeError } from './errors';
import type { LakeFormat } from './source';

/** Codecs ClickHouse can compress Parquet pages with (`output_format_parquet_compression_method`). */
export const PARQUET_CODECS = ['zstd', 'snappy', 'lz4', 'gzip', 'brotli', 'none'] as const;
export type ParquetCodec = (typeof PARQUET_CODECS)[number];

/** How the kit's lake writes encode Parquet. */
export interface ParquetWriteOptions {
  /** Page compression (default zstd, ClickHouse's own default; level from `output_format_compression_level`, default 3). */
  compression?: ParquetCodec;
  /**
   * Bloom filters on every column (default false). They let readers skip row groups on
   * `col = value` for values min/max statistics cannot rule out; turn them on for objects that
   * serve point lookups on unsorted, high-cardinality columns.
   */
  bloomFilters?: boolean;
}

/**
 * The kit's Parquet defaults. ClickHouse 26.7 writes a bloom filter for every column unless told
 * otherwise: measured on 2 cores, that was half of the encoding CPU, made a table export to the
 * lake about 1.8x slower and the files 1.3-1.8x as large (random and realistic columns).
 * Spark, pyarrow and polars write none by default; min/max statistics and the page index are
 * still written, so range filters keep skipping row groups and pages.
 */
export const LAKE_PARQUET_DEFAULTS: Readonly<Required<ParquetWriteOptions>> = Object.freeze({
  compression: 'zstd',
  bloomFilters: false,
});

/**
 * The ClickHouse settings that make a Parquet write follow `options` over the kit's defaults.
 * Every setting is always sent, so a write never depends on a server's or a session's own defaults.
 */
export function parquetWriteSettings(options: ParquetWriteOptions = {}): ClickHouseSettings {
  const compression = options.compression ?? LAKE_PARQUET_DEFAULTS.compression;
  if (!(PARQUET_CODECS as readonly string[]).includes(compression)) {
    throw new LakeError(
      `Unknown Parquet compression "${String(compression)}"; use one of ${PARQUET_CODECS.join(', ')}.`,
    );
  }
  const bloomFilters = options.bloomFilters ?? LAKE_PARQUET_DEFAULTS.bloomFilters;
  if (typeof bloomFilters !== 'boolean')
    throw new LakeError(`parquet.bloomFilters must be true or false (got ${JSON.stringify(bloomFilters)}).`);
  return {
    output_format_parquet_compression_method: compression,
    output_format_parquet_write_bloom_filter: bloomFilters ? 1 : 0,
  };
}

/** Encoding settings of a lake write in `format`: the Parquet ones, or none for other formats. */
export function lakeWriteSettings(format: LakeFormat, parquet: ParquetWriteOptions | undefined): ClickHouseSettings {
  if (format === 'Parquet') return parquetWriteSettings(parquet);
  if (parquet !== undefined)
    throw new LakeError(
      `parquet options apply to Parquet writes; this write is ${format}. Leave out "parquet" or write Parquet.`,
    );
  return {};
}
