import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type pl from 'nodejs-polars';
import { quoteString, toWarehouseError } from '../clickhouse';
import { clientSecrets, connectionInfo } from '../clickhouse';
import { LAKE_COLLECTION } from '../lake';
import { targetSql } from './ddl';
import { TabularInputError } from './errors';
import { conformFrame, frameToParquet, looksLikeParquet } from './frames';
import type { TableTarget } from './storage';

export interface BulkInsertOptions {
  /**
   * Identifies this batch: inserting the same token again (a re-run, a retry after a failure)
   * adds nothing. MergeTree: `insert_deduplication_token`; S3 engine: the object key.
   */
  token?: string;
  /** Tag in system.query_log (default `kit:tabular:insert`). */
  logComment?: string;
  settings?: ClickHouseSettings;
}

export interface BulkInsertResult {
  /** Rows sent (the frame's height; undefined for raw Parquet bytes). A deduplicated batch adds none. */
  rows: number | undefined;
  bytes: number;
  queryId: string;
  /** s3_engine: the object written. */
  objectKey: string | undefined;
}

/**
 * The fast path into a table: a polars frame, conformed to the table's declaration, as Parquet,
 * streamed in one INSERT ... FORMAT Parquet. Column order and types are checked in JS first, so
 * a bad frame is refused before anything is written.
 */
export async function insertFrame(
  client: ClickHouseClient,
  target: TableTarget,
  frame: pl.DataFrame,
  options: BulkInsertOptions = {},
): Promise<BulkInsertResult> {
  const conformed = conformFrame(target.def, frame);
  return insertParquet(client, target, frameToParquet(conformed), { ...options, rows: conformed.height });
}

/**
 * Streams Parquet bytes into a table with `INSERT ... FORMAT Parquet` (client.exec with a
 * Readable body).
 * - MergeTree modes: into the table, with the batch's `insert_deduplication_token`.
 * - s3_engine: a new object under the table's prefix, written by ClickHouse through the named
 *   collection (the key derives from the token, so a retried batch overwrites its own object).
 * Bytes that are not Parquet are refused before anything is sent.
 */
export async function insertParquet(
  client: ClickHouseClient,
  target: TableTarget,
  parquet: Uint8Array,
  options: BulkInsertOptions & { rows?: number } = {},
): Promise<BulkInsertResult> {
  if (!looksLikeParquet(parquet)) {
    throw new TabularInputError(
      `the data for ${target.name} is not Parquet (Parquet starts and ends with "PAR1"). Convert it to Parquet first, or insert a frame with insertFrame().`,
    );
  }
  const settings: ClickHouseSettings = { log_comment: options.logComment ?? 'kit:tabular:insert', ...options.settings };
  let sql: string;
  let objectKey: string | undefined;
  if (target.mode === 's3_engine') {
    objectKey = `${target.lakePrefix}/${options.token === undefined ? `insert-${randomUUID()}` : `batch-${tokenKey(options.token)}`}.parquet`;
    const structure = target.def.columns.map((c) => `${c.name} ${c.type}`).join(', ');
    sql = `INSERT INTO FUNCTION s3(${LAKE_COLLECTION}, filename = ${quoteString(objectKey)}, format = 'Parquet', structure = ${quoteString(structure)}) FORMAT Parquet`;
    settings.s3_truncate_on_insert = 1;
  } else {
    sql = `INSERT INTO ${targetSql(target)} FORMAT Parquet`;
    if (options.token !== undefined) {
      settings.insert_deduplicate = 1;
      settings.insert_deduplication_token = options.token;
    }
  }
  const body = Buffer.from(parquet.buffer, parquet.byteOffset, parquet.byteLength);
  try {
    const r = await client.exec({
      query: sql,
      values: Readable.from([body], { objectMode: false }),
      clickhouse_settings: settings,
    });
    // The HTTP response body must be consumed to free the socket.
    for await (const _ of r.stream) void _;
    return { rows: options.rows, bytes: body.byteLength, queryId: r.query_id, objectKey };
  } catch (e) {
    throw toWarehouseError(e, { sql, url: connectionInfo(client)?.url, secrets: clientSecrets(client) });
  }
}

/** A short stable key for a token (tokens may hold characters object keys should not). */
function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 24);
}

export interface LoadFrameOptions extends BulkInsertOptions {
  /** Rows per INSERT (default 500 000). */
  batchRows?: number;
  /** Batches in flight at once (default 2: one being encoded while one is inserted). */
  concurrency?: number;
  onBatch?: (info: { batch: number; batches: number; rows: number }) => void;
}

/**
 * Loads a large frame in Parquet batches: while ClickHouse inserts one batch (off the JavaScript
 * thread), the next is encoded. With a token, batch i gets `<token>:<i>`, so a repeated load
 * adds nothing.
 */
export async function loadFrame(
  client: ClickHouseClient,
  target: TableTarget,
  frame: pl.DataFrame,
  options: LoadFrameOptions = {},
): Promise<{ rows: number; bytes: number; batches: number }> {
  const batchRows = options.batchRows ?? 500_000;
  if (!Number.isInteger(batchRows) || batchRows < 1)
    throw new TabularInputError(`batchRows must be a whole number >= 1, got ${String(options.batchRows)}.`);
  const conformed = conformFrame(target.def, frame);
  const batches = Math.max(1, Math.ceil(conformed.height / batchRows));
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const running = new Set<Promise<unknown>>();
  let bytes = 0;
  let failure: Error | undefined;
  for (let i = 0; i < batches && failure === undefined; i++) {
    const slice = conformed.slice(i * batchRows, batchRows);
    const parquet = frameToParquet(slice);
    bytes += parquet.byteLength;
    const token = options.token === undefined ? undefined : `${options.token}:${i}`;
    const p = insertParquet(client, target, parquet, { ...options, token, rows: slice.height }).then(
      () => options.onBatch?.({ batch: i, batches, rows: slice.height }),
      (e: unknown) => void (failure ??= e instanceof Error ? e : new Error(String(e))),
    );
    running.add(p);
    void p.finally(() => running.delete(p));
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
  return { rows: conformed.height, bytes, batches };
}
