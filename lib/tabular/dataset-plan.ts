/** @file The dataset plan: what a seed and a size mean in rows per table, chunks and the dataset id. */
import { TabularInputError } from './errors';
import { hash32 } from './random';
import { type RetailTableName } from './schema';

/** Bump when the generator's output changes: it is part of the dataset id (and so of the dedup tokens). */
export const GENERATOR_VERSION = 1;

export interface DatasetSpec {
  /** Same seed, same dataset (default `retail`). */
  seed?: string;
  /** Web events to generate (default 100 000; up to 10 000 000 and beyond, in chunks). */
  events?: number;
  /** Rows per chunk: the unit of generation (default 100 000). Part of the dataset id. */
  chunkRows?: number;
  /**
   * Events per load batch: whole chunks stored as one insert (one deduplication token, one lake
   * object) (default 1 000 000). Does not change the rows; part of the dataset id when not the default.
   */
  batchRows?: number;
}

export interface DatasetPlan {
  readonly seed: string;
  readonly events: number;
  readonly chunkRows: number;
  /** Event chunks per load batch. */
  readonly batchChunks: number;
  readonly customers: number;
  readonly products: number;
  /** Identifies the dataset's content: generator version, seed, sizes. */
  readonly id: string;
  /** Chunks per table (orders come with the event chunks). */
  readonly chunks: Readonly<Record<RetailTableName, number>>;
}

export const DEFAULT_EVENTS = 100_000;
export const DEFAULT_CHUNK_ROWS = 100_000;
export const MAX_EVENTS = 100_000_000;
export const DEFAULT_BATCH_ROWS = 1_000_000;

/** Sizes of every table for a spec: customers and products grow with the traffic. */
export function planDataset(spec: DatasetSpec = {}): DatasetPlan {
  const seed = spec.seed ?? 'retail';
  const events = spec.events ?? DEFAULT_EVENTS;
  const chunkRows = spec.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(events) || events < 1 || events > MAX_EVENTS) {
    throw new TabularInputError(
      `events must be a whole number from 1 to ${MAX_EVENTS.toLocaleString('en-US')}, got ${String(spec.events)}.`,
    );
  }
  if (!Number.isInteger(chunkRows) || chunkRows < 100 || chunkRows > 2_000_000) {
    throw new TabularInputError(
      `chunkRows must be a whole number from 100 to 2,000,000, got ${String(spec.chunkRows)}.`,
    );
  }
  if (typeof seed !== 'string' || seed.length === 0 || seed.length > 100)
    throw new TabularInputError('seed must be a non-empty text of at most 100 characters.');
  const defaultBatch = Math.max(DEFAULT_BATCH_ROWS, chunkRows);
  const batchRows = spec.batchRows ?? defaultBatch;
  if (!Number.isInteger(batchRows) || batchRows < chunkRows || batchRows > 5_000_000) {
    throw new TabularInputError(
      `batchRows must be a whole number from chunkRows (${chunkRows}) to 5,000,000, got ${String(spec.batchRows)}.`,
    );
  }
  const customers = Math.max(200, Math.round(events / 20));
  const products = Math.max(100, Math.round(4 * Math.sqrt(events)));
  const chunksOf = (n: number): number => Math.ceil(n / chunkRows);
  const batchChunks = Math.floor(batchRows / chunkRows);
  const id = `retail-v${GENERATOR_VERSION}-${hash32(seed).toString(16).padStart(8, '0')}-${events}-${chunkRows}${batchRows === defaultBatch ? '' : `-b${batchRows}`}`;
  return {
    seed,
    events,
    chunkRows,
    batchChunks,
    customers,
    products,
    id,
    chunks: {
      customers: chunksOf(customers),
      products: chunksOf(products),
      events: chunksOf(events),
      orders: chunksOf(events),
    },
  };
}
