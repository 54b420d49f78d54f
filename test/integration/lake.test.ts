import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, connect, connectionInfo, queryOne, queryRows } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import type { KitConfig } from '../../lib/config';
import {
  countLake,
  createS3Table,
  describeLake,
  ensureLakeCollection,
  exportTable,
  ingestIntoMergeTree,
  LakeError,
  lakeFiles,
  LAKE_PARQUET_DEFAULTS,
  lakeSource,
  writeToLake,
} from '../../lib/lake';
import { createS3Client, deleteByPrefix, listAllObjects, putObject, uploadFrame } from '../../lib/s3';
import type { KitS3 } from '../../lib/s3';
import { startS3Server } from '../../scripts/stack/s3-server';

let config: KitConfig;
let client: ClickHouseClient;
let s3: KitS3;
const run = randomUUID().slice(0, 8);
const prefix = `test/lake/${run}/`;

beforeAll(async () => {
  const base = loadConfig();
  await startS3Server(base);
  // A fresh embedded engine of its own; it loads compose/config/config.xml (the `lake` collection).
  config = loadConfig({
    env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: mkdtempSync(join(tmpdir(), 'kit-lake-')) },
  });
  client = connect({ config, mode: 'embedded' });
  s3 = createS3Client(config);
  await ensureLakeCollection(client);
});

afterAll(async () => {
  await deleteByPrefix(s3, prefix);
  s3.client.destroy();
  await client.close();
});

/** A frame of trips over three days, stored as one Parquet object per day by the SDK. */
function trips(day: string, n: number, seed: number): pl.DataFrame {
  return pl.DataFrame([
    pl.Series(
      'trip_id',
      Array.from({ length: n }, (_, i) => seed * 1_000_000 + i),
      pl.Int64,
    ),
    pl.Series(
      'day',
      Array.from({ length: n }, () => day),
      pl.Utf8,
    ),
    pl.Series(
      'km',
      Array.from({ length: n }, (_, i) => ((i * 37 + seed) % 1000) / 10),
      pl.Float64,
    ),
    pl.Series(
      'zone',
      Array.from({ length: n }, (_, i) => ['north', 'south', 'east'][(i + seed) % 3]!),
      pl.Utf8,
    ),
  ]);
}

describe('querying lake objects in place', () => {
  const frames = [trips('2024-01-01', 1000, 1), trips('2024-01-02', 1500, 2), trips('2024-01-03', 700, 3)];

  beforeAll(async () => {
    for (const f of frames) await uploadFrame(s3, `${prefix}trips/day=${f.getColumn('day').get(0)}/trips.parquet`, f);
    await putObject(s3, `${prefix}csv/zones.csv`, 'zone,factor\nnorth,1.5\nsouth,2\neast,0.5\n');
  });

  it('reads a glob of Parquet objects, with per-file rows from _path/_file', async () => {
    const src = lakeSource({ path: `${prefix}trips/*/*.parquet` });
    expect(await countLake(client, src)).toBe(3200);
    const files = await lakeFiles(client, src);
    expect(files.map((f) => [f.path, f.file, f.rows])).toEqual(
      frames.map((f) => [
        `${config.s3.bucket}/${prefix}trips/day=${f.getColumn('day').get(0)}/trips.parquet`,
        'trips.parquet',
        f.height,
      ]),
    );
    const sums = await queryOne<{ km: number; ids: string }>(
      client,
      `SELECT sum(km) AS km, toString(sum(trip_id)) AS ids FROM ${src.sql}`,
      src.params,
    );
    const expectedKm = frames.reduce((s, f) => s + f.getColumn('km').sum(), 0);
    const expectedIds = frames.reduce(
      (s, f) => s + (f.getColumn('trip_id').toArray() as number[]).reduce((a, b) => a + b, 0),
      0,
    );
    expect(sums!.km).toBeCloseTo(expectedKm, 6);
    expect(sums!.ids).toBe(expectedIds.toString());
  });

  it('infers the structure, or takes an explicit one', async () => {
    const inferred = await describeLake(client, { path: `${prefix}trips/*/*.parquet` });
    expect(inferred.map((c) => c.name)).toEqual(['trip_id', 'day', 'km', 'zone']);
    expect(inferred.find((c) => c.name === 'trip_id')!.type).toMatch(/Int64/);
    const explicit = lakeSource({
      path: `${prefix}csv/zones.csv`,
      format: 'CSVWithNames',
      structure: { zone: 'LowCardinality(String)', factor: 'Decimal(9, 2)' },
    });
    expect(await describeLake(client, explicit)).toEqual([
      { name: 'zone', type: 'LowCardinality(String)' },
      { name: 'factor', type: 'Decimal(9, 2)' },
    ]);
    const rows = await queryRows<{ zone: string; factor: string }>(
      client,
      `SELECT zone, toString(factor) AS factor FROM ${explicit.sql} ORDER BY zone`,
      explicit.params,
    );
    expect(rows).toEqual([
      { zone: 'east', factor: '0.5' },
      { zone: 'north', factor: '1.5' },
      { zone: 'south', factor: '2' },
    ]);
  });

  it('joins two lake sources in one query (parameters do not collide)', async () => {
    const t = lakeSource({ path: `${prefix}trips/*/*.parquet` });
    const z = lakeSource({ path: `${prefix}csv/zones.csv`, format: 'CSVWithNames' });
    const row = await queryOne<{ n: string }>(
      client,
      `SELECT count() AS n FROM ${t.sql} AS t INNER JOIN ${z.sql} AS z ON t.zone = z.zone`,
      { ...t.params, ...z.params },
    );
    expect(Number(row!.n)).toBe(3200);
  });

  it('an S3 engine table sees objects the SDK adds later', async () => {
    await createS3Table(client, {
      table: 'lake_trips',
      path: `${prefix}trips/*/*.parquet`,
      format: 'Parquet',
      replace: true,
    });
    const count = async () => Number((await queryOne<{ n: string }>(client, 'SELECT count() AS n FROM lake_trips'))!.n);
    expect(await count()).toBe(3200);
    await uploadFrame(s3, `${prefix}trips/day=2024-01-04/trips.parquet`, trips('2024-01-04', 250, 4));
    expect(await count()).toBe(3450);
    const byDay = await queryRows<{ day: string; n: string }>(
      client,
      'SELECT day, count() AS n FROM lake_trips GROUP BY day ORDER BY day',
    );
    expect(byDay.at(-1)).toEqual({ day: '2024-01-04', n: '250' });
  });

  it('ingests objects written by polars (Nullable columns) into MergeTree ordered by one of them', async () => {
    const src = lakeSource({ path: `${prefix}trips/*/*.parquet` });
    expect((await describeLake(client, src)).find((c) => c.name === 'trip_id')!.type).toBe('Nullable(Int64)');
    await command(client, 'DROP TABLE IF EXISTS trips_from_lake');
    const r = await ingestIntoMergeTree(client, { source: src, table: 'trips_from_lake', orderBy: ['day', 'trip_id'] });
    expect(r).toEqual({ rows: await countLake(client, src), created: true });
    const cols = await queryRows<{ name: string; type: string }>(
      client,
      "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'trips_from_lake' ORDER BY position",
    );
    expect(cols).toEqual([
      { name: 'trip_id', type: 'Int64' },
      { name: 'day', type: 'String' },
      { name: 'km', type: 'Nullable(Float64)' },
      { name: 'zone', type: 'Nullable(String)' },
    ]);
    await expect(
      ingestIntoMergeTree(client, { source: src, table: 'trips_bad_key', orderBy: ['nope'] }),
    ).rejects.toThrow(/orderBy names "nope"/);
  });

  it('an S3 engine table with explicit columns over a single object accepts inserts', async () => {
    const { columns } = await createS3Table(client, {
      table: 'lake_notes',
      path: `${prefix}notes/notes.parquet`,
      format: 'Parquet',
      columns: { id: 'UInt32', note: 'String' },
      replace: true,
    });
    expect(columns).toEqual({ id: 'UInt32', note: 'String' });
    await command(client, "INSERT INTO lake_notes VALUES (1, 'a'), (2, 'b')");
    expect(await countLake(client, { path: `${prefix}notes/notes.parquet` })).toBe(2);
  });
});

describe('writing, exporting and ingesting', () => {
  beforeAll(async () => {
    await command(client, 'DROP TABLE IF EXISTS events');
    await command(
      client,
      `CREATE TABLE events (id UInt64, day Date, kind LowCardinality(String), amount Decimal(18, 4), note Nullable(String))
       ENGINE = MergeTree ORDER BY id`,
    );
    await command(
      client,
      `INSERT INTO events SELECT number, toDate('2024-03-01') + number % 5, ['buy', 'sell', 'hold'][1 + number % 3],
              toDecimal64(number * 1.25, 4), if(number % 7 = 0, NULL, toString(number)) FROM numbers(50000)`,
    );
  });

  const checksum = (from: string) =>
    `SELECT count() AS n, toString(sum(id)) AS id_sum, toString(sum(amount)) AS amount_sum, countIf(note IS NULL) AS nulls,
            toString(groupBitXor(cityHash64(id, toString(day), kind, toString(amount), ifNull(note, '~')))) AS hash FROM ${from}`;

  it('INSERT INTO FUNCTION s3 with PARTITION BY writes one Hive folder per value', async () => {
    const out = `${prefix}written/`;
    await writeToLake(client, {
      path: out,
      select: 'SELECT * FROM events WHERE id < {upto:UInt64}',
      params: { upto: 1000 },
      partitionBy: ['kind'],
    });
    expect(await countLake(client, { path: `${out}**.parquet` })).toBe(1000);
    const objects = await listAllObjects(s3, out);
    expect([...new Set(objects.map((o) => o.key.slice(out.length).split('/')[0]))].sort()).toEqual([
      'kind=buy',
      'kind=hold',
      'kind=sell',
    ]);
    const perKind = await queryRows<{ kind: string; n: string }>(
      client,
      'SELECT kind, count() AS n FROM events WHERE id < 1000 GROUP BY kind ORDER BY kind',
    );
    const src = lakeSource({ path: `${out}**.parquet` });
    const back = await queryRows<{ kind: string; n: string }>(
      client,
      `SELECT kind, count() AS n FROM ${src.sql} GROUP BY kind ORDER BY kind`,
      src.params,
    );
    expect(back).toEqual(perKind);
  });

  it('a single-object write refuses to overwrite unless asked', async () => {
    const path = `${prefix}single/events.parquet`;
    await writeToLake(client, { path, select: 'SELECT * FROM events LIMIT 10' });
    await expect(writeToLake(client, { path, select: 'SELECT * FROM events LIMIT 20' })).rejects.toThrow();
    await writeToLake(client, { path, select: 'SELECT * FROM events LIMIT 20', overwrite: true });
    expect(await countLake(client, { path })).toBe(20);
  });

  it('exports a table to a partitioned Parquet layout and reads it back with equal counts and checksums', async () => {
    const expected = await queryOne(client, checksum('events'));
    const first = await exportTable(client, s3, {
      table: 'events',
      prefix: `${prefix}export/events/`,
      partitionBy: ['day'],
    });
    expect(first.rows).toBe(50000);
    expect(first.files).toBeGreaterThanOrEqual(5);
    expect(first.bytes).toBeGreaterThan(0);
    expect(await queryOne(client, checksum(first.source.sql), first.source.params)).toEqual(expected);
    // Exporting again replaces the previous export instead of adding to it.
    const second = await exportTable(client, s3, {
      table: 'events',
      prefix: `${prefix}export/events/`,
      partitionBy: ['day'],
    });
    expect(second.files).toBe(first.files);
    expect(await countLake(client, second.source)).toBe(50000);
  });

  /** What a Parquet object's own metadata says about its encoding (read by ClickHouse's ParquetMetadata format). */
  const parquetLayout = async (key: string) =>
    queryOne<{ codecs: string[]; bloom_bytes: string; groups: string; all_stats: number }>(
      client,
      `SELECT arraySort(arrayDistinct(arrayMap(c -> tupleElement(c, 'compression'), columns))) AS codecs,
              toString(arraySum(arrayMap(rg -> arraySum(arrayMap(c -> tupleElement(c, 'bloom_filter_bytes'), tupleElement(rg, 'columns'))), row_groups))) AS bloom_bytes,
              toString(num_row_groups) AS groups,
              arrayAll(rg -> arrayAll(c -> tupleElement(c, 'have_statistics'), tupleElement(rg, 'columns')), row_groups) AS all_stats
       FROM s3(lake, filename = {key:String}, format = 'ParquetMetadata')`,
      { key },
    );

  it('writes Parquet with the kit defaults (zstd, no bloom filters, statistics kept); both are overridable and the data stays exact', async () => {
    expect(LAKE_PARQUET_DEFAULTS).toEqual({ compression: 'zstd', bloomFilters: false });
    const expected = await queryOne(client, checksum('events'));
    const exported = await exportTable(client, s3, { table: 'events', prefix: `${prefix}encoding/default/` });
    const [object] = await listAllObjects(s3, `${prefix}encoding/default/`);
    expect(await parquetLayout(object!.key)).toEqual({ codecs: ['ZSTD'], bloom_bytes: '0', groups: '1', all_stats: 1 });
    expect(await queryOne(client, checksum(exported.source.sql), exported.source.params)).toEqual(expected);

    const custom = `${prefix}encoding/snappy-bloom.parquet`;
    await writeToLake(client, {
      path: custom,
      select: 'SELECT * FROM events',
      parquet: { compression: 'snappy', bloomFilters: true },
    });
    const layout = await parquetLayout(custom);
    expect(layout!.codecs).toEqual(['SNAPPY']);
    expect(Number(layout!.bloom_bytes)).toBeGreaterThan(0);
    const customSource = lakeSource({ path: custom });
    expect(await queryOne(client, checksum(customSource.sql), customSource.params)).toEqual(expected);

    // Settings stick to an embedded session: the next default write is back to the defaults.
    const again = `${prefix}encoding/again.parquet`;
    await writeToLake(client, { path: again, select: 'SELECT * FROM events LIMIT 100' });
    expect(await parquetLayout(again)).toMatchObject({ codecs: ['ZSTD'], bloom_bytes: '0' });
  });

  it('ingests lake objects into a new MergeTree table', async () => {
    const exported = await exportTable(client, s3, {
      table: 'events',
      prefix: `${prefix}export/ingest/`,
      format: 'Parquet',
    });
    await command(client, 'DROP TABLE IF EXISTS events_copy');
    const r = await ingestIntoMergeTree(client, { source: exported.source, table: 'events_copy', orderBy: ['id'] });
    expect(r).toEqual({ rows: 50000, created: true });
    const engine = await queryOne<{ engine: string; sorting_key: string }>(
      client,
      "SELECT engine, sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'events_copy'",
    );
    expect(engine).toEqual({ engine: 'MergeTree', sorting_key: 'id' });
    expect(await queryOne(client, checksum('events_copy'))).toEqual(await queryOne(client, checksum('events')));
    // Into the existing table: appends.
    expect(await ingestIntoMergeTree(client, { source: exported.source, table: 'events_copy' })).toEqual({
      rows: 50000,
      created: false,
    });
  });
});

describe('bad inputs and secrets', () => {
  it('rejects paths, formats, types and layouts with clear messages', async () => {
    expect(() => lakeSource({ path: '/abs/x.parquet' })).toThrow(/relative to the bucket/);
    expect(() => lakeSource({ path: 'http://evil/x.parquet' })).toThrow(/is a URL/);
    expect(() => lakeSource({ path: '' })).toThrow(LakeError);
    expect(() => lakeSource({ path: 'x', format: 'Excel' as never })).toThrow(/Unknown lake format/);
    expect(() => lakeSource({ path: 'x', structure: { a: 'String; DROP TABLE events' } })).toThrow(
      /not a ClickHouse type/,
    );
    await expect(
      writeToLake(client, { path: `${prefix}p`, select: 'SELECT 1 AS a', partitionBy: ['a'] }),
    ).rejects.toThrow(/must end with "\/"/);
    await expect(writeToLake(client, { path: `${prefix}*.parquet`, select: 'SELECT 1 AS a' })).rejects.toThrow(
      /is a glob/,
    );
    await expect(
      writeToLake(client, {
        path: `${prefix}x.csv`,
        select: 'SELECT 1 AS a',
        format: 'CSV',
        parquet: { compression: 'lz4' },
      }),
    ).rejects.toThrow(/apply to Parquet writes; this write is CSV/);
    await expect(
      writeToLake(client, {
        path: `${prefix}x.parquet`,
        select: 'SELECT 1 AS a',
        parquet: { compression: 'lzo' as never },
      }),
    ).rejects.toThrow(/Unknown Parquet compression "lzo"/);
    await expect(
      exportTable(client, s3, { table: 'events', prefix: `${prefix}export/events/`, format: 'CSV', parquet: {} }),
    ).rejects.toThrow(LakeError);
    await expect(
      createS3Table(client, { table: 't_bad', path: `${prefix}x.parquet`, format: 'Parquet', columns: { a: 'Strin' } }),
    ).rejects.toThrow(/not valid/);
    await expect(
      createS3Table(client, { table: 't_none', path: `${prefix}nothing/*.parquet`, format: 'Parquet' }),
    ).rejects.toThrow(/Give the columns explicitly/);
  });

  it('a missing object fails with ClickHouse naming the key, never the secret', async () => {
    const secret = config.s3.secretAccessKey.reveal();
    const e = await countLake(client, { path: `${prefix}missing/none.parquet` }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(e).toBeInstanceOf(Error);
    expect(e!.message).toContain(`${prefix}missing/none.parquet`);
    expect([e!.message, e!.stack, JSON.stringify(e)].join('\n')).not.toContain(secret);
  });

  it('no SQL the kit ran holds a credential: the query log has neither the secret nor a redaction of it', async () => {
    const secret = config.s3.secretAccessKey.reveal();
    const mode = connectionInfo(client)?.mode;
    await command(client, 'SYSTEM FLUSH LOGS');
    const log = mode === 'embedded' ? '_kit.query_log' : 'system.query_log';
    const rows = await queryRows<{ query: string; exception: string }>(
      client,
      `SELECT query, exception FROM ${log} WHERE log_comment = 'kit:lake'`,
    );
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.some((r) => r.query.includes('s3(lake,'))).toBe(true);
    for (const r of rows) {
      expect(r.query).not.toContain(secret);
      expect(r.query).not.toContain('[REDACTED]');
      expect(r.query).not.toContain(config.s3.accessKeyId);
      expect(r.exception).not.toContain(secret);
    }
  });
});
