import pl from 'nodejs-polars';
import type { DatasetSpec } from './dataset-plan';
import { RetailGenerator } from './generate';
import type { RetailTableName } from './schema';
import { concatStrings } from './frames';

/** The dataset of the committed samples in assets/data/retail/. */
export const SAMPLE_SPEC: Required<Omit<DatasetSpec, 'batchRows'>> = {
  seed: 'retail',
  events: 2_000,
  chunkRows: 2_000,
};

/** The four sample tables, generated. */
export function sampleFrames(): Record<RetailTableName, pl.DataFrame> {
  const gen = new RetailGenerator(SAMPLE_SPEC);
  const activity = gen.activityChunk(0);
  return {
    customers: gen.customersChunk(0),
    products: gen.productsChunk(0),
    orders: activity.orders,
    events: activity.events,
  };
}

/** Parquet as committed: Snappy, which every Parquet reader understands. */
export function sampleParquet(frame: pl.DataFrame): Buffer {
  return frame.writeParquet({ compression: 'snappy' });
}

/**
 * CSV with a header, as ClickHouse's CSVWithNames reads it into the declared columns: times as
 * `YYYY-MM-DD hh:mm:ss.sss` (UTC), arrays as `[1,2]`, empty fields for nulls.
 */
export function sampleCsv(frame: pl.DataFrame): string {
  const exprs = frame.columns.map((name, i) => {
    const variant = String(frame.dtypes[i]!.variant);
    if (variant === 'Datetime') return pl.col(name).dt.strftime('%Y-%m-%d %H:%M:%S%.3f').alias(name);
    if (variant === 'List')
      return concatStrings([pl.lit('['), pl.col(name).cast(pl.List(pl.Utf8)).lst.join(','), pl.lit(']')], '').alias(
        name,
      );
    if (variant === 'Decimal') return pl.col(name).cast(pl.Utf8).alias(name);
    return pl.col(name);
  });
  const out: unknown = frame.select(...exprs).writeCSV();
  return typeof out === 'string' ? out : Buffer.from(out as Uint8Array).toString('utf8');
}
