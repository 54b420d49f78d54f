import type { ClickHouseClient } from '@clickhouse/client';
import { command, connectionInfo, ensureDatabase, queryRows, quoteIdentifier } from '../clickhouse';
import { ensureLakeCollection } from '../lake';
import { ensureBucket } from '../s3';
import {
  checkPlan,
  datasetLakePrefix,
  readTableStates,
  STAGING_SUFFIX,
  taggedDef,
  type Holding,
  type TableState,
} from './dataset-state';
import { SCRATCH_PREFIX } from './engine-load';
import { BootstrapMismatchError, TabularInputError } from './errors';
import type { DatasetPlan } from './dataset-plan';
import { RetailGenerator } from './generate';
import { RETAIL_TABLES, type RetailTableName } from './schema';
import { countTableRows, tableStats, type TableStats } from './stats';
import { createTable } from './table-ops';
import { STORAGE_MODES, tableTarget, type TableTarget } from './storage';
import { dropWithObjects, swapIn } from './swap';
import type { BootstrapOptions, BootstrapReport, BootstrapTableResult } from './bootstrap-types';
import { loadDataset } from './dataset-load';
export type { BootstrapOptions, BootstrapReport, BootstrapTableResult, ProgressFactory } from './bootstrap-types';
export { isTransientFailure } from './dataset-load';

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
  // Checksums start as soon as a table is complete, while the others still load.
  const stats = new Map<string, Promise<TableStats>>();
  const statsOf = (t: TableTarget): Promise<TableStats> => {
    let p = stats.get(t.name);
    if (!p) {
      p = tableStats(client, t);
      p.catch(() => undefined);
      stats.set(t.name, p);
    }
    return p;
  };
  const loaded = (t: TableTarget, copyOf?: TableTarget): void => {
    // A part-for-part copy holds what its source holds: its checksum is the source's, not read again from S3.
    if (copyOf) stats.set(t.name, statsOf(copyOf));
    else void statsOf(t);
  };

  if (needs.length > 0) {
    log(`loading ${plan.id} into ${needs.map((t) => stagingName(t)).join(', ')}`);
    for (const s of staging.values()) await createTable(client, s, LOG.logComment);
    await loadDataset(client, generator, live, staging, effective, report, options, loaded);
  }

  // 3. Verify what will be live, then swap it in table by table.
  const waitStarted = Date.now();
  report.tables = await Promise.all(
    live.map(async (t) => {
      const stats = await statsOf(effective(t));
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
  // What verifying added after the load (checksums run during it too).
  report.seconds.verify = (Date.now() - waitStarted) / 1000;

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
