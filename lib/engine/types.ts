/** @file The engine host's request, result and summary shapes. */
import type { QueryKind, SettingValue } from '../sql';
import type { EngineSession } from './sessions';

export interface EngineOptions {
  /** Data folder (absolute). One process per folder. */
  dataPath: string;
  /** ClickHouse XML config file (absolute) loaded when the engine starts. */
  configFile?: string | undefined;
  /** Database created at start (the kit's warehouse database). */
  database?: string | undefined;
  /** Environment the engine's config needs (`from_env` variables); set before the engine starts. */
  environment?: Readonly<Record<string, string>> | undefined;
  /** Sessions that run sessionless queries side by side (default 4). */
  poolSize?: number;
  /** Values scrubbed from the query log (passwords, keys). */
  secrets?: ReadonlyArray<string>;
  /** Where INSERT data streams are spooled when their format must be read from a file (default: the OS temp folder). */
  spoolDir?: string | undefined;
  /** The S3 server the engine's tables may need; checked before start when such tables exist. */
  s3Endpoint?: string | undefined;
}

/** INSERT data: a file, or a stream of bytes; `compression` is the ClickHouse method of the bytes (gzip, zstd, ...). */
export type EngineInput =
  | { file: string; compression?: string | undefined }
  | { stream: AsyncIterable<Uint8Array>; compression?: string | undefined };

export interface EngineRequest {
  sql: string;
  /** Query parameters in the text form of the HTTP interface (`param_x=...`). */
  params?: Readonly<Record<string, string>>;
  /** Settings for this query only (sessionless) or for the session from now on (named session). */
  settings?: Readonly<Record<string, SettingValue>>;
  database?: string | undefined;
  queryId?: string | undefined;
  user?: string | undefined;
  /** Format used when the SQL has no FORMAT clause (HTTP `default_format`; default TabSeparated). */
  defaultFormat?: string | undefined;
  /** Named session (HTTP `session_id`): its own settings, temporary tables and current database. */
  session?: EngineSession | undefined;
  /**
   * INSERT data for `INSERT ... FORMAT x`: a file, or a stream of bytes the engine reads while it
   * arrives (through a named pipe; formats read by seeking, such as Parquet, are spooled to a file
   * first).
   */
  data?: EngineInput | undefined;
  /** Stream SELECT results chunk by chunk instead of materialising them. */
  stream?: boolean;
  signal?: AbortSignal | undefined;
  interface?: 'embedded' | 'http';
  userAgent?: string | undefined;
  /** Names this run in system.processes (a UUID): EmbeddedEngine.progress reads it. */
  runId?: string | undefined;
}

export interface EngineSummary {
  read_rows: number;
  read_bytes: number;
  written_rows: number;
  written_bytes: number;
  result_rows: number;
  result_bytes: number;
  elapsed_ns: number;
}

export interface EngineResult {
  queryId: string;
  kind: QueryKind;
  /** Output format (explicit FORMAT clause, else the default format). */
  format: string;
  /** The result bytes; iterate once. Errors after the first chunk surface here. */
  chunks: AsyncIterable<Uint8Array>;
  /** Settles when the result has been consumed (or failed / was cancelled). */
  done: Promise<EngineSummary>;
}

/** A summary with nothing read or written, `elapsed_ns` as given. */
export function emptySummary(elapsedNs = 0): EngineSummary {
  return {
    read_rows: 0,
    read_bytes: 0,
    written_rows: 0,
    written_bytes: 0,
    result_rows: 0,
    result_bytes: 0,
    elapsed_ns: elapsedNs,
  };
}

/** Nanoseconds since a `Date.now()` timestamp. */
export function elapsedNsSince(started: number): number {
  return (Date.now() - started) * 1e6;
}

/** A result that is complete already: its bytes in one chunk (none when empty), its summary settled. */
export function wholeResult(
  queryId: string,
  kind: QueryKind,
  format: string,
  bytes: Uint8Array,
  summary: EngineSummary,
): EngineResult {
  return {
    queryId,
    kind,
    format,
    chunks: (async function* () {
      if (bytes.byteLength > 0) yield bytes;
    })(),
    done: Promise.resolve(summary),
  };
}
