import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, connect, quoteIdentifier, WarehouseError } from '../../lib/clickhouse';
import { loadConfig, type KitConfig } from '../../lib/config';
import { createS3Client, deleteByPrefix, type KitS3 } from '../../lib/s3';
import {
  countWhere,
  crudTarget,
  deleteRows,
  insertParquet,
  insertRows,
  resetCrudTable,
  RetailGenerator,
  runCrudFlow,
  selectFrame,
  STORAGE_MODES,
  tableStats,
  TabularInputError,
  UnsupportedOperationError,
  updateRows,
  type StorageMode,
  type TableTarget,
} from '../../lib/tabular';
import { startS3Server } from '../../scripts/stack/s3-server';

const database = `crud_${randomUUID().slice(0, 8)}`;
let config: KitConfig;
let client: ClickHouseClient;
let s3: KitS3;
const sample = new RetailGenerator({ seed: 'crud-test', events: 3_000, chunkRows: 3_000 }).activityChunk(0).events;

beforeAll(async () => {
  await startS3Server(loadConfig());
  config = loadConfig({
    env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: mkdtempSync(join(tmpdir(), 'kit-crud-')) },
  });
  client = connect({ config, mode: 'embedded' });
  s3 = createS3Client(config);
  await command(client, `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`);
});

afterAll(async () => {
  await command(client, `DROP DATABASE IF EXISTS ${quoteIdentifier(database)} SYNC`).catch(() => undefined);
  await deleteByPrefix(s3, `lake/${database}/`).catch(() => undefined);
  s3?.client.destroy();
  await client?.close();
});

describe.each(STORAGE_MODES)('CRUD flow (%s)', (mode: StorageMode) => {
  it('passes every step, each checked with counts before and after', async () => {
    const steps = await runCrudFlow(client, mode, { database, s3, rows: 3_000 });
    expect(steps.map((s) => s.step)).toEqual([
      'create',
      'insert',
      'insert again',
      'select',
      'update (lightweight)',
      'delete (lightweight)',
      'update (mutation)',
      'delete (mutation)',
    ]);
    for (const s of steps) expect(s.ok, `${s.step}: expected ${s.expected}, got ${s.actual}`).toBe(true);
  });
});

describe.each(STORAGE_MODES)('CRUD operations (%s)', (mode: StorageMode) => {
  let target: TableTarget;

  beforeAll(async () => {
    target = crudTarget(database, mode, 'ops');
    await resetCrudTable(client, target, s3);
    await insertRows(client, target, sample, { token: 'ops' });
  });

  it('selects with bound parameters into a frame, values and all', async () => {
    const frame = await selectFrame(client, target, {
      columns: ['event_id', 'event_type', 'price', 'event_time'],
      where: [
        { column: 'event_type', op: 'in', value: ['purchase', 'checkout'] },
        { column: 'event_time', op: '>=', value: new Date(Date.UTC(2025, 5, 1)) },
      ],
      orderBy: ['event_id'],
      limit: 1_000,
    });
    const expected = sample
      .filter(
        pl
          .col('event_type')
          .isIn(['purchase', 'checkout'])
          .and(
            pl
              .col('event_time')
              .cast(pl.Int64)
              .gtEq(Date.UTC(2025, 5, 1)),
          ),
      )
      .sort('event_id');
    expect(frame.height).toBe(expected.height);
    expect(frame.height).toBeGreaterThan(0);
    expect(frame.getColumn('event_id').toArray().map(Number)).toEqual(
      expected.getColumn('event_id').toArray().map(Number),
    );
    expect(String(frame.dtypes[2])).toContain('Float64');
    // A hostile value stays a value.
    expect(await countWhere(client, target, { event_type: "purchase' OR '1'='1" })).toBe(0);
  });

  it('refuses bad input before anything changes, with a message naming the problem', async () => {
    const before = await tableStats(client, target);
    const refused = async (
      work: () => Promise<unknown>,
      pattern: RegExp,
      type: new (...a: never[]) => Error = TabularInputError,
    ): Promise<void> => {
      await expect(work()).rejects.toThrow(type);
      await expect(work()).rejects.toThrow(pattern);
    };
    // Unknown column in an update (MergeTree modes: refused by the column check; s3_engine: by the mode).
    if (mode === 's3_engine') {
      await refused(
        () => updateRows(client, target, { nope: 1 }, { event_type: 'search' }),
        /UPDATE is not supported on ops_lake .*ENGINE = S3/,
        UnsupportedOperationError,
      );
      await refused(
        () => deleteRows(client, target, { event_type: 'search' }, { kind: 'mutation' }),
        /ALTER TABLE \.\.\. DELETE is not supported/,
        UnsupportedOperationError,
      );
    } else {
      await refused(() => updateRows(client, target, { nope: 1 }, { event_type: 'search' }), /unknown column "nope"/);
      await refused(
        () => updateRows(client, target, { duration_ms: 'long' }, { event_type: 'search' }, { kind: 'mutation' }),
        /duration_ms.*cannot take "long"/,
      );
      await refused(
        () => updateRows(client, target, { event_time: new Date() }, { event_type: 'search' }),
        /sorting or partition key/,
      );
      await refused(() => deleteRows(client, target, []), /needs a filter/);
      await refused(() => deleteRows(client, target, { device: 'mobile', bogus: 1 }), /unknown column "bogus"/);
    }
    // Wrong type in an insert, unknown column in an insert, a file that is not Parquet.
    await refused(
      () =>
        insertRows(client, target, [
          {
            event_id: 'first',
            event_time: new Date(),
            session_id: 1,
            event_type: 'x',
            page_path: '/',
            device: 'd',
            country: 'US',
            time_zone: 'UTC',
            duration_ms: 1,
          },
        ]),
      /event_id/,
    );
    await refused(() => insertRows(client, target, [{ event_id: 1, colour: 'red' }]), /unknown column "colour"/);
    await refused(
      () => insertRows(client, target, sample.withColumns(pl.col('duration_ms').cast(pl.Utf8).add(pl.lit('ms')))),
      /duration_ms.*do not convert|duration_ms/,
    );
    await refused(() => insertParquet(client, target, Buffer.from('{"event_id": 1}\n')), /not Parquet/);
    // Parquet the engine itself refuses (a text column where a number belongs): a WarehouseError.
    const wrong = sample.head(5).withColumns(pl.lit('not-a-number').alias('event_id')).writeParquet();
    await expect(insertParquet(client, target, wrong)).rejects.toThrow(WarehouseError);
    expect(await tableStats(client, target)).toEqual(before);
  });

  it.skipIf(mode === 's3_engine')(
    'updates and deletes exactly the matching rows, lightweight and as mutations',
    async () => {
      const total = await countWhere(client, target);
      const mobile = await countWhere(client, target, { device: 'mobile' });
      const tablet = await countWhere(client, target, { device: 'tablet' });
      expect(mobile).toBeGreaterThan(0);
      await updateRows(client, target, { device: 'phone' }, { device: 'mobile' });
      expect(await countWhere(client, target, { device: 'phone' })).toBe(mobile);
      expect(await countWhere(client, target, { device: 'mobile' })).toBe(0);
      const r = await updateRows(client, target, { referrer: null }, { device: 'phone' }, { kind: 'mutation' });
      expect(r.mutationId).toBeTruthy();
      expect(
        await countWhere(client, target, [
          { column: 'referrer', op: 'is not null' },
          { column: 'device', op: '=', value: 'phone' },
        ]),
      ).toBe(0);
      await deleteRows(client, target, { device: 'tablet' });
      expect(await countWhere(client, target)).toBe(total - tablet);
      const m = await deleteRows(client, target, { device: 'phone' }, { kind: 'mutation' });
      expect(m.kind).toBe('mutation');
      expect(await countWhere(client, target)).toBe(total - tablet - mobile);
    },
  );
});
