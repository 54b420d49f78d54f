import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryOne } from '../../lib/clickhouse';
import type { KitConfig } from '../../lib/config';
import {
  addIcebergColumn,
  appendToIceberg,
  attachIcebergTable,
  createIcebergTable,
  dropIcebergTable,
  icebergChecksum,
  IcebergError,
  icebergPath,
  icebergSnapshots,
  IcebergSnapshotNotFoundError,
  queryIceberg,
  readIcebergExternally,
  writeIcebergTable,
} from '../../lib/lake';
import type { IcebergSnapshot } from '../../lib/lake';
import { createS3Client, deleteByPrefix, listAllObjects } from '../../lib/s3';
import type { KitS3 } from '../../lib/s3';

/**
 * The Iceberg flows (write partitioned, append, add a column, snapshots, time travel, the read
 * outside ClickHouse) against one way of reaching ClickHouse: the local endpoint
 * (test/integration/lake-iceberg.test.ts) or a server by URL (lake-iceberg-server.test.ts).
 */
export interface IcebergTarget {
  client: ClickHouseClient;
  /** Settings of the kit on this side: S3 endpoint and keys the outside reader uses. */
  config: KitConfig;
}

const ORDERS_SELECT = `
  SELECT number AS order_id,
         toDate('2024-01-01') + number % 120 AS day,
         toLowCardinality(['de', 'fr', 'us', 'jp'][number % 4 + 1]) AS country,
         if(number % 7 = 0, NULL, number / 8) AS weight,
         round(number % 10000 / 100, 2) AS total,
         toDateTime64('2024-01-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(number * 997) AS ordered_at,
         number % 3 = 0 AS gift,
         toUInt32(number * 40000) AS points
  FROM numbers({n:UInt64})`;

export function chainIsLinear(snapshots: IcebergSnapshot[]): void {
  expect(snapshots[0]!.parentId).toBeNull();
  for (let i = 1; i < snapshots.length; i++) expect(snapshots[i]!.parentId).toBe(snapshots[i - 1]!.snapshotId);
  expect(snapshots.filter((s) => s.current).map((s) => s.snapshotId)).toEqual([
    snapshots[snapshots.length - 1]!.snapshotId,
  ]);
}

export function icebergSuite(label: string, open: () => Promise<IcebergTarget>): void {
  describe(`Iceberg flows (${label})`, () => {
    let target: IcebergTarget;
    let client: ClickHouseClient;
    let s3: KitS3;
    const prefix = `test/iceberg-suite/${process.pid}-${Date.now()}/`;

    beforeAll(async () => {
      target = await open();
      client = target.client;
      s3 = createS3Client(target.config);
      for (const t of ['orders_ice', 'orders_ice_2', 'transforms_ice']) await dropIcebergTable(client, t);
    });

    afterAll(async () => {
      for (const t of ['orders_ice', 'orders_ice_2', 'transforms_ice']) await dropIcebergTable(client, t);
      await deleteByPrefix(s3, prefix);
      s3.client.destroy();
    });

    describe(`an Iceberg table written by the kit (${label})`, () => {
      const path = `${prefix}orders/`;
      const first: { rows: number; checksum: string } = { rows: 0, checksum: '' };
      let snaps: IcebergSnapshot[] = [];

      it('is written from a SELECT, partitioned by month and id bucket, and read back by pyarrow + fastavro with the same rows and checksum', async () => {
        const w = await writeIcebergTable(client, {
          table: 'orders_ice',
          path,
          select: ORDERS_SELECT,
          params: { n: 20_000 },
          partitionBy: [
            { column: 'day', transform: 'month' },
            { column: 'order_id', transform: 'bucket', width: 4 },
          ],
        });
        // Types ClickHouse cannot write to Iceberg are widened without loss.
        expect([w.columns.country, w.columns.gift, w.columns.points]).toEqual(['String', 'Int32', 'Int64']);
        expect(w.snapshot?.totalRows).toBe(20_000);
        expect(w.newSnapshots).toHaveLength(1);
        expect(await icebergPath(client, 'orders_ice')).toBe(path);
        Object.assign(first, await icebergChecksum(client, 'orders_ice'));
        expect(first.rows).toBe(20_000);

        const ext = await readIcebergExternally(target.config, path);
        expect(ext.problems).toEqual([]);
        expect(ext.rows).toBe(20_000);
        expect(ext.checksum).toBe(first.checksum);
        expect(ext.location).toBe(`s3://${target.config.s3.bucket}/${path}`);
        expect(ext.partitionSpec.map((p) => p.transform)).toEqual(['month', 'bucket[4]']);
        expect(ext.currentSnapshotId).toBe(w.snapshot!.snapshotId);
        // The manifests list exactly the objects under data/, and their counts are the Parquet files' own.
        const objects = (await listAllObjects(s3, `${path}data/`)).map((o) => o.key).sort();
        expect(ext.dataFiles.map((f) => f.key).sort()).toEqual(objects);
        expect(ext.unreferencedObjects).toEqual([]);
        for (const f of ext.dataFiles) expect(f.parquetRows).toBe(f.records);
        // Encoded with the kit's lake Parquet defaults (no per-column bloom filters), set at CREATE.
        expect(ext.dataFiles.map((f) => f.bloomFilters)).toEqual(ext.dataFiles.map(() => 0));
        // 4 months x 4 buckets
        expect(ext.dataFiles).toHaveLength(16);
        const perFile = await queryOne<{ files: string }>(client, 'SELECT uniqExact(_path) AS files FROM orders_ice');
        expect(Number(perFile!.files)).toBe(16);
      });

      it('takes appends and a new column, lists every snapshot, and reads as of each one', async () => {
        const a = await appendToIceberg(client, {
          table: 'orders_ice',
          select: `SELECT * FROM (${ORDERS_SELECT}) WHERE order_id >= 15000`,
          params: { n: 25_000 },
        });
        expect(a.newSnapshots.map((s) => s.addedRows)).toEqual([10_000]);
        const col = await addIcebergColumn(client, 'orders_ice', { name: 'channel', type: 'LowCardinality(String)' });
        expect(col.type).toBe('Nullable(String)');
        await appendToIceberg(client, {
          table: 'orders_ice',
          select: `SELECT *, 'app' AS channel FROM (${ORDERS_SELECT})`,
          params: { n: 500 },
        });

        snaps = await icebergSnapshots(client, 'orders_ice');
        expect(snaps.map((s) => s.totalRows)).toEqual([20_000, 30_000, 30_500]);
        expect(snaps.map((s) => s.operation.toLowerCase())).toEqual(['append', 'append', 'append']);
        chainIsLinear(snaps);

        const now = await queryIceberg<{ n: string; with_channel: string }>(client, {
          table: 'orders_ice',
          sql: 'SELECT count() AS n, countIf(channel IS NOT NULL) AS with_channel FROM orders_ice',
        });
        expect(now[0]).toEqual({ n: '30500', with_channel: '500' });
        for (const [i, s] of snaps.entries()) {
          const bySnapshot = await queryIceberg<{ n: string }>(client, {
            table: 'orders_ice',
            sql: 'SELECT count() AS n FROM orders_ice',
            asOf: { snapshotId: s.snapshotId },
          });
          expect(Number(bySnapshot[0]!.n)).toBe(s.totalRows);
          const byTime = await queryIceberg<{ n: string }>(client, {
            table: 'orders_ice',
            sql: 'SELECT count() AS n FROM orders_ice',
            asOf: { at: s.timestampMs },
          });
          expect(Number(byTime[0]!.n), `as of ${i}`).toBe(s.totalRows);
        }
        // The first snapshot reads exactly as written (its own schema: no `channel`).
        expect(await icebergChecksum(client, 'orders_ice', { snapshotId: snaps[0]!.snapshotId })).toEqual(first);

        const ext = await readIcebergExternally(target.config, path);
        expect(ext.problems).toEqual([]);
        expect(ext.columns.map((c) => c.name)).toContain('channel');
        expect(ext.snapshots.map((s) => s.snapshotId)).toEqual(snaps.map((s) => s.snapshotId));
        const current = await icebergChecksum(client, 'orders_ice');
        expect(ext.rows).toBe(30_500);
        expect(ext.checksum).toBe(current.checksum);
      });

      it('refuses bad input with clear errors and loses nothing', async () => {
        const before = await icebergChecksum(client, 'orders_ice');
        await expect(
          queryIceberg(client, {
            table: 'orders_ice',
            sql: 'SELECT count() FROM orders_ice',
            asOf: { snapshotId: '123' },
          }),
        ).rejects.toThrow(IcebergSnapshotNotFoundError);
        await expect(
          queryIceberg(client, {
            table: 'orders_ice',
            sql: 'SELECT count() FROM orders_ice',
            asOf: { at: snaps[0]!.timestampMs - 60_000 },
          }),
        ).rejects.toThrow(/orders_ice has no snapshot current at .*icebergSnapshots/);
        await expect(
          queryIceberg(client, { table: 'orders_ice', sql: 'SELECT 1', asOf: { snapshotId: 'latest' } }),
        ).rejects.toThrow(/not an Iceberg snapshot id/);
        await expect(createIcebergTable(client, { table: 'again', path, columns: { id: 'Int64' } })).rejects.toThrow(
          /already holds an Iceberg table; attach it/,
        );
        await expect(
          createIcebergTable(client, { table: 'nope', path: `${prefix}nope`, columns: { id: 'Int64' } }),
        ).rejects.toThrow(/prefix ending with "\/"/);
        await expect(
          createIcebergTable(client, {
            table: 'nope',
            path: `${prefix}nope/`,
            columns: { id: 'Int64' },
            partitionBy: [{ column: 'day', transform: 'month' }],
          }),
        ).rejects.toThrow(/partition column "day" is not a column/);
        await expect(
          createIcebergTable(client, {
            table: 'nope',
            path: `${prefix}nope/`,
            columns: { id: 'Int64' },
            partitionBy: [{ column: 'id', transform: 'bucket' }],
          }),
        ).rejects.toThrow(/bucket transform of "id" needs a positive integer width/);
        await expect(icebergPath(client, 'no_such_table')).rejects.toThrow(IcebergError);
        await expect(
          writeIcebergTable(client, {
            table: 'money',
            path: `${prefix}money/`,
            select: 'SELECT toDecimal64(1.5, 2) AS price',
          }),
        ).rejects.toThrow(/Column "price" is Decimal\(18, 2\), which ClickHouse cannot write to Iceberg yet\. Cast it/);
        expect(await listAllObjects(s3, `${prefix}money/`)).toEqual([]);
        expect(await icebergChecksum(client, 'orders_ice')).toEqual(before);
      });

      it('is attached by a second ClickHouse table over the same path with the same content', async () => {
        await attachIcebergTable(client, { table: 'orders_ice_2', path });
        expect(await icebergChecksum(client, 'orders_ice_2')).toEqual(await icebergChecksum(client, 'orders_ice'));
        await dropIcebergTable(client, 'orders_ice_2');
        expect((await listAllObjects(s3, `${path}metadata/`)).length).toBeGreaterThan(0);
      });
    });

    describe(`partition transforms (${label})`, () => {
      it('writes identity, year, hour and truncate partitions that an outside reader sees as such', async () => {
        const path = `${prefix}transforms/`;
        await createIcebergTable(client, {
          table: 'transforms_ice',
          path,
          columns: { id: 'Int64', kind: 'String', at: "DateTime64(6, 'UTC')", day: 'Date32' },
          partitionBy: [
            { column: 'kind', transform: 'identity' },
            { column: 'day', transform: 'year' },
            { column: 'at', transform: 'hour' },
            { column: 'id', transform: 'truncate', width: 1000 },
          ],
        });
        await appendToIceberg(client, {
          table: 'transforms_ice',
          select:
            "SELECT number, ['a', 'b'][number % 2 + 1], toDateTime64('2024-03-01 00:30:00', 6, 'UTC') + toIntervalSecond(number), toDate32('2023-12-30') + number % 5 FROM numbers(3000)",
        });
        const ext = await readIcebergExternally(target.config, path);
        // ClickHouse 26.7 names the hour transform "hours" (the spec says "hour"; see the README).
        expect(ext.partitionSpec.map((p) => p.transform)).toEqual(['identity', 'year', 'hours', 'truncate[1000]']);
        expect(ext.problems).toEqual([]);
        expect(ext.rows).toBe(3000);
        expect(ext.checksum).toBe((await icebergChecksum(client, 'transforms_ice')).checksum);
        await dropIcebergTable(client, 'transforms_ice', { deleteData: true });
      });
    });
  });
}
