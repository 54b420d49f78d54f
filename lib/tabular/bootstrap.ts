import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { command, connectionInfo, ensureDatabase, queryRows, quoteIdentifier, WarehouseError } from '../clickhouse';
import { ensureLakeCollection } from '../lake';
import { progress as notebookProgress, type Progress } from '../notebook';
import { ensureBucket, type KitS3 } from '../s3';
import { insertParquet } from './bulk';
import {
  checkPlan,
  datasetLakePrefix,
  readTableStates,
  STAGING_SUFFIX,
  taggedDef,
  type Holding,
  type TableState,
} from './dataset-state';
import { SCRATCH_PREFIX, ScratchBatch } from './engine-load';
import { BootstrapMismatchError, TabularInputError } from './errors';
import { frameToParquet } from './frames';
import { RetailGenerator, type DatasetPlan, type DatasetSpec } from './generate';
import { codeBlocks } from './materialize';
import { mirrorTable } from './mirror';
import { RETAIL_TABLES, type RetailTableName } from './schema';
import { chunkObjectKey, pruneObjects, stageObject } from './stage';
import { countTableRows, tableStats } from './stats';
import { createTable } from './table-ops';
import { STORAGE_MODES, tableTarget, type StorageMode, type TableTarget } from './storage';
import { dropWithObjects, swapIn } from './swap';

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

const LOG = { logComment: 'kit:tabular:bootstrap' };
/** Sizes the plan fixes in advance (orders follow from the purchases). */
const plannedRows = (plan: DatasetPlan, table: string): number | undefined =>
  table === 'customers'
    ? plan.customers
    : table === 'products'
      ? plan.products
      : table === 'events'
        ? plan.events
        : undefined;

/**
 * Loads the generated retail dataset into every storage mode without ever mixing two datasets:
 * - the plan each table holds is read first (dataset-state.ts); the same plan changes nothing,
 *   another plan is refused before anything is written unless `replace`;
 * - a dataset is loaded into `<table>__next` tables (lake objects under the plan's own prefix),
 *   verified (rows as generated, equal checksums in every mode), then swapped in per table with
 *   EXCHANGE TABLES, so readers see the old dataset or the new one, never a part;
 * - MergeTree chunks carry the deduplication token `<plan id>:<table>:<chunk>` and lake objects
 *   fixed keys, so a load cut short completes exactly when run again;
 * - events and orders are generated as codes in JavaScript and made into columns by the engine
 *   (materialize.ts); the S3-disk copy is one INSERT SELECT from the local table.
 */
export async function bootstrapRetail(
  client: ClickHouseClient,
  options: BootstrapOptions = {},
): Promise<BootstrapReport> {
  const started = Date.now();
  const database = options.database ?? connectionInfo(client)?.database;
  if (!database)
    throw new TabularInputError(
      'bootstrapRetail needs a database: pass options.database or use a client from connect().',
    );
  const modes = [...(options.modes ?? STORAGE_MODES)];
  const s3 = options.s3;
  if (modes.includes('s3_engine') && !s3) {
    throw new TabularInputError(
      'the s3_engine mode stages Parquet objects in the bucket: pass options.s3 (createS3Client(config)) or leave that mode out.',
    );
  }
  const log = options.log ?? (() => undefined);
  const generator = new RetailGenerator(options.spec);
  const plan = generator.plan;
  const live = RETAIL_TABLES.flatMap((def) => modes.map((mode) => tableTarget(database, def, mode)));
  const stagingName = (t: TableTarget): string => `${t.name}${STAGING_SUFFIX}`;
  // An empty database holds no dataset; it must exist before anything can be read through a server whose session uses it.
  await ensureDatabase(client, database);
  let states = await readTableStates(
    client,
    database,
    live.flatMap((t) => [t.name, stagingName(t)]),
  );

  // 1. Read what the warehouse holds; refuse another dataset before writing anything.
  const holdings = await holdingsOf(client, plan, live, states);
  checkPlan(plan, holdings, options.replace === true, options.replaceHint ?? replaceCommand(plan));

  if (s3) await ensureBucket(s3);
  if (modes.includes('s3_engine')) await ensureLakeCollection(client);
  await dropScratchTables(client, database);
  if (options.reset) {
    for (const t of live)
      for (const name of [t.name, stagingName(t)]) {
        const state = states.get(name);
        if (state) await dropWithObjects(client, { ...t, name }, state, s3, new Set());
      }
    log(`reset: dropped the retail tables, the tables being loaded and their lake objects`);
    states = new Map();
  }
  const holds = (t: TableTarget): string | undefined =>
    options.reset ? undefined : holdings.find((h) => h.target === t)?.holds;
  const needs = live.filter((t) => holds(t) !== plan.id);
  const livePrefixes = new Set(
    live
      .filter((t) => !needs.includes(t))
      .map((t) => states.get(t.name)?.lakePrefix)
      .filter((p): p is string => p !== undefined),
  );

  // 2. Where this plan must be loaded, a table being loaded for another plan (a replace cut short,
  //    or the old side of a swap cut short) goes. Elsewhere nothing is touched.
  const staging = new Map<TableTarget, TableTarget>();
  for (const t of live.filter((x) => needs.includes(x))) {
    const name = stagingName(t);
    const state = states.get(name);
    if (state && state.plan !== plan.id) {
      await dropWithObjects(client, { ...t, name }, state, s3, livePrefixes);
      log(
        `dropped ${name} (${state.plan ? `dataset ${state.plan}` : 'no recorded dataset'}): not the dataset being loaded`,
      );
    }
    staging.set(
      t,
      tableTarget(database, taggedDef(t.def, plan.id), t.mode, {
        name,
        lakePrefix: datasetLakePrefix(database, plan.id, t.name),
      }),
    );
  }
  const report: BootstrapReport = {
    plan,
    database,
    modes,
    tables: [],
    generated: { customers: 0, products: 0, orders: 0, events: 0 },
    swapped: [],
    parquetBytes: 0,
    objects: { uploaded: 0, unchanged: 0, pruned: 0 },
    seconds: { total: 0, generate: 0, load: 0, copy: 0, verify: 0, swap: 0 },
  };
  const effective = (t: TableTarget): TableTarget => staging.get(t) ?? t;

  if (needs.length > 0) {
    log(`loading ${plan.id} into ${needs.map((t) => stagingName(t)).join(', ')}`);
    for (const s of staging.values()) await createTable(client, s, LOG.logComment);
    await loadDataset(client, generator, live, staging, effective, report, options);
  }

  // 3. Verify what will be live, then swap it in table by table.
  const verifyStarted = Date.now();
  report.tables = await Promise.all(
    live.map(async (t) => {
      const stats = await tableStats(client, effective(t));
      const expected =
        needs.length > 0
          ? report.generated[t.def.name as RetailTableName]
          : (plannedRows(plan, t.def.name) ?? stats.rows);
      return {
        table: t.def.name as RetailTableName,
        mode: t.mode,
        name: t.name,
        rows: stats.rows,
        expectedRows: expected,
        checksum: stats.checksum,
      };
    }),
  );
  verify(
    report.tables,
    report.tables.map((r, i) => `${effective(live[i]!).name}`),
  );
  report.seconds.verify = (Date.now() - verifyStarted) / 1000;

  const swapStarted = Date.now();
  for (const t of needs) {
    await swapIn(
      client,
      staging.get(t)!,
      t,
      states.get(t.name),
      s3,
      new Set([...livePrefixes, staging.get(t)!.lakePrefix]),
    );
    report.swapped.push(t.name);
    log(`${t.name}: dataset ${plan.id} swapped in`);
    await options.afterSwap?.({ table: t.name });
  }
  report.seconds.swap = (Date.now() - swapStarted) / 1000;
  report.seconds.total = (Date.now() - started) / 1000;
  return report;
}

/** What every live table holds; a table from before plans were recorded counts as this plan when its size fits. */
async function holdingsOf(
  client: ClickHouseClient,
  plan: DatasetPlan,
  live: TableTarget[],
  states: Map<string, TableState>,
): Promise<Holding[]> {
  const holdings: Holding[] = [];
  for (const t of live) {
    const state = states.get(t.name);
    if (!state) holdings.push({ target: t, holds: undefined });
    else if (state.plan !== undefined) holdings.push({ target: t, holds: state.plan });
    else {
      const rows = state.rows ?? (await countTableRows(client, t));
      const size = plannedRows(plan, t.def.name);
      holdings.push({ target: t, holds: rows === 0 || size === undefined || rows === size ? undefined : 'unrecorded' });
    }
  }
  // Orders have no planned size: an unrecorded orders table fits when the events beside it fit.
  for (const h of holdings) {
    if (h.target.def.name !== 'orders' || states.get(h.target.name)?.plan !== undefined) continue;
    const events = holdings.find((e) => e.target.def.name === 'events' && e.target.mode === h.target.mode);
    if (events?.holds === 'unrecorded') h.holds = 'unrecorded';
  }
  return holdings;
}

function replaceCommand(plan: DatasetPlan): string {
  const args = [`--events ${plan.events}`];
  if (plan.seed !== 'retail') args.push(`--seed ${plan.seed}`);
  if (plan.chunkRows !== 100_000) args.push(`--chunk-rows ${plan.chunkRows}`);
  return `npm run bootstrap -- ${args.join(' ')} --replace`;
}

/** Scratch tables of a load that was killed. */
async function dropScratchTables(client: ClickHouseClient, database: string): Promise<void> {
  const rows = await queryRows<{ name: string }>(
    client,
    'SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, {p:String})',
    { db: database, p: SCRATCH_PREFIX },
    LOG,
  );
  for (const r of rows)
    await command(
      client,
      `DROP TABLE IF EXISTS ${quoteIdentifier(database)}.${quoteIdentifier(r.name)} SYNC`,
      undefined,
      LOG,
    );
}

/**
 * Generates every chunk and writes it where it is missing. Per retail table, at most one
 * MergeTree table is written chunk by chunk (the local one when it is being loaded); the S3-disk
 * table is then copied from a local table holding the same plan.
 */
async function loadDataset(
  client: ClickHouseClient,
  generator: RetailGenerator,
  live: TableTarget[],
  staging: Map<TableTarget, TableTarget>,
  effective: (t: TableTarget) => TableTarget,
  report: BootstrapReport,
  options: BootstrapOptions,
): Promise<void> {
  const plan = generator.plan;
  const log = options.log ?? (() => undefined);
  const retries = options.retries ?? 2;
  const makeProgress: ProgressFactory =
    options.progress === false ? silentProgress : (options.progress ?? notebookProgress);
  const run = randomUUID().slice(0, 8);
  const of = (table: RetailTableName, mode: StorageMode): TableTarget | undefined =>
    live.find((t) => t.def.name === table && t.mode === mode);
  /** Per table: the MergeTree written chunk by chunk, the lake table, and the S3-disk copy (from, to). */
  const routes = new Map<
    RetailTableName,
    { mergeTree?: TableTarget; lake?: TableTarget; copy?: [TableTarget, TableTarget] }
  >();
  for (const def of RETAIL_TABLES) {
    const name = def.name as RetailTableName;
    const [local, disk, lake] = (['local', 's3_disk', 's3_engine'] as const).map((m) => of(name, m));
    const route: { mergeTree?: TableTarget; lake?: TableTarget; copy?: [TableTarget, TableTarget] } = {};
    if (local && staging.has(local)) route.mergeTree = staging.get(local);
    if (disk && staging.has(disk)) {
      if (local) route.copy = [effective(local), staging.get(disk)!];
      else route.mergeTree = staging.get(disk);
    }
    if (lake && staging.has(lake)) route.lake = staging.get(lake);
    routes.set(name, route);
  }
  const bar = makeProgress(`${plan.id} → ${live[0]!.database}`, plan.customers + plan.products + plan.events);
  const staged = new Map<TableTarget, Set<string>>();
  const keep = (target: TableTarget, key: string): void =>
    void (staged.get(target) ?? staged.set(target, new Set()).get(target)!).add(key);
  const copies: Promise<void>[] = [];
  const copyStarted = new Map<RetailTableName, number>();
  const startCopy = (table: RetailTableName): void => {
    const copy = routes.get(table)?.copy;
    if (!copy) return;
    copyStarted.set(table, Date.now());
    const p = withRetries(() => mirrorTable(client, copy[0], copy[1], LOG.logComment), retries, log).then(() => {
      report.seconds.copy = Math.max(report.seconds.copy, (Date.now() - started) / 1000);
    });
    p.catch(() => undefined);
    copies.push(p);
  };
  const scratches: ScratchBatch[] = [];
  const database = live[0]!.database;
  const started = Date.now();
  try {
    // Customers and products: polars frames (small: the reference path), as Parquet.
    for (const table of ['customers', 'products'] as const) {
      const route = routes.get(table)!;
      const chunks = plan.chunks[table];
      for (let k = 0; k < chunks; k++) {
        const t0 = Date.now();
        const frame = table === 'customers' ? generator.customersChunk(k) : generator.productsChunk(k);
        const bytes = frameToParquet(frame);
        report.seconds.generate += (Date.now() - t0) / 1000;
        report.generated[table] += frame.height;
        report.parquetBytes += bytes.byteLength;
        const tasks: Promise<unknown>[] = [];
        const mt = route.mergeTree;
        if (mt)
          tasks.push(
            withRetries(
              () => insertParquet(client, mt, bytes, { token: `${plan.id}:${table}:${k}`, logComment: LOG.logComment }),
              retries,
              log,
            ),
          );
        if (route.lake) {
          const key = chunkObjectKey(route.lake, k);
          keep(route.lake, key);
          tasks.push(
            stageObject(options.s3!, key, bytes).then(
              (r) => void (r.uploaded ? report.objects.uploaded++ : report.objects.unchanged++),
            ),
          );
        }
        await Promise.all(tasks);
        bar.tick(frame.height, `${table} ${k + 1}/${chunks}`);
        await options.afterChunk?.({ group: table, chunk: k, chunks });
      }
      startCopy(table);
    }

    // Events and orders: codes from JavaScript, columns made by the engine, a batch of chunks at
    // a time (one part per partition instead of one per chunk). The next batch is generated
    // while the engine stores the previous one.
    const chunks = plan.chunks.events;
    const batches = Math.ceil(chunks / plan.batchChunks);
    let inFlight: Promise<void> | undefined;
    for (let b = 0; b < batches; b++) {
      const firstChunk = b * plan.batchChunks;
      const lastChunk = Math.min(chunks, firstChunk + plan.batchChunks) - 1;
      const scratch = {
        events: new ScratchBatch(client, database, `${SCRATCH_PREFIX}${run}_events_${b}`, LOG.logComment),
        orders: new ScratchBatch(client, database, `${SCRATCH_PREFIX}${run}_orders_${b}`, LOG.logComment),
      };
      scratches.push(scratch.events, scratch.orders);
      for (let k = firstChunk; k <= lastChunk; k++) {
        const t0 = Date.now();
        const blocks = codeBlocks(generator.activityCodesChunk(k));
        report.seconds.generate += (Date.now() - t0) / 1000;
        for (const block of blocks) report.generated[block.table] += block.rows;
        await Promise.all(blocks.map((block) => scratch[block.table].append(block)));
      }
      await inFlight;
      inFlight = (async () => {
        await Promise.all(
          (['events', 'orders'] as const).map(async (table) => {
            const route = routes.get(table)!;
            const lakeKey = route.lake ? chunkObjectKey(route.lake, firstChunk) : undefined;
            if (route.lake && lakeKey) keep(route.lake, lakeKey);
            const mergeTree = route.mergeTree
              ? { target: route.mergeTree, token: `${plan.id}:${table}:${firstChunk}-${lastChunk}` }
              : undefined;
            await withRetries(() => scratch[table].flush({ mergeTree, lakeKey }), retries, log);
            await scratch[table].drop();
            if (lakeKey !== undefined) report.objects.uploaded++;
          }),
        );
        bar.tick(scratch.events.rows, `events + orders ${lastChunk + 1}/${chunks}`);
        await options.afterChunk?.({ group: 'events + orders', chunk: lastChunk, chunks });
      })();
      // Keep an early failure from surfacing as an unhandled rejection while the next batch is generated.
      inFlight.catch(() => undefined);
    }
    await inFlight;
    startCopy('events');
    startCopy('orders');
    await Promise.all(copies);
    for (const [target, keys] of staged)
      report.objects.pruned += (await pruneObjects(options.s3!, target, keys)).deleted;
    report.seconds.load = (Date.now() - started) / 1000;
    bar.done(
      `${plan.events.toLocaleString('en-US')} events, ${report.generated.orders.toLocaleString('en-US')} orders`,
    );
  } catch (e) {
    await Promise.allSettled(copies);
    await Promise.allSettled(scratches.map((x) => x.drop()));
    bar.fail(e instanceof Error ? e.message.slice(0, 120) : String(e));
    throw e;
  }
}

function verify(tables: BootstrapTableResult[], names: string[]): void {
  const problems: string[] = [];
  tables.forEach((t, i) => {
    if (t.rows !== t.expectedRows)
      problems.push(
        `${names[i]} holds ${t.rows.toLocaleString('en-US')} rows, expected ${t.expectedRows.toLocaleString('en-US')}`,
      );
  });
  const byTable = new Map<string, Set<string>>();
  for (const t of tables) byTable.set(t.table, (byTable.get(t.table) ?? new Set()).add(t.checksum));
  for (const [table, sums] of byTable)
    if (sums.size > 1) problems.push(`${table} differs between storage modes (checksums ${[...sums].join(', ')})`);
  if (problems.length > 0) {
    throw new BootstrapMismatchError(
      `The dataset does not check out, so nothing was swapped in: ${problems.join('; ')}. Re-run with reset (npm run bootstrap -- --reset) to rebuild the tables.`,
    );
  }
}

const TRANSIENT_TYPES = new Set([
  'CONNECTION_FAILED',
  'TIMEOUT',
  'ECONNRESET',
  'EPIPE',
  'SOCKET_TIMEOUT',
  'NETWORK_ERROR',
]);

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
