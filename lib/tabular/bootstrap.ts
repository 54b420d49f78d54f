import type { ClickHouseClient } from '@clickhouse/client';
import type pl from 'nodejs-polars';
import { ensureDatabase, WarehouseError } from '../clickhouse';
import { connectionInfo } from '../clickhouse';
import { ensureLakeCollection } from '../lake';
import { progress as notebookProgress, type Progress } from '../notebook';
import { deleteByPrefix, ensureBucket, type KitS3 } from '../s3';
import { insertParquet } from './bulk';
import { BootstrapMismatchError, TabularInputError } from './errors';
import { frameToParquet } from './frames';
import { RetailGenerator, type DatasetPlan, type DatasetSpec } from './generate';
import { RETAIL_TABLES, type RetailTableName } from './schema';
import { countTableRows, tableStats } from './stats';
import { chunkObjectKey, pruneObjects, stageObject } from './stage';
import { createTable, dropTable } from './table-ops';
import { STORAGE_MODES, tableTarget, type StorageMode, type TableTarget } from './storage';

export type ProgressFactory = (label: string, total?: number) => Progress;

export interface BootstrapOptions {
  /** Database of the tables (default: the client's database). */
  database?: string;
  spec?: DatasetSpec;
  /** Storage modes to build (default all three). */
  modes?: ReadonlyArray<StorageMode>;
  /** S3 client: stages the Parquet objects `s3_engine` tables read. Required with that mode. */
  s3?: KitS3;
  /** Drop the tables and their lake objects first. */
  reset?: boolean;
  /** Progress display (default: lib/notebook progress: a bar in notebooks, on stderr elsewhere); false for none. */
  progress?: ProgressFactory | false;
  /** Retries per batch after a transient failure (connection lost, timeout); the same dedup token makes them safe. Default 2. */
  retries?: number;
  /** Called after each chunk is stored; throwing from it stops the load (tests simulate failures with it). */
  afterChunk?: (info: { group: string; chunk: number; chunks: number }) => void | Promise<void>;
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
  /** Rows generated per table. */
  generated: Record<RetailTableName, number>;
  parquetBytes: number;
  objects: { uploaded: number; unchanged: number; pruned: number };
  seconds: { total: number; generate: number; load: number; verify: number };
}

interface Group {
  name: string;
  chunks: number;
  make(chunk: number): Partial<Record<RetailTableName, pl.DataFrame>>;
}

/**
 * Creates the retail tables in every storage mode and loads the generated dataset, idempotently:
 * - tables are created with IF NOT EXISTS (an empty MergeTree table is re-created, which also
 *   clears its deduplication log);
 * - each chunk goes to each MergeTree table as one Parquet INSERT with the deduplication token
 *   `<dataset id>:<table>:<chunk>`, so a re-run or a retried batch adds nothing;
 * - `s3_engine` tables read objects staged at fixed keys (an unchanged object is not uploaded
 *   again; objects not in the dataset are removed);
 * - at the end every table must hold exactly the generated rows, with the same checksum in every
 *   mode, or a BootstrapMismatchError says what differs.
 */
export async function bootstrapRetail(client: ClickHouseClient, options: BootstrapOptions = {}): Promise<BootstrapReport> {
  const started = Date.now();
  const database = options.database ?? connectionInfo(client)?.database;
  if (!database) throw new TabularInputError('bootstrapRetail needs a database: pass options.database or use a client from connect().');
  const modes = [...(options.modes ?? STORAGE_MODES)];
  const s3 = options.s3;
  if (modes.includes('s3_engine') && !s3) {
    throw new TabularInputError('the s3_engine mode stages Parquet objects in the bucket: pass options.s3 (createS3Client(config)) or leave that mode out.');
  }
  const log = options.log ?? (() => undefined);
  const makeProgress: ProgressFactory = options.progress === false ? silentProgress : (options.progress ?? notebookProgress);
  const generator = new RetailGenerator(options.spec);
  const plan = generator.plan;
  const targets = new Map<RetailTableName, TableTarget[]>(
    RETAIL_TABLES.map((def) => [def.name as RetailTableName, modes.map((mode) => tableTarget(database, def, mode))]),
  );
  const all = [...targets.values()].flat();

  await ensureDatabase(client, database);
  if (s3) await ensureBucket(s3);
  if (modes.includes('s3_engine')) await ensureLakeCollection(client);
  if (options.reset) {
    for (const t of all) {
      await dropTable(client, t, 'kit:tabular:bootstrap');
      if (t.mode === 's3_engine') await deleteByPrefix(s3!, `${t.lakePrefix}/`);
    }
    log(`reset: dropped ${all.length} tables and their lake objects`);
  }
  await prepareTables(client, plan, all, log);

  const generated: Record<RetailTableName, number> = { customers: 0, products: 0, orders: 0, events: 0 };
  const staged = new Map<TableTarget, Set<string>>();
  const objects = { uploaded: 0, unchanged: 0, pruned: 0 };
  let parquetBytes = 0;
  let generateMs = 0;
  const groups: Group[] = [
    { name: 'customers', chunks: plan.chunks.customers, make: (k) => ({ customers: generator.customersChunk(k) }) },
    { name: 'products', chunks: plan.chunks.products, make: (k) => ({ products: generator.productsChunk(k) }) },
    { name: 'events + orders', chunks: plan.chunks.events, make: (k) => generator.activityChunk(k) },
  ];
  const bar = makeProgress(`${plan.id} → ${database}`, plan.customers + plan.products + plan.events);
  const loadStarted = Date.now();
  try {
    for (const group of groups) {
      // One chunk in flight: the next chunk is generated while the previous one is stored.
      let inFlight: Promise<void> | undefined;
      for (let k = 0; k < group.chunks; k++) {
        const t0 = Date.now();
        const frames = group.make(k);
        const encoded = Object.entries(frames).map(([table, frame]) => {
          const name = table as RetailTableName;
          generated[name] += frame.height;
          const bytes = frameToParquet(frame);
          parquetBytes += bytes.byteLength;
          return { name, rows: frame.height, bytes };
        });
        generateMs += Date.now() - t0;
        await inFlight;
        const chunk = k;
        inFlight = (async () => {
          const tasks: Promise<void>[] = [];
          for (const { name, bytes } of encoded) {
            for (const target of targets.get(name)!) {
              if (target.mode === 's3_engine') {
                const key = chunkObjectKey(target, chunk);
                if (!staged.has(target)) staged.set(target, new Set());
                staged.get(target)!.add(key);
                tasks.push(stageObject(s3!, key, bytes).then((r) => void (r.uploaded ? objects.uploaded++ : objects.unchanged++)));
              } else {
                const token = `${plan.id}:${name}:${chunk}`;
                tasks.push(withRetries(() => insertParquet(client, target, bytes, { token, logComment: 'kit:tabular:bootstrap' }), options.retries ?? 2, log).then(() => undefined));
              }
            }
          }
          await Promise.all(tasks);
          const rows = encoded.filter((e) => e.name !== 'orders').reduce((s, e) => s + e.rows, 0);
          bar.tick(rows, `${group.name} ${chunk + 1}/${group.chunks}`);
          await options.afterChunk?.({ group: group.name, chunk, chunks: group.chunks });
        })();
        // Keep an early failure from surfacing as an unhandled rejection while the next chunk is generated.
        inFlight.catch(() => undefined);
      }
      await inFlight;
    }
    for (const [target, keep] of staged) objects.pruned += (await pruneObjects(s3!, target, keep)).deleted;
    bar.done(`${plan.events.toLocaleString('en-US')} events, ${generated.orders.toLocaleString('en-US')} orders`);
  } catch (e) {
    bar.fail(e instanceof Error ? e.message.slice(0, 120) : String(e));
    throw e;
  }
  const loadMs = Date.now() - loadStarted;

  const verifyStarted = Date.now();
  const tables: BootstrapTableResult[] = [];
  for (const [name, list] of targets) {
    for (const target of list) {
      const stats = await tableStats(client, target);
      tables.push({ table: name, mode: target.mode, name: target.name, rows: stats.rows, expectedRows: generated[name], checksum: stats.checksum });
    }
  }
  verify(tables);
  return {
    plan,
    database,
    modes,
    tables,
    generated,
    parquetBytes,
    objects,
    seconds: { total: (Date.now() - started) / 1000, generate: generateMs / 1000, load: loadMs / 1000, verify: (Date.now() - verifyStarted) / 1000 },
  };
}

/**
 * Creates missing tables. A MergeTree table that exists but is empty is re-created (its
 * deduplication log would otherwise skip the batches it once held); one that holds more rows
 * than this dataset has, holds another dataset.
 */
async function prepareTables(client: ClickHouseClient, plan: DatasetPlan, targets: TableTarget[], log: (line: string) => void): Promise<void> {
  const known: Partial<Record<string, number>> = { customers: plan.customers, products: plan.products, events: plan.events };
  for (const t of targets) {
    await createTable(client, t, 'kit:tabular:bootstrap');
    if (t.mode === 's3_engine') continue;
    const rows = await countTableRows(client, t);
    const expected = known[t.def.name];
    if (rows === 0) {
      await dropTable(client, t, 'kit:tabular:bootstrap');
      await createTable(client, t, 'kit:tabular:bootstrap');
    } else if (expected !== undefined && rows > expected) {
      throw new BootstrapMismatchError(
        `${t.database}.${t.name} holds ${rows.toLocaleString('en-US')} rows but dataset ${plan.id} has ${expected.toLocaleString('en-US')}: it was loaded with other settings or changed since. Re-run with reset (npm run bootstrap -- --reset) to rebuild it.`,
      );
    } else {
      log(`${t.name}: ${rows.toLocaleString('en-US')} rows present; batches already stored are dropped as duplicates`);
    }
  }
}

function verify(tables: BootstrapTableResult[]): void {
  const problems: string[] = [];
  for (const t of tables) {
    if (t.rows !== t.expectedRows) problems.push(`${t.name} holds ${t.rows.toLocaleString('en-US')} rows, expected ${t.expectedRows.toLocaleString('en-US')}`);
  }
  const byTable = new Map<string, Set<string>>();
  for (const t of tables) byTable.set(t.table, (byTable.get(t.table) ?? new Set()).add(t.checksum));
  for (const [table, sums] of byTable) if (sums.size > 1) problems.push(`${table} differs between storage modes (checksums ${[...sums].join(', ')})`);
  if (problems.length > 0) {
    throw new BootstrapMismatchError(`The warehouse does not hold the dataset it should: ${problems.join('; ')}. Re-run with reset (npm run bootstrap -- --reset) to rebuild the tables.`);
  }
}

const TRANSIENT_TYPES = new Set(['CONNECTION_FAILED', 'TIMEOUT', 'ECONNRESET', 'EPIPE', 'SOCKET_TIMEOUT', 'NETWORK_ERROR']);

/** Transport failures (the batch may or may not have been stored): safe to resend with the same token. */
export function isTransientFailure(e: unknown): boolean {
  return e instanceof WarehouseError && e.type !== undefined && TRANSIENT_TYPES.has(e.type);
}

async function withRetries<T>(run: () => Promise<T>, retries: number, log: (line: string) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= retries || !isTransientFailure(e)) throw e;
      log(`batch failed (${(e as Error).message.slice(0, 100)}); retrying with the same deduplication token`);
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
}

function silentProgress(): Progress {
  let current = 0;
  return {
    tick: (n = 1) => void (current += n),
    update: (c) => void (current = c),
    done: () => undefined,
    fail: () => undefined,
    get current() {
      return current;
    },
  };
}
