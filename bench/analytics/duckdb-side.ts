/**
 * The peer of bench:analytics: DuckDB (`@duckdb/node-api`) on a database file, with its documented
 * defaults (threads = cores, memory_limit 80% of RAM) and the session time zone set to UTC so date
 * buckets match. Two documented ways into a nodejs-polars frame are measured and the faster counts:
 *   - `columns`: the materialized result read column-wise as JS values (`getColumnsObjectJS`) and
 *     handed to `pl.DataFrame`;
 *   - `parquet`: `COPY (query) TO '<file>' (FORMAT parquet, COMPRESSION uncompressed)` and
 *     `pl.readParquet` of that file (DuckDB writes it in parallel, polars reads it natively).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { decimalsAsFloat } from '../../lib/clickhouse';
import type { RetailTableName } from '../../lib/tabular';

export type DuckPath = 'columns' | 'parquet';
export const DUCK_PATHS: ReadonlyArray<DuckPath> = ['columns', 'parquet'];

const quoteLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export class DuckSide {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly tmpDir: string,
    readonly version: string,
  ) {}

  /** Opens a fresh database file (an old one at the path is removed). */
  static async open(file: string, tmpDir: string): Promise<DuckSide> {
    rmSync(file, { force: true });
    rmSync(`${file}.wal`, { force: true });
    mkdirSync(tmpDir, { recursive: true });
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    const v = await connection.runAndReadAll('SELECT version() AS v');
    const version = v.getRowObjectsJS()[0]?.v;
    return new DuckSide(instance, connection, tmpDir, typeof version === 'string' ? version : 'unknown');
  }

  /** Loads the Parquet files of every table (CREATE TABLE AS read_parquet), then CHECKPOINT; seconds per table. */
  async load(files: Record<RetailTableName, string[]>): Promise<Record<RetailTableName, number>> {
    const out = {} as Record<RetailTableName, number>;
    for (const [table, list] of Object.entries(files) as Array<[RetailTableName, string[]]>) {
      const started = performance.now();
      await this.connection.run(
        `CREATE OR REPLACE TABLE ${table} AS SELECT * FROM read_parquet([${list.map(quoteLiteral).join(', ')}])`,
      );
      out[table] = (performance.now() - started) / 1000;
    }
    await this.connection.run('CHECKPOINT');
    return out;
  }

  async frame(sql: string, path: DuckPath): Promise<pl.DataFrame> {
    if (path === 'columns') {
      const reader = await this.connection.runAndReadAll(sql);
      return pl.DataFrame(reader.getColumnsObjectJS() as Record<string, unknown[]>);
    }
    const file = join(this.tmpDir, 'result.parquet');
    await this.connection.run(`COPY (${sql}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION uncompressed)`);
    try {
      // The same Decimal -> Float64 step as the kit's queryFrame (JavaScript cannot read polars Decimals).
      return decimalsAsFloat(pl.readParquet(file));
    } finally {
      rmSync(file, { force: true });
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
