import type { ClickHouseClient } from '@clickhouse/client';
import { deleteByPrefix, type KitS3 } from '../s3';
import { countWhere, deleteRows, insertRows, selectFrame, updateRows, type Where } from './crud';
import { createTable, dropTable } from './table-ops';
import { TabularInputError, UnsupportedOperationError } from './errors';
import { RetailGenerator } from './generate';
import { EVENTS } from './schema';
import { STORAGE_MODE_INFO, STORAGE_MODES, tableTarget, type StorageMode, type TableTarget } from './storage';

/** One checked step of a CRUD flow. */
export interface CrudStep {
  mode: StorageMode;
  step: string;
  /** What was checked, in words. */
  check: string;
  expected: string;
  actual: string;
  ok: boolean;
  ms: number;
}

export interface CrudFlowOptions {
  database: string;
  /** Needed for the s3_engine mode: removes the scratch table's objects before the flow. */
  s3?: KitS3;
  /** Events in the scratch table (default 5 000). */
  rows?: number;
  /** Scratch table base name (default `crud_events`; the mode's suffix is added). */
  table?: string;
  onStep?: (step: CrudStep) => void;
}

/** The scratch events table a CRUD flow works on, in a storage mode. */
export function crudTarget(database: string, mode: StorageMode, base = 'crud_events'): TableTarget {
  return tableTarget(database, EVENTS, mode, { name: `${base}${STORAGE_MODE_INFO[mode].suffix}` });
}

/** Creates (or re-creates, empty) the scratch table of a mode; its lake objects are removed too. */
export async function resetCrudTable(client: ClickHouseClient, target: TableTarget, s3?: KitS3): Promise<void> {
  await dropTable(client, target, 'kit:tabular:crud');
  if (target.mode === 's3_engine') {
    if (!s3)
      throw new TabularInputError(
        'the s3_engine flow needs an S3 client (createS3Client(config)) to clear its objects.',
      );
    await deleteByPrefix(s3, `${target.lakePrefix}/`);
  }
  await createTable(client, target, 'kit:tabular:crud');
}

/**
 * Insert, select, lightweight UPDATE/DELETE and mutations on a scratch events table, each checked
 * with counts before and after. In the s3_engine mode the four changes must be refused with
 * UnsupportedOperationError and leave the rows as they were. Steps that fail are recorded (ok:
 * false) and the flow goes on where it can.
 */
export async function runCrudFlow(
  client: ClickHouseClient,
  mode: StorageMode,
  options: CrudFlowOptions,
): Promise<CrudStep[]> {
  const target = crudTarget(options.database, mode, options.table);
  const rows = options.rows ?? 5_000;
  const steps: CrudStep[] = [];
  const record = async (
    step: string,
    check: string,
    run: () => Promise<{ expected: number | string; actual: number | string }>,
  ): Promise<boolean> => {
    const t0 = Date.now();
    let result: CrudStep;
    try {
      const { expected, actual } = await run();
      result = {
        mode,
        step,
        check,
        expected: String(expected),
        actual: String(actual),
        ok: String(expected) === String(actual),
        ms: Date.now() - t0,
      };
    } catch (e) {
      result = {
        mode,
        step,
        check,
        expected: '-',
        actual: `${(e as Error).name}: ${(e as Error).message}`.slice(0, 300),
        ok: false,
        ms: Date.now() - t0,
      };
    }
    steps.push(result);
    options.onStep?.(result);
    return result.ok;
  };
  const count = (where?: Where): Promise<number> => countWhere(client, target, where);

  const created = await record('create', 'empty scratch table', async () => {
    await resetCrudTable(client, target, options.s3);
    return { expected: 0, actual: await count() };
  });
  if (!created) return steps;

  const sample = new RetailGenerator({ seed: 'crud', events: rows, chunkRows: Math.max(100, rows) }).activityChunk(
    0,
  ).events;
  await record('insert', `rows after inserting ${rows} (before: 0)`, async () => {
    await insertRows(client, target, sample, { token: `crud:${rows}` });
    return { expected: rows, actual: await count() };
  });
  await record('insert again', 'same batch, same token: no duplicates', async () => {
    await insertRows(client, target, sample, { token: `crud:${rows}` });
    return { expected: rows, actual: await count() };
  });

  const purchases: Where = [
    { column: 'event_type', op: '=', value: 'purchase' },
    { column: 'price', op: '>=', value: 50 },
  ];
  await record('select', 'parameterised SELECT into a frame = count() of the same filter', async () => {
    const frame = await selectFrame(client, target, {
      where: purchases,
      orderBy: [{ column: 'price', descending: true }],
    });
    const expected = await count(purchases);
    if (expected === 0) throw new Error('the sample has no purchase of 50 or more; the check would prove nothing.');
    return { expected, actual: frame.height };
  });

  const total = await count().catch(() => -1);
  const searches = await count({ event_type: 'search' }).catch(() => -1);
  const pageViews = await count({ event_type: 'page_view' }).catch(() => -1);
  const changes: Array<{ step: string; check: string; run: () => Promise<{ expected: string; actual: string }> }> = [
    {
      step: 'update (lightweight)',
      check: "UPDATE SET device = 'kiosk' WHERE event_type = 'search': kiosk rows = searches, total unchanged",
      run: async () => {
        await updateRows(client, target, { device: 'kiosk' }, { event_type: 'search' });
        return {
          expected: `kiosk ${searches}, total ${total}`,
          actual: `kiosk ${await count({ device: 'kiosk' })}, total ${await count()}`,
        };
      },
    },
    {
      step: 'delete (lightweight)',
      check: "DELETE WHERE event_type = 'page_view': total drops by the page views",
      run: async () => {
        await deleteRows(client, target, { event_type: 'page_view' });
        return {
          expected: `total ${total - pageViews}, page views 0`,
          actual: `total ${await count()}, page views ${await count({ event_type: 'page_view' })}`,
        };
      },
    },
    {
      step: 'update (mutation)',
      check: "ALTER TABLE UPDATE duration_ms = 0 WHERE device = 'kiosk', waited for: every kiosk row has duration 0",
      run: async () => {
        const kiosk = await count({ device: 'kiosk' });
        await updateRows(client, target, { duration_ms: 0 }, { device: 'kiosk' }, { kind: 'mutation' });
        return {
          expected: `kiosk with duration 0: ${kiosk}`,
          actual: `kiosk with duration 0: ${await count({ device: 'kiosk', duration_ms: 0 })}`,
        };
      },
    },
    {
      step: 'delete (mutation)',
      check: 'ALTER TABLE DELETE WHERE referrer IS NULL, waited for: total drops by the direct visits, none left',
      run: async () => {
        const before = await count();
        const direct = await count({ referrer: null });
        await deleteRows(client, target, { referrer: null }, { kind: 'mutation' });
        return {
          expected: `total ${before - direct}, direct 0`,
          actual: `total ${await count()}, direct ${await count({ referrer: null })}`,
        };
      },
    },
  ];

  for (const change of changes) {
    if (mode !== 's3_engine') {
      await record(change.step, change.check, change.run);
      continue;
    }
    await record(change.step, 'refused with UnsupportedOperationError, rows unchanged', async () => {
      const before = await count();
      try {
        await change.run();
      } catch (e) {
        if (!(e instanceof UnsupportedOperationError)) throw e;
        return { expected: `UnsupportedOperationError, ${before} rows`, actual: `${e.name}, ${await count()} rows` };
      }
      return { expected: 'UnsupportedOperationError', actual: 'no error' };
    });
  }
  return steps;
}

/** {@link runCrudFlow} for several storage modes, one after another. */
export async function runCrudFlows(
  client: ClickHouseClient,
  options: CrudFlowOptions & { modes?: ReadonlyArray<StorageMode> },
): Promise<CrudStep[]> {
  const out: CrudStep[] = [];
  for (const mode of options.modes ?? STORAGE_MODES) out.push(...(await runCrudFlow(client, mode, options)));
  return out;
}
