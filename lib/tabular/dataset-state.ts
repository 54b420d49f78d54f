/**
 * Which dataset each retail table holds. The plan id travels in the table's comment
 * (`... [dataset <plan id>]`), set when the table is created for a load: EXCHANGE TABLES moves it
 * with the data, so a table always says what it holds, even after a swap cut short.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../clickhouse';
import { DatasetPlanConflictError } from './errors';
import type { DatasetPlan } from './dataset-plan';
import type { TableDef } from './schema';
import { tableTarget, type StorageMode, type TableTarget } from './storage';

/** Suffix of the table a dataset is loaded into before it is swapped in. */
export const STAGING_SUFFIX = '__next';

const TAG = /\s*\[dataset ([A-Za-z0-9_.-]+)\]$/;

/** The declaration with the plan id appended to its comment. */
export function taggedDef(def: TableDef, planId: string): TableDef {
  return { ...def, comment: `${def.comment} [dataset ${planId}]` };
}

export function planOfComment(comment: string): string | undefined {
  return TAG.exec(comment)?.[1];
}

/** Where a plan's lake objects live: one prefix per dataset, beside (never inside) another dataset's. */
export function datasetLakePrefix(database: string, planId: string, name: string): string {
  return `lake/${database}/datasets/${planId}/${name}`;
}

export interface TableState {
  name: string;
  /** Plan id from the comment; undefined for a table made before plans were recorded. */
  plan: string | undefined;
  /** MergeTree: rows; ENGINE = S3: undefined (counting means reading the objects). */
  rows: number | undefined;
  /** ENGINE = S3: the prefix its glob reads. */
  lakePrefix: string | undefined;
}

/** The state of the named tables that exist in the database. */
export async function readTableStates(
  client: ClickHouseClient,
  database: string,
  names: ReadonlyArray<string>,
): Promise<Map<string, TableState>> {
  const rows = await queryRows<{ name: string; comment: string; total_rows: string | null; engine_full: string }>(
    client,
    'SELECT name, comment, total_rows, engine_full FROM system.tables WHERE database = {db:String} AND has({names:Array(String)}, name)',
    { db: database, names: [...names] },
    { logComment: 'kit:tabular:bootstrap' },
  );
  return new Map(
    rows.map((r) => [
      r.name,
      {
        name: r.name,
        plan: planOfComment(r.comment),
        rows: r.total_rows === null ? undefined : Number(r.total_rows),
        lakePrefix: /filename = '([^']*)\/\*\.parquet'/.exec(r.engine_full)?.[1],
      },
    ]),
  );
}

/** The live table as a target, with the lake prefix its definition really reads (it changes when a dataset is swapped in). */
export async function liveTarget(
  client: ClickHouseClient,
  database: string,
  def: TableDef,
  mode: StorageMode,
): Promise<TableTarget> {
  const target = tableTarget(database, def, mode);
  const state = (await readTableStates(client, database, [target.name])).get(target.name);
  return state?.lakePrefix ? tableTarget(database, def, mode, { lakePrefix: state.lakePrefix }) : target;
}

/** The plan the live tables hold, when they all agree (undefined: none recorded, or a mix). */
export async function recordedPlanId(
  client: ClickHouseClient,
  database: string,
  names: ReadonlyArray<string>,
): Promise<string | undefined> {
  const plans = new Set([...(await readTableStates(client, database, names)).values()].map((s) => s.plan));
  return plans.size === 1 ? [...plans][0] : undefined;
}

export interface Holding {
  target: TableTarget;
  /** What the live table holds: a plan id, 'unrecorded' (made before plans were recorded, not empty), or undefined (missing or empty). */
  holds: string | undefined;
}

/**
 * Refuses, before anything is written, a plan other than the one the live tables hold, unless
 * `replace`. One line: the table, both plans, the way forward.
 */
export function checkPlan(plan: DatasetPlan, holdings: ReadonlyArray<Holding>, replace: boolean, rerun: string): void {
  if (replace) return;
  const other = holdings.find((h) => h.holds !== undefined && h.holds !== plan.id);
  if (!other) return;
  const held = other.holds === 'unrecorded' ? 'a dataset loaded before plans were recorded' : `dataset ${other.holds}`;
  throw new DatasetPlanConflictError(
    `${other.target.database}.${other.target.name} holds ${held}, not ${plan.id}: nothing was written. To load ${plan.id} beside it and swap it in table by table when complete, run again with --replace (${rerun}).`,
  );
}
