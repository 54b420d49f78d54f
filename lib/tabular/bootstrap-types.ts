/** The options and report of bootstrapRetail (bootstrap.ts), shared with the loader (dataset-load.ts). */
import { type Progress } from '../notebook';
import { type KitS3 } from '../s3';
import type { DatasetPlan, DatasetSpec } from './dataset-plan';
import { type RetailTableName } from './schema';
import { type StorageMode } from './storage';

export type ProgressFactory = (label: string, total?: number) => Progress;

export interface BootstrapOptions {
  /** Database of the tables (default: the client's database). */
  database?: string;
  spec?: DatasetSpec;
  /** Storage modes to build (default all three). */
  modes?: ReadonlyArray<StorageMode>;
  /** S3 client: stages the Parquet objects `s3_engine` tables read. Required with that mode. */
  s3?: KitS3;
  /**
   * The warehouse holds another dataset: load this one beside it and swap it in table by table
   * once it is complete and verified (without it, another dataset is refused up front).
   */
  replace?: boolean;
  /** Drop the tables, the tables being loaded and their lake objects first. */
  reset?: boolean;
  /** Progress display (default: lib/notebook progress: a bar in notebooks, on stderr elsewhere); false for none. */
  progress?: ProgressFactory | false;
  /** Retries per batch after a transient failure (connection lost, timeout); the same dedup token makes them safe. Default 2. */
  retries?: number;
  /** Called after each chunk (events: each batch, `chunk` its last) is stored; throwing from it stops the load (tests simulate failures with it). */
  afterChunk?: (info: { group: string; chunk: number; chunks: number }) => void | Promise<void>;
  /** Called after each table is swapped in; throwing from it stops there (tests simulate a crash mid-swap). */
  afterSwap?: (info: { table: string }) => void | Promise<void>;
  /** How to re-run with replace, for the refusal message (default: the npm run bootstrap command line). */
  replaceHint?: string;
  log?: (line: string) => void;
}

export interface BootstrapTableResult {
  table: RetailTableName;
  mode: StorageMode;
  /** Table name in the database. */
  name: string;
  rows: number;
  expectedRows: number;
  checksum: string;
}

export interface BootstrapReport {
  plan: DatasetPlan;
  database: string;
  modes: StorageMode[];
  tables: BootstrapTableResult[];
  /** Rows generated per table (all zero when the warehouse already held the dataset). */
  generated: Record<RetailTableName, number>;
  /** Tables loaded and swapped in by this run (empty when nothing had to change). */
  swapped: string[];
  parquetBytes: number;
  objects: { uploaded: number; unchanged: number; pruned: number };
  seconds: { total: number; generate: number; load: number; copy: number; verify: number; swap: number };
}
