/**
 * The retail dataset of bench:analytics as Parquet files, generated once by the kit's generator
 * (fixed seed) and cached under the storage folder: a re-run with the same size skips generation.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pl from 'nodejs-polars';
import { progress } from '../../lib/notebook';
import { frameToParquet, RetailGenerator, type RetailTableName } from '../../lib/tabular';

export interface ParquetDataset {
  id: string;
  dir: string;
  events: number;
  /** Parquet files per table (absolute paths). */
  files: Record<RetailTableName, string[]>;
  bytes: number;
  /** Seconds spent generating now (0 when the cache was used). */
  generatedSeconds: number;
}

const SEED = 'retail';
/** Event rows per Parquet file (events and the orders they placed). */
const ROWS_PER_FILE = 1_000_000;

/** The cached dataset of `events` rows, generating it first when it is not cached yet. */
export function retailParquet(storageDir: string, events: number): ParquetDataset {
  const gen = new RetailGenerator({ seed: SEED, events });
  const dir = join(storageDir, 'bench', 'analytics', gen.plan.id);
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest))
    return { ...(JSON.parse(readFileSync(manifest, 'utf8')) as ParquetDataset), generatedSeconds: 0 };

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const files: Record<RetailTableName, string[]> = { customers: [], products: [], orders: [], events: [] };
  let bytes = 0;
  const write = (table: RetailTableName, index: number, frames: pl.DataFrame[]): void => {
    const file = join(dir, `${table}-${String(index).padStart(3, '0')}.parquet`);
    const data = frameToParquet(
      frames.length === 1 ? frames[0]! : pl.concat(frames, { rechunk: true, how: 'vertical' }),
    );
    writeFileSync(`${file}.tmp`, data);
    renameSync(`${file}.tmp`, file);
    files[table].push(file);
    bytes += data.byteLength;
  };
  const { chunks, chunkRows } = gen.plan;
  const bar = progress(
    `generating ${events.toLocaleString('en-US')} retail events (cached afterwards)`,
    chunks.events + chunks.customers + chunks.products,
  );
  write(
    'customers',
    0,
    Array.from({ length: chunks.customers }, (_, i) => (bar.tick(), gen.customersChunk(i))),
  );
  write(
    'products',
    0,
    Array.from({ length: chunks.products }, (_, i) => (bar.tick(), gen.productsChunk(i))),
  );
  const perFile = Math.max(1, Math.floor(ROWS_PER_FILE / chunkRows));
  for (let first = 0, n = 0; first < chunks.events; first += perFile, n++) {
    const ev: pl.DataFrame[] = [];
    const or: pl.DataFrame[] = [];
    for (let c = first; c < Math.min(chunks.events, first + perFile); c++) {
      const { events: e, orders: o } = gen.activityChunk(c);
      ev.push(e);
      or.push(o);
      bar.tick();
    }
    write('events', n, ev);
    write('orders', n, or);
  }
  bar.done();
  const dataset: ParquetDataset = {
    id: gen.plan.id,
    dir,
    events,
    files,
    bytes,
    generatedSeconds: (performance.now() - started) / 1000,
  };
  writeFileSync(manifest, `${JSON.stringify(dataset, null, 2)}\n`);
  return dataset;
}
