import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  command,
  connectionInfo,
  insertJsonRows,
  queryOne,
  queryRows,
  quoteIdentifier,
  WarehouseError,
} from '../../lib/clickhouse';
import type { ConnectionMode } from '../../lib/clickhouse';
import type { KitConfig } from '../../lib/config';
import {
  asynchronousMetrics,
  bytesReadByKindChart,
  columnSizes,
  disks,
  errorsByCode,
  healthReport,
  keyMetrics,
  kitActivity,
  kitActivitySummary,
  latencyChart,
  latencyOverTime,
  mutations,
  partsPerTable,
  partsPerTableChart,
  queryErrors,
  queryLogSource,
  queryStatsByKind,
  recentQueries,
  serverOverview,
  storagePolicies,
  tableSizes,
  tableSizesByDisk,
  tableSizesByDiskChart,
  vectorIndexes,
} from '../../lib/observability';

type Rec = Record<string, unknown>;
const num = (v: unknown): number => Number(v);

export interface ObservabilityTarget {
  client: ClickHouseClient;
  config: KitConfig;
  mode: ConnectionMode;
  close?: () => Promise<void>;
}

/**
 * The observability helpers against one way of reaching ClickHouse (embedded engine, local
 * endpoint): known tagged queries are found exactly, failures carry their codes, sizes add up.
 */
export function observabilitySuite(label: string, open: () => Promise<ObservabilityTarget>): void {
  describe(`observability (${label})`, () => {
    let config: KitConfig;
    let client: ClickHouseClient;
    let closeTarget: (() => Promise<void>) | undefined;
    const run = randomUUID().slice(0, 8);
    const db = `obs_${run}`;
    const tag = `obs-test-${run}`;
    const ids = { create: '', insert: '', select3: '', count: '', failing: '' };
    let startedAt = 0;

    beforeAll(async () => {
      const target = await open();
      ({ client, config } = target);
      closeTarget = target.close;
      expect(connectionInfo(client)?.mode).toBe(target.mode);
      await command(client, `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(db)}`);

      // The known queries, all tagged with this run's log_comment.
      startedAt = Date.now();
      const opts = (queryId: string) => ({ logComment: tag, queryId });
      ids.create = randomUUID();
      await command(
        client,
        `CREATE TABLE ${quoteIdentifier(db)}.events (id UInt32, name String) ENGINE = MergeTree ORDER BY id`,
        undefined,
        opts(ids.create),
      );
      ids.insert = randomUUID();
      await insertJsonRows(
        client,
        { database: db, table: 'events' },
        [1, 2, 3, 4, 5].map((id) => ({ id, name: `n${id}` })),
        opts(ids.insert),
      );
      ids.select3 = randomUUID();
      const three = await queryRows(
        client,
        `SELECT id FROM ${quoteIdentifier(db)}.events WHERE id <= {max:UInt32} ORDER BY id`,
        { max: 3 },
        opts(ids.select3),
      );
      expect(three).toHaveLength(3);
      ids.count = randomUUID();
      await queryRows(client, `SELECT count() AS c FROM ${quoteIdentifier(db)}.events`, undefined, opts(ids.count));
      ids.failing = randomUUID();
      await expect(
        queryRows(client, `SELECT * FROM ${quoteIdentifier(db)}.no_such_table`, undefined, opts(ids.failing)),
      ).rejects.toBeInstanceOf(WarehouseError);
    });

    afterAll(async () => {
      await command(client, `DROP DATABASE IF EXISTS ${quoteIdentifier(db)}`).catch(() => undefined);
      await client.close();
      await closeTarget?.();
    });

    it('reads the kit query log on the embedded engine; system.query_log answers as a view over it', async () => {
      expect(await queryLogSource(client)).toEqual({ table: '_kit.query_log', kitLog: true });
      // chDB writes no system.query_log of its own: the name is the engine host's view of _kit.query_log.
      const sys = await queryRows<{ engine: string }>(
        client,
        `SELECT engine FROM system.tables WHERE database = 'system' AND name = 'query_log'`,
      );
      expect(sys).toEqual([{ engine: 'View' }]);
    });

    it('finds exactly the tagged queries, with their kinds and row counts', async () => {
      const rows = (await recentQueries(client, { logComment: tag })).toRecords();
      const byId = new Map(rows.map((r) => [String(r.query_id), r]));
      expect([...byId.keys()].sort()).toEqual(Object.values(ids).sort());
      expect(rows).toHaveLength(5);
      expect(byId.get(ids.create)).toMatchObject({ kind: 'Create', status: 'ok', log_comment: tag });
      expect(byId.get(ids.insert)).toMatchObject({ kind: 'Insert', status: 'ok' });
      expect(num(byId.get(ids.insert)!.written_rows)).toBe(5);
      expect(byId.get(ids.select3)).toMatchObject({ kind: 'Select', status: 'ok' });
      expect(num(byId.get(ids.select3)!.result_rows)).toBe(3);
      expect(num(byId.get(ids.count)!.result_rows)).toBe(1);
      expect(byId.get(ids.failing)).toMatchObject({ kind: 'Select', status: 'error', error_name: 'UNKNOWN_TABLE' });
      expect(num(byId.get(ids.failing)!.exception_code)).toBe(60);
      // Newest first.
      const times = rows.map((r) => (r.event_time as unknown as Date).getTime());
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('shows the failing query with its error code', async () => {
      const errors = (await queryErrors(client, { logComment: tag })).toRecords();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ query_id: ids.failing, error_name: 'UNKNOWN_TABLE', kind: 'Select' });
      expect(num(errors[0]!.exception_code)).toBe(60);
      expect(String(errors[0]!.message)).toMatch(/no_such_table/);
      expect(String(errors[0]!.message)).not.toMatch(/^Code:/);

      const codes = (await errorsByCode(client, { logComment: tag })).toRecords();
      expect(codes.map((c) => [num(c.exception_code), c.error_name, num(c.queries)])).toEqual([
        [60, 'UNKNOWN_TABLE', 1],
      ]);
    });

    it('filters by time, user and query id', async () => {
      const later = Date.now() + 60_000;
      expect((await recentQueries(client, { logComment: tag, since: later })).height).toBe(0);
      expect(
        (await recentQueries(client, { logComment: tag, since: startedAt - 60_000, until: startedAt - 1 })).height,
      ).toBe(0);
      expect((await recentQueries(client, { logComment: tag, since: new Date(startedAt - 1000) })).height).toBe(5);
      expect((await recentQueries(client, { logComment: tag, user: config.clickhouse.user })).height).toBe(5);
      expect((await recentQueries(client, { logComment: tag, user: `nobody_${run}` })).height).toBe(0);
      const one = (await recentQueries(client, { queryId: ids.count })).toRecords();
      expect(one.map((r) => r.query_id)).toEqual([ids.count]);
      expect((await recentQueries(client, { logComment: tag, kinds: ['Create', 'Insert'] })).height).toBe(2);
      await expect(recentQueries(client, { since: Number.NaN })).rejects.toThrow(/since must be a Date/);
    });

    it('summarises latency and volume per kind', async () => {
      const stats = (await queryStatsByKind(client, { logComment: tag })).toRecords();
      const byKind = new Map(stats.map((s) => [String(s.kind), s]));
      expect([...byKind.keys()].sort()).toEqual(['Create', 'Insert', 'Select']);
      const select = byKind.get('Select')!;
      expect(num(select.queries)).toBe(3);
      expect(num(select.errors)).toBe(1);
      expect(num(select.result_rows)).toBe(4);
      for (const s of stats) {
        expect(num(s.p50_ms)).toBeLessThanOrEqual(num(s.p95_ms));
        expect(num(s.p95_ms)).toBeLessThanOrEqual(num(s.p99_ms));
        expect(num(s.p99_ms)).toBeLessThanOrEqual(num(s.max_ms));
      }
      const series = await latencyOverTime(client, { logComment: tag }, { bucketSeconds: 3600 });
      const total = series.toRecords().reduce((a, r) => a + num(r.queries), 0);
      expect(total).toBe(5);

      const latency = latencyChart(series);
      expect(latency.data.map((t) => t.name).sort()).toEqual(['Create', 'Insert', 'Select']);
      const bytes = bytesReadByKindChart(stats);
      expect(bytes.data[0]!.x).toEqual(stats.map((s) => s.kind));
    });

    it('shows what the kit did (kit:<area>:<operation> tags), leaving its own reads out', async () => {
      const area = `obs${run}`;
      await queryRows(client, 'SELECT 1', undefined, { logComment: `kit:${area}:probe` });
      await command(
        client,
        `CREATE TABLE ${quoteIdentifier(db)}.kit_made (x UInt8, y UInt8) ENGINE = MergeTree ORDER BY x`,
        undefined,
        { logComment: `kit:${area}:create:table` },
      );
      const activity = (await kitActivity(client, { since: startedAt })).toRecords().filter((r) => r.area === area);
      expect(activity.map((r) => [r.operation, r.kind, r.status])).toEqual([
        ['create:table', 'Create', 'ok'],
        ['probe', 'Select', 'ok'],
      ]);
      const summary = (await kitActivitySummary(client, { since: startedAt }))
        .toRecords()
        .filter((r) => r.area === area);
      expect(summary.map((r) => [r.operation, num(r.queries), num(r.errors)])).toEqual([
        ['create:table', 1, 0],
        ['probe', 1, 0],
      ]);
      expect(num(summary.find((r) => r.operation === 'probe')!.result_rows)).toBe(1);
      const all = (await kitActivity(client, { since: startedAt })).toRecords();
      expect(all.some((r) => r.area === 'observability')).toBe(false);
      const withOwn = (await kitActivity(client, { since: startedAt, includeObservability: true })).toRecords();
      expect(withOwn.some((r) => r.area === 'observability')).toBe(true);
    });

    describe('storage', () => {
      beforeAll(async () => {
        const t = (name: string): string => `${quoteIdentifier(db)}.${quoteIdentifier(name)}`;
        await command(
          client,
          `CREATE TABLE ${t('docs')} (id UInt32, body String, vec Array(Float32) CODEC(NONE),
             INDEX vec_idx vec TYPE vector_similarity('hnsw', 'cosineDistance', 4) GRANULARITY 100000000)
           ENGINE = MergeTree PARTITION BY id % 2 ORDER BY id`,
        );
        // Merges stopped so that part counts and sizes hold still between the queries compared.
        await command(client, `SYSTEM STOP MERGES ${t('docs')}`);
        await command(client, `SYSTEM STOP MERGES ${t('events')}`);
        for (let i = 0; i < 3; i++) {
          await command(
            client,
            `INSERT INTO ${t('docs')} SELECT number + {off:UInt32}, repeat('word ', 50), [rand() % 7, 1, 2, 3] FROM numbers(2000)`,
            { off: i * 2000 },
          );
        }
        await insertJsonRows(client, { database: db, table: 'events' }, [{ id: 6, name: 'n6' }]);
      });

      it('table sizes add up to the system.parts totals', async () => {
        const sizes = (await tableSizes(client, { database: db })).toRecords();
        const totals = await queryOne<{ bytes: string; rows: string; parts: string; comp: string }>(
          client,
          `SELECT sum(bytes_on_disk) AS bytes, sum(rows) AS rows, count() AS parts, sum(data_compressed_bytes) AS comp FROM system.parts WHERE active AND database = {db:String}`,
          { db },
        );
        const sum = (col: string): number => sizes.reduce((a, r) => a + num(r[col] ?? 0), 0);
        expect(sum('bytes_on_disk')).toBe(num(totals!.bytes));
        expect(sum('rows')).toBe(num(totals!.rows));
        expect(sum('active_parts')).toBe(num(totals!.parts));
        expect(sum('compressed_bytes')).toBe(num(totals!.comp));

        const docs = sizes.find((r) => r.table === 'docs')!;
        expect(num(docs.rows)).toBe(6000);
        expect(num(docs.active_parts)).toBe(6); // 3 inserts x 2 partitions, merges stopped
        expect(num(docs.compression_ratio)).toBeGreaterThan(1);
        expect(docs).toMatchObject({ engine: 'MergeTree', storage_policy: 'default', disks: 'default' });
        const counted = await queryOne<{ c: string }>(client, `SELECT count() AS c FROM ${quoteIdentifier(db)}.events`);
        expect(num(sizes.find((r) => r.table === 'events')!.rows)).toBe(num(counted!.c));
        // Empty MergeTree tables are listed with zero size.
        expect(num(sizes.find((r) => r.table === 'kit_made')!.rows)).toBe(0);
        expect(num(sizes.find((r) => r.table === 'kit_made')!.active_parts)).toBe(0);

        const byDisk = (await tableSizesByDisk(client, { database: db })).toRecords();
        expect(byDisk.reduce((a, r) => a + num(r.bytes_on_disk), 0)).toBe(num(totals!.bytes));
        expect(new Set(byDisk.map((r) => r.storage))).toEqual(new Set(['local']));
        const chart = tableSizesByDiskChart(byDisk);
        expect(chart.data.map((t) => t.name)).toEqual(['local']);
      });

      it('counts parts per table and partition', async () => {
        const parts = (await partsPerTable(client, { database: db })).toRecords();
        const docs = parts.find((r) => r.table === 'docs')!;
        expect([num(docs.active_parts), num(docs.partitions), num(docs.max_parts_in_partition)]).toEqual([6, 2, 3]);
        expect(num(docs.parts_to_delay_insert)).toBeGreaterThan(0);
        expect(partsPerTableChart(parts).data).toHaveLength(2);
      });

      it('lists columns, vector indexes, disks, policies and mutations', async () => {
        const cols = (await columnSizes(client, { database: db, table: 'docs' })).toRecords();
        expect(cols.map((c) => c.column).sort()).toEqual(['body', 'id', 'vec']);
        expect(cols.find((c) => c.column === 'vec')!.type).toBe('Array(Float32)');

        const vec = (await vectorIndexes(client, { database: db })).toRecords();
        expect(vec.map((v) => [v.table, v.index, v.column])).toEqual([['docs', 'vec_idx', 'vec']]);
        expect(String(vec[0]!.definition)).toMatch(/^vector_similarity\('hnsw', 'cosineDistance', 4\)/);

        const d = (await disks(client)).toRecords();
        const local = d.find((r) => r.disk === 'default')!;
        expect(local.storage).toBe('local');
        expect(num(local.total_bytes)).toBeGreaterThan(num(local.free_bytes));
        expect((await storagePolicies(client)).toRecords().some((p) => p.policy === 'default')).toBe(true);

        // Not on `events`/`docs`: their merges are stopped, and a mutation waits for them (mutations_sync = 1 in clickhouse-local).
        await command(client, `INSERT INTO ${quoteIdentifier(db)}.kit_made VALUES (1, 0), (2, 0)`);
        await command(client, `ALTER TABLE ${quoteIdentifier(db)}.kit_made UPDATE y = 3 WHERE x = 1`);
        const all = (await mutations(client, { database: db, includeDone: true })).toRecords();
        expect(all.map((m) => [m.table, String(m.command).includes('y = 3'), num(m.is_done)])).toEqual([
          ['kit_made', true, 1],
        ]);
        const inFlight = (await mutations(client, { database: db })).toRecords();
        expect(inFlight.every((m) => num(m.is_done) === 0)).toBe(true);
      });
    });

    it('describes the engine and degrades where the embedded engine has less', async () => {
      const o = (await serverOverview(client)).toRecords()[0] as Rec;
      expect(o).toMatchObject({ mode: connectionInfo(client)?.mode, query_log: '_kit.query_log' });
      expect(String(o.version)).toMatch(/^26\./);
      // uptime() counts from the engine's start in this process (it opened in beforeAll).
      expect(num(o.uptime_seconds)).toBeGreaterThanOrEqual(0);
      expect(num(o.uptime_seconds)).toBeLessThanOrEqual(Math.ceil((Date.now() - startedAt) / 1000) + 60);
      expect((o.started_at as Date).getTime()).toBeLessThanOrEqual(Date.now());
      expect(String(o.note)).toMatch(/no system\.query_log here/);
      expect(String(o.note)).toMatch(/system\.asynchronous_metrics does not exist/);

      const async = await asynchronousMetrics(client);
      expect(async.height).toBe(0);
      expect(async.columns).toEqual(['metric', 'value', 'description']);

      const metrics = (await keyMetrics(client)).toRecords();
      expect(metrics.some((m) => m.source === 'asynchronous_metrics')).toBe(false);
      const mem = metrics.find((m) => m.name === 'MemoryTracking')!;
      expect(num(mem.value)).toBeGreaterThan(0);
      const inserted = metrics.find((m) => m.source === 'events' && m.name === 'InsertedRows')!;
      expect(num(inserted.value)).toBeGreaterThanOrEqual(6000);
      expect(new Set(metrics.map((m) => m.category))).toEqual(
        new Set(['memory', 'connections', 'queries', 'inserts', 'merges', 'mutations', 's3', 'cache']),
      );
    });

    it('reports health, failing the failed-queries check past its threshold', async () => {
      const relaxed = await healthReport(client);
      expect(relaxed.checks.map((c) => c.check)).toEqual([
        'reachable',
        'uptime',
        'failed queries (60 min)',
        'parts per partition',
        'mutations',
        'disk space',
      ]);
      const failed = relaxed.checks.find((c) => c.check.startsWith('failed queries'))!;
      expect(failed.status).toBe('warn');
      expect(failed.detail).toMatch(/UNKNOWN_TABLE/);
      const strict = await healthReport(client, { maxFailedQueries: 0 });
      expect(strict.healthy).toBe(false);
      expect(strict.checks.find((c) => c.check.startsWith('failed queries'))!.status).toBe('fail');
    });
  });
}
