import { TabularInputError } from './errors';
import type { TableDef } from './schema';

/**
 * Where a table keeps its rows:
 * - `local`      MergeTree on the local disk;
 * - `s3_disk`    MergeTree whose parts live in the bucket (storage policy `s3_cached`, local cache in front);
 * - `s3_engine`  `ENGINE = S3` over Parquet objects in the bucket, reached through the named collection `lake`.
 */
export type StorageMode = 'local' | 's3_disk' | 's3_engine';

export const STORAGE_MODES: ReadonlyArray<StorageMode> = ['local', 's3_disk', 's3_engine'];

export interface StorageModeInfo {
  mode: StorageMode;
  label: string;
  /** Appended to the table name, so the three copies live side by side. */
  suffix: string;
  mergeTree: boolean;
}

export const STORAGE_MODE_INFO: Readonly<Record<StorageMode, StorageModeInfo>> = {
  local: { mode: 'local', label: 'MergeTree (local disk)', suffix: '', mergeTree: true },
  s3_disk: { mode: 's3_disk', label: 'MergeTree (S3 storage policy)', suffix: '_s3', mergeTree: true },
  s3_engine: { mode: 's3_engine', label: 'ENGINE = S3 (Parquet in the bucket)', suffix: '_lake', mergeTree: false },
};

/** Storage policy of compose/config/config.d/storage.xml: parts in S3, read through a local cache. */
export const S3_STORAGE_POLICY = 's3_cached';
/** Blocks of recent inserts each MergeTree table remembers to drop repeated inserts. */
export const DEDUPLICATION_WINDOW = 10_000;

/** One concrete table: a declaration, the storage mode and where it lives. */
export interface TableTarget {
  readonly database: string;
  readonly def: TableDef;
  readonly mode: StorageMode;
  /** Table name inside the database. */
  readonly name: string;
  /** Key prefix (no trailing "/") of the Parquet objects an `s3_engine` table reads: `<prefix>/*.parquet`. */
  readonly lakePrefix: string;
}

export interface TableTargetOptions {
  /** Table name (default: declaration name + the mode's suffix, e.g. `events_s3`). */
  name?: string;
  /** Object key prefix for `s3_engine` (default `lake/<database>/<name>`). */
  lakePrefix?: string;
}

const SAFE_PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

export function tableTarget(
  database: string,
  def: TableDef,
  mode: StorageMode,
  options: TableTargetOptions = {},
): TableTarget {
  if (!STORAGE_MODES.includes(mode)) {
    throw new TabularInputError(`unknown storage mode "${String(mode)}"; use one of ${STORAGE_MODES.join(', ')}.`);
  }
  const name = options.name ?? `${def.name}${STORAGE_MODE_INFO[mode].suffix}`;
  const lakePrefix = (options.lakePrefix ?? `lake/${database}/${name}`).replace(/\/+$/, '');
  // The prefix becomes part of a glob: keep it to characters that are not glob syntax.
  if (!SAFE_PREFIX.test(lakePrefix)) {
    throw new TabularInputError(
      `object prefix "${lakePrefix}" may only hold letters, digits, "_", ".", "-" and "/" separators.`,
    );
  }
  return { database, def, mode, name, lakePrefix };
}

/** The retail tables in every storage mode. */
export function retailTargets(
  database: string,
  tables: ReadonlyArray<TableDef>,
  modes: ReadonlyArray<StorageMode> = STORAGE_MODES,
): TableTarget[] {
  return tables.flatMap((def) => modes.map((mode) => tableTarget(database, def, mode)));
}
