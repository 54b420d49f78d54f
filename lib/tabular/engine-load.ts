/**
 * Loads generated codes inside the engine: the chunks of a batch go as Native blocks into a
 * scratch Memory table, then one INSERT ... SELECT per destination makes the declared columns:
 * the MergeTree table (one block, with the batch's deduplication token) and the batch's Parquet
 * object in the lake.
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { clientSecrets, command, connectionInfo, qualifiedName, quoteString, toWarehouseError } from '../clickhouse';
import { LAKE_COLLECTION, parquetWriteSettings } from '../lake';
import { targetSql } from './ddl';
import type { CodeBlock } from './materialize';
import type { TableTarget } from './storage';

/** Scratch tables are named `<SCRATCH_PREFIX><run>_<table>_<batch>`; a killed run's leftovers are dropped by the next. */
export const SCRATCH_PREFIX = '_kit_load_';

/**
 * A batch must reach the MergeTree table as ONE block: the deduplication token then stands for
 * exactly this set of rows, whatever order the scratch table is read in (several blocks would be
 * deduplicated per block index, and a re-run could split them differently). One reading thread
 * and squashing thresholds above any batch do that.
 */
const ONE_BLOCK: ClickHouseSettings = {
  max_threads: 1,
  max_insert_threads: '1',
  min_insert_block_size_rows: '100000000',
  min_insert_block_size_bytes: String(8 * 2 ** 30),
  max_block_size: '65536',
};

export interface ScratchFlush {
  /** MergeTree table to insert into, with the batch's deduplication token. */
  mergeTree?: { target: TableTarget; token: string };
  /** Lake object key written (overwritten) with the batch's rows as Parquet. */
  lakeKey?: string;
}

/** One batch of one table's codes, collected in a scratch Memory table. */
export class ScratchBatch {
  readonly #client: ClickHouseClient;
  readonly #table: string;
  readonly #logComment: string;
  #created: Promise<unknown> | undefined;
  #select: ((from: string) => string) | undefined;
  rows = 0;

  constructor(client: ClickHouseClient, database: string, name: string, logComment: string) {
    this.#client = client;
    this.#table = qualifiedName(database, name);
    this.#logComment = logComment;
  }

  async append(block: CodeBlock): Promise<void> {
    this.#select ??= block.select;
    this.#created ??= command(
      this.#client,
      // Compressed: the codes of a batch being filled wait in memory while the previous batch is stored.
      `CREATE OR REPLACE TABLE ${this.#table} (${block.structure}) ENGINE = Memory SETTINGS compress = 1`,
      undefined,
      { logComment: this.#logComment },
    );
    await this.#created;
    if (block.rows === 0) return;
    await execWithBody(this.#client, `INSERT INTO ${this.#table} FORMAT Native`, block.native, {
      log_comment: this.#logComment,
    });
    this.rows += block.rows;
  }

  /**
   * Writes the batch to its destinations (concurrently). Safe to repeat after a failure (same
   * token, same object key); the caller drops the scratch table afterwards.
   */
  async flush(to: ScratchFlush): Promise<void> {
    const select = this.#select;
    if (!select) return;
    const opts = { logComment: this.#logComment };
    const tasks: Promise<unknown>[] = [];
    if (to.mergeTree) {
      const settings: ClickHouseSettings = {
        ...ONE_BLOCK,
        insert_deduplicate: 1,
        insert_deduplication_token: to.mergeTree.token,
      };
      tasks.push(
        command(this.#client, `INSERT INTO ${targetSql(to.mergeTree.target)} ${select(this.#table)}`, undefined, {
          ...opts,
          settings,
        }),
      );
    }
    if (to.lakeKey !== undefined) {
      const fn = `s3(${LAKE_COLLECTION}, filename = ${quoteString(to.lakeKey)}, format = 'Parquet')`;
      tasks.push(
        command(this.#client, `INSERT INTO FUNCTION ${fn} ${select(this.#table)}`, undefined, {
          ...opts,
          settings: { ...parquetWriteSettings(), max_threads: 1, s3_truncate_on_insert: 1 },
        }),
      );
    }
    // Both run to the end: one failing must not leave the other reading a dropped table.
    const results = await Promise.allSettled(tasks);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async drop(): Promise<void> {
    await command(this.#client, `DROP TABLE IF EXISTS ${this.#table} SYNC`, undefined, {
      logComment: this.#logComment,
    });
  }
}

async function execWithBody(
  client: ClickHouseClient,
  sql: string,
  body: Buffer,
  settings: ClickHouseSettings,
): Promise<void> {
  try {
    const r = await client.exec({
      query: sql,
      values: Readable.from([body], { objectMode: false }),
      clickhouse_settings: settings,
    });
    // The HTTP response body must be consumed to free the socket.
    for await (const _ of r.stream) void _;
  } catch (e) {
    throw toWarehouseError(e, { sql, url: connectionInfo(client)?.url, secrets: clientSecrets(client) });
  }
}
