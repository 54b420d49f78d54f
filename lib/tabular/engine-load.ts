/**
 * Loads a chunk's codes inside the engine: the Native block goes into a scratch Memory table once,
 * then INSERT ... SELECT makes the declared columns for the MergeTree table (with the chunk's
 * deduplication token) and, optionally, writes the chunk's Parquet object to the lake.
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { command, qualifiedName, quoteString, toWarehouseError } from '../clickhouse';
import { clientSecrets, connectionInfo } from '../clickhouse/connect';
import { LAKE_COLLECTION } from '../lake/collection';
import { targetSql } from './ddl';
import type { CodeBlock } from './materialize';
import type { TableTarget } from './storage';

/** Scratch tables are named `<SCRATCH_PREFIX><run>_<table>_<chunk>`; a killed run's leftovers are dropped by the next. */
export const SCRATCH_PREFIX = '_kit_load_';

export interface CodeLoad {
  block: CodeBlock;
  database: string;
  /** Unique per run and chunk. */
  scratch: string;
  /** MergeTree table to insert into, with its deduplication token. */
  mergeTree?: { target: TableTarget; token: string };
  /** Lake object key written (overwritten) with the chunk's rows as Parquet. */
  lakeKey?: string;
  logComment: string;
}

export async function loadCodeBlock(client: ClickHouseClient, load: CodeLoad): Promise<void> {
  const scratch = qualifiedName(load.database, load.scratch);
  const opts = { logComment: load.logComment };
  await command(client, `CREATE TABLE IF NOT EXISTS ${scratch} (${load.block.structure}) ENGINE = Memory`, undefined, opts);
  try {
    await command(client, `TRUNCATE TABLE ${scratch}`, undefined, opts);
    await execWithBody(client, `INSERT INTO ${scratch} FORMAT Native`, load.block.native, { log_comment: load.logComment });
    const tasks: Promise<unknown>[] = [];
    if (load.mergeTree) {
      const settings: ClickHouseSettings = { insert_deduplicate: 1, insert_deduplication_token: load.mergeTree.token };
      tasks.push(command(client, `INSERT INTO ${targetSql(load.mergeTree.target)} ${load.block.select(scratch)}`, undefined, { ...opts, settings }));
    }
    if (load.lakeKey !== undefined) {
      const fn = `s3(${LAKE_COLLECTION}, filename = ${quoteString(load.lakeKey)}, format = 'Parquet')`;
      tasks.push(command(client, `INSERT INTO FUNCTION ${fn} ${load.block.select(scratch)}`, undefined, { ...opts, settings: { s3_truncate_on_insert: 1 } }));
    }
    // Both run (one failing must not leave the other writing after the scratch table is gone).
    const results = await Promise.allSettled(tasks);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await command(client, `DROP TABLE IF EXISTS ${scratch} SYNC`, undefined, opts);
  }
}

async function execWithBody(client: ClickHouseClient, sql: string, body: Buffer, settings: ClickHouseSettings): Promise<void> {
  try {
    const r = await client.exec({ query: sql, values: Readable.from([body], { objectMode: false }), clickhouse_settings: settings });
    // The HTTP response body must be consumed to free the socket.
    for await (const _ of r.stream) void _;
  } catch (e) {
    throw toWarehouseError(e, { sql, url: connectionInfo(client)?.url, secrets: clientSecrets(client) });
  }
}
