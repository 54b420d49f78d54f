/**
 * Loading a dataset plan's rows into the tables being loaded: generation overlapped with the
 * engine's work, deduplication tokens per batch, transient failures resent with the same token.
 */
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { WarehouseError } from '../clickhouse';
import { progress as notebookProgress, type Progress } from '../notebook';
import { insertParquet } from './bulk';
import { SCRATCH_PREFIX, ScratchBatch } from './engine-load';
import { frameToParquet } from './frames';
import { RetailGenerator } from './generate';
import { codeBlocks } from './materialize';
import { mirrorTable } from './mirror';
import { holdMerges } from './table-ops';
import { RETAIL_TABLES, type RetailTableName } from './schema';
import { chunkObjectKey, pruneObjects, stageObject } from './stage';
import { type StorageMode, type TableTarget } from './storage';
import type { BootstrapOptions, BootstrapReport, ProgressFactory } from './bootstrap-types';

const LOG = { logComment: 'kit:tabular:bootstrap' };

/**
 * Called as soon as a table being loaded holds all its rows (so it can be verified while the rest
 * loads); `copyOf`: the table is a part-for-part copy of that one (mirror.ts), so it holds the same rows.
 */
export type CompletionHook = (target: TableTarget, copyOf?: TableTarget) => void;

/**
 * Generates every chunk and writes it where it is missing. Per retail table, at most one
 * MergeTree table is written chunk by chunk (the local one when it is being loaded); the S3-disk
 * table is then copied from a local table holding the same plan. The dimensions (customers,
 * products: polars in JavaScript) load while the engine stores the events, whose generation
 * mostly waits on it.
 */
export async function loadDataset(
  client: ClickHouseClient,
  generator: RetailGenerator,
  live: TableTarget[],
  staging: Map<TableTarget, TableTarget>,
  effective: (t: TableTarget) => TableTarget,
  report: BootstrapReport,
  options: BootstrapOptions,
  onComplete: CompletionHook = () => undefined,
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
  /** Copies and lake pruning started as tables complete. */
  const copies: Promise<void>[] = [];
  const copyStarted = new Map<RetailTableName, number>();
  const startCopy = (table: RetailTableName): void => {
    const copy = routes.get(table)?.copy;
    if (!copy) return;
    copyStarted.set(table, Date.now());
    const p = withRetries(() => mirrorTable(client, copy[0], copy[1], LOG.logComment), retries, log).then((r) => {
      report.seconds.copy = Math.max(report.seconds.copy, (Date.now() - started) / 1000);
      onComplete(copy[1], r.identical ? copy[0] : undefined);
    });
    p.catch(() => undefined);
    copies.push(p);
  };
  /** A table's rows are all written: verify it, copy it, and remove lake objects of a larger dataset. */
  const finish = async (table: RetailTableName): Promise<void> => {
    const route = routes.get(table)!;
    if (route.mergeTree) {
      await holdMerges(client, route.mergeTree, false, LOG.logComment);
      onComplete(route.mergeTree);
    }
    startCopy(table);
    const lake = route.lake;
    if (!lake) return;
    const p = pruneObjects(options.s3!, lake, staged.get(lake) ?? new Set()).then((r) => {
      report.objects.pruned += r.deleted;
      onComplete(lake);
    });
    p.catch(() => undefined);
    copies.push(p);
  };
  const scratches: ScratchBatch[] = [];
  const database = live[0]!.database;
  const started = Date.now();
  // Set when one side fails: the other stops at its next chunk, so cleanup runs on a quiet table.
  let stopped = false;
  const sides = async (side: () => Promise<void>): Promise<void> => {
    try {
      await side();
    } catch (e) {
      stopped = true;
      throw e;
    }
  };

  // Customers and products: polars frames (small: the reference path), as Parquet.
  const dimensions = async (): Promise<void> => {
    for (const table of ['customers', 'products'] as const) {
      const route = routes.get(table)!;
      const chunks = plan.chunks[table];
      for (let k = 0; k < chunks && !stopped; k++) {
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
      if (stopped) return;
      await finish(table);
    }
  };

  // Events and orders: codes from JavaScript, columns made by the engine, a batch of chunks at
  // a time (one part per partition instead of one per chunk). The next batch is generated
  // while the engine stores the previous one.
  const activity = async (): Promise<void> => {
    const chunks = plan.chunks.events;
    const batches = Math.ceil(chunks / plan.batchChunks);
    let inFlight: Promise<void> | undefined;
    for (let b = 0; b < batches && !stopped; b++) {
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
    if (stopped) return;
    await Promise.all([finish('events'), finish('orders')]);
  };

  try {
    for (const route of routes.values())
      if (route.mergeTree) await holdMerges(client, route.mergeTree, true, LOG.logComment);
    const outcomes = await Promise.allSettled([sides(dimensions), sides(activity)]);
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
    await Promise.all(copies);
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

export function silentProgress(): Progress {
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
