import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type pl from 'nodejs-polars';
import { quoteString, toWarehouseError } from '../clickhouse';
import { clientSecrets, connectionInfo } from '../clickhouse/connect';
import { LAKE_COLLECTION } from '../lake/collection';
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
export async function insertFrame(client: ClickHouseClient, target: TableTarget, frame: pl.DataFrame, options: BulkInsertOptions = {}): Promise<BulkInsertResult> {
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
    throw new TabularInputError(`the data for ${target.name} is not Parquet (Parquet starts and ends with "PAR1"). Convert it to Parquet first, or insert a frame with insertFrame().`);
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
    const r = await client.exec({ query: sql, values: Readable.from([body], { objectMode: false }), clickhouse_settings: settings });
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
