import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, connect, queryOne, queryRows, quoteIdentifier, WarehouseError } from '../../lib/clickhouse';
import { loadConfig, type KitConfig } from '../../lib/config';
import { createS3Client, deleteByPrefix, listAllObjects, type KitS3 } from '../../lib/s3';
import {
  bootstrapRetail,
  BootstrapMismatchError,
  datasetLakePrefix,
  DatasetPlanConflictError,
  liveTarget,
  planDataset,
  readTableStates,
  STAGING_SUFFIX,
  insertParquet,
  RETAIL_TABLES,
  STORAGE_MODES,
  tableStats,
  tableTarget,
  TabularInputError,
  type BootstrapReport,
  type DatasetSpec,
} from '../../lib/tabular';
import { sampleCsv, sampleFrames, sampleParquet } from '../../lib/tabular';
import { startS3Server } from '../../scripts/stack/s3-server';

// Two chunks per load batch: a crash after the first batch leaves half the events stored.
const SPEC: DatasetSpec = { seed: 'bootstrap-test', events: 20_000, chunkRows: 5_000, batchRows: 10_000 };
const run = randomUUID().slice(0, 8);
const dbA = `tab_a_${run}`;
const dbB = `tab_b_${run}`;
let config: KitConfig;
let client: ClickHouseClient;
let s3: KitS3;

/** The summary a re-run must reproduce: rows and checksum of every table in every mode. */
const summary = (r: BootstrapReport): string[] =>
  r.tables.map((t) => `${t.table}/${t.mode}: ${t.rows} ${t.checksum}`).sort();

/**
 * The real client, except that chosen INSERTs fail *after* ClickHouse has stored them, as when a
 * connection drops before the answer arrives: the caller cannot know the batch is in.
 */
function dropAnswerOf(real: ClickHouseClient, shouldDrop: (query: string) => boolean): ClickHouseClient {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'exec') {
        return async (params: Parameters<ClickHouseClient['exec']>[0]) => {
          const r = await target.exec(params);
          if (!shouldDrop(params.query)) return r;
          for await (const _ of r.stream) void _;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        };
      }
      if (prop === 'command') {
        return async (params: Parameters<ClickHouseClient['command']>[0]) => {
          const r = await target.command(params);
          if (!shouldDrop(params.query)) return r;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

beforeAll(async () => {
  await startS3Server(loadConfig());
  config = loadConfig({
    env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: mkdtempSync(join(tmpdir(), 'kit-tabular-')) },
  });
  client = connect({ config, mode: 'embedded' });
  s3 = createS3Client(config);
});

afterAll(async () => {
  for (const db of [dbA, dbB]) {
    await command(client, `DROP DATABASE IF EXISTS ${quoteIdentifier(db)} SYNC`).catch(() => undefined);
    await deleteByPrefix(s3, `lake/${db}/`).catch(() => undefined);
  }
  s3?.client.destroy();
  await client?.close();
});

// Loads take a while on a shared 2-core machine.
describe('bootstrap', { timeout: 240_000 }, () => {
  let first: BootstrapReport;
  const plan = planDataset(SPEC);
  const other = planDataset({ ...SPEC, events: 8_000 });
  const events = (db: string) => tableTarget(db, RETAIL_TABLES[3]!, 'local');
  /** Every object under the database's lake prefix with its ETag: "nothing written" means this list is unchanged. */
  const objectsOf = async (db: string) =>
    (await listAllObjects(s3, `lake/${db}/`)).map((o) => `${o.key} ${o.etag ?? ''}`).sort();
  const tablesOf = async (db: string) =>
    (
      await queryRows<{ name: string; comment: string }>(
        client,
        'SELECT name, comment FROM system.tables WHERE database = {db:String} ORDER BY name',
        { db },
      )
    ).map((r) => `${r.name} ${r.comment}`);
  const plansOf = async (db: string) =>
    new Set(
      [
        ...(
          await readTableStates(
            client,
            db,
            RETAIL_TABLES.flatMap((d) => STORAGE_MODES.map((m) => tableTarget(db, d, m).name)),
          )
        ).values(),
      ].map((s) => s.plan),
    );

  it('loads every table in every storage mode with the same rows and checksums, and records the plan on each table', async () => {
    first = await bootstrapRetail(client, { database: dbA, spec: SPEC, s3, progress: false });
    expect(first.tables).toHaveLength(RETAIL_TABLES.length * STORAGE_MODES.length);
    for (const t of first.tables) expect(t.rows, t.name).toBe(t.expectedRows);
    expect(first.generated.events).toBe(20_000);
    expect(first.generated.orders).toBeGreaterThan(0);
    for (const def of RETAIL_TABLES) {
      const sums = new Set(first.tables.filter((t) => t.table === def.name).map((t) => t.checksum));
      expect(sums.size, def.name).toBe(1);
    }
    expect(await plansOf(dbA)).toEqual(new Set([plan.id]));
    // No table being loaded is left over.
    expect((await tablesOf(dbA)).filter((t) => t.includes(STAGING_SUFFIX))).toEqual([]);
    // The S3 disk table's parts really are on the S3 disk; the lake table reads the objects of its plan's prefix.
    const disk = await queryOne<{ disks: string[] }>(
      client,
      'SELECT groupUniqArray(disk_name) AS disks FROM system.parts WHERE database = {db:String} AND table = {t:String} AND active',
      {
        db: dbA,
        t: 'events_s3',
      },
    );
    expect(disk?.disks).toEqual(['s3_cache']);
    // ... as copies of the local table's parts, merged to one per partition (the report took the
    // S3 copy's checksum from these equal hashes): read back, it holds the very same rows.
    const parts = async (t: string) =>
      (
        await queryRows<{ p: string }>(
          client,
          "SELECT concat(partition_id, ':', toString(rows), ':', hash_of_uncompressed_files) AS p FROM system.parts WHERE database = {db:String} AND table = {t:String} AND active ORDER BY p",
          { db: dbA, t },
        )
      ).map((r) => r.p);
    const localParts = await parts('events');
    expect(await parts('events_s3')).toEqual(localParts);
    expect(new Set(localParts.map((p) => p.split(':')[0])).size).toBe(localParts.length);
    expect(await tableStats(client, tableTarget(dbA, RETAIL_TABLES[3]!, 's3_disk'))).toEqual(
      await tableStats(client, events(dbA)),
    );
    // Background merges, held while batches arrive, are released on the live tables.
    const held = await queryRows<{ name: string }>(
      client,
      "SELECT name FROM system.tables WHERE database = {db:String} AND engine_full LIKE '%max_bytes_to_merge%'",
      { db: dbA },
    );
    expect(held).toEqual([]);
    const prefix = datasetLakePrefix(dbA, plan.id, 'events_lake');
    expect((await liveTarget(client, dbA, RETAIL_TABLES[3]!, 's3_engine')).lakePrefix).toBe(prefix);
    const objects = await listAllObjects(s3, `${prefix}/`);
    // One object per load batch, named after its first chunk.
    expect(objects.map((o) => o.key).sort()).toEqual([0, 2].map((k) => `${prefix}/part-0000${k}.parquet`));
  });

  it('changes nothing when run again with the same plan: same counts and sum(cityHash64(tuple(*))), no object written', async () => {
    const objects = await objectsOf(dbA);
    const tables = await tablesOf(dbA);
    const second = await bootstrapRetail(client, { database: dbA, spec: SPEC, s3, progress: false });
    expect(summary(second)).toEqual(summary(first));
    expect(second.swapped).toEqual([]);
    expect(second.generated.events).toBe(0);
    expect(await objectsOf(dbA)).toEqual(objects);
    expect(await tablesOf(dbA)).toEqual(tables);
    // Checked directly too, not only through the report.
    const stats = await tableStats(client, events(dbA));
    expect(`events/local: ${stats.rows} ${stats.checksum}`).toBe(
      summary(first).find((s) => s.startsWith('events/local'))!,
    );
  });

  it('finishes a load that stopped half-way, and a batch retried after a lost answer is not duplicated', async () => {
    // 1. The load stops after the second events chunk (as if the process died): nothing is live yet.
    await expect(
      bootstrapRetail(client, {
        database: dbB,
        spec: SPEC,
        s3,
        progress: false,
        afterChunk: ({ group, chunk }) => {
          if (group === 'events + orders' && chunk === 1) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    const partial = await tableStats(
      client,
      tableTarget(dbB, RETAIL_TABLES[3]!, 'local', { name: `events${STAGING_SUFFIX}` }),
    );
    expect(partial.rows).toBe(10_000);
    expect((await tablesOf(dbB)).filter((t) => !t.includes(STAGING_SUFFIX))).toEqual([]);

    // 2. Re-run through a connection that loses the answer of the first INSERT of chunk 2 into
    //    `events__next`: the batch is stored, the client sees an error and resends it with the same token.
    let dropped = 0;
    const flaky = dropAnswerOf(client, (q) => {
      if (
        dropped > 0 ||
        !q.startsWith(`INSERT INTO \`${dbB}\`.\`events${STAGING_SUFFIX}\``) ||
        !q.includes(`_events_1`)
      )
        return false;
      dropped++;
      return true;
    });
    const lines: string[] = [];
    const resumed = await bootstrapRetail(flaky, {
      database: dbB,
      spec: SPEC,
      s3,
      progress: false,
      log: (l) => lines.push(l),
    });
    expect(dropped).toBe(1);
    expect(lines.some((l) => /retrying with the same deduplication token/.test(l))).toBe(true);
    // Same rows and checksums as the clean load of the same dataset in the other database.
    expect(summary(resumed)).toEqual(summary(first));
  });

  it('refuses another plan up front with one line naming both plans and --replace, writing nothing', async () => {
    const objects = await objectsOf(dbA);
    const tables = await tablesOf(dbA);
    const failure = await bootstrapRetail(client, {
      database: dbA,
      spec: { ...SPEC, events: 8_000 },
      s3,
      progress: false,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(DatasetPlanConflictError);
    expect(failure).toBeInstanceOf(BootstrapMismatchError);
    const message = (failure as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(plan.id);
    expect(message).toContain(other.id);
    expect(message).toContain('--replace');
    expect(await tablesOf(dbA)).toEqual(tables);
    expect(await objectsOf(dbA)).toEqual(objects);
  });

  it('--replace loads the other plan beside the old one and swaps it in; the old tables and objects are gone', async () => {
    const report = await bootstrapRetail(client, {
      database: dbA,
      spec: { ...SPEC, events: 8_000 },
      s3,
      progress: false,
      replace: true,
    });
    expect(report.swapped).toHaveLength(RETAIL_TABLES.length * STORAGE_MODES.length);
    expect(await plansOf(dbA)).toEqual(new Set([other.id]));
    expect((await tableStats(client, events(dbA))).rows).toBe(8_000);
    expect((await tablesOf(dbA)).filter((t) => t.includes(STAGING_SUFFIX))).toEqual([]);
    expect(await listAllObjects(s3, `lake/${dbA}/datasets/${plan.id}/`)).toEqual([]);
    expect((await listAllObjects(s3, `lake/${dbA}/datasets/${other.id}/events_lake/`)).length).toBe(1);
  });

  it('a replace killed half-way leaves the old dataset whole and readable; running it again completes it', async () => {
    const before = await bootstrapRetail(client, {
      database: dbA,
      spec: { ...SPEC, events: 8_000 },
      s3,
      progress: false,
    });
    expect(before.swapped).toEqual([]);
    await expect(
      bootstrapRetail(client, {
        database: dbA,
        spec: SPEC,
        s3,
        progress: false,
        replace: true,
        afterChunk: ({ group, chunk }) => {
          if (group === 'events + orders' && chunk === 1) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    // The old dataset is still what every live table holds, row for row.
    expect(await plansOf(dbA)).toEqual(new Set([other.id]));
    const during = await bootstrapRetail(client, {
      database: dbA,
      spec: { ...SPEC, events: 8_000 },
      s3,
      progress: false,
    });
    expect(summary(during)).toEqual(summary(before));
    expect(during.swapped).toEqual([]);
    // The half-loaded dataset waits beside it.
    expect(
      (await tableStats(client, tableTarget(dbA, RETAIL_TABLES[3]!, 'local', { name: `events${STAGING_SUFFIX}` })))
        .rows,
    ).toBe(10_000);

    const resumed = await bootstrapRetail(client, { database: dbA, spec: SPEC, s3, progress: false, replace: true });
    expect(summary(resumed)).toEqual(summary(first));
    expect(await plansOf(dbA)).toEqual(new Set([plan.id]));
  });

  it('a swap cut short between tables is refused without --replace and completed with it', async () => {
    await expect(
      bootstrapRetail(client, {
        database: dbA,
        spec: { ...SPEC, events: 8_000 },
        s3,
        progress: false,
        replace: true,
        afterSwap: ({ table }) => {
          if (table === 'customers_lake') throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    expect(await plansOf(dbA)).toEqual(new Set([plan.id, other.id]));
    await expect(
      bootstrapRetail(client, { database: dbA, spec: { ...SPEC, events: 8_000 }, s3, progress: false }),
    ).rejects.toThrow(DatasetPlanConflictError);
    const done = await bootstrapRetail(client, {
      database: dbA,
      spec: { ...SPEC, events: 8_000 },
      s3,
      progress: false,
      replace: true,
    });
    expect(done.swapped).toHaveLength(RETAIL_TABLES.length * STORAGE_MODES.length - 3);
    expect(await plansOf(dbA)).toEqual(new Set([other.id]));
    for (const t of done.tables) expect(t.rows, t.name).toBe(t.expectedRows);
  });

  it('refuses data that is not Parquet, and broken Parquet, leaving the tables unchanged', async () => {
    const targets = STORAGE_MODES.map((m) => tableTarget(dbA, RETAIL_TABLES[3]!, m));
    const before = await Promise.all(targets.map((t) => tableStats(client, t)));
    for (const t of targets) {
      await expect(insertParquet(client, t, Buffer.from('event_id,event_time\n1,2025-01-01\n'))).rejects.toThrow(
        TabularInputError,
      );
      await expect(insertParquet(client, t, Buffer.from('event_id,event_time\n1,2025-01-01\n'))).rejects.toThrow(
        /not Parquet/,
      );
      // Right magic number, garbage inside: ClickHouse itself refuses it.
      const broken = Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from('PAR1')]);
      await expect(insertParquet(client, t, broken)).rejects.toThrow(WarehouseError);
    }
    expect(await Promise.all(targets.map((t) => tableStats(client, t)))).toEqual(before);
  });
});

describe('committed samples', () => {
  it('are what the generator makes, and ClickHouse reads the same rows from the CSV and the Parquet files', async () => {
    const dir = join(config.root, 'assets', 'data', 'retail');
    for (const [table, frame] of Object.entries(sampleFrames())) {
      const parquet = readFileSync(join(dir, `${table}.parquet`));
      expect(parquet.equals(sampleParquet(frame)), `${table}.parquet is stale: run npm run data:samples`).toBe(true);
      expect(readFileSync(join(dir, `${table}.csv`), 'utf8')).toBe(sampleCsv(frame));
      const def = RETAIL_TABLES.find((d) => d.name === table)!;
      const structure = def.columns.map((c) => `${c.name} ${c.type}`).join(', ');
      const read = async (file: string, format: string) =>
        queryOne<{ n: string; h: string }>(
          client,
          `SELECT count() AS n, toString(sum(cityHash64(tuple(*)))) AS h FROM file({f:String}, {fmt:String}, {s:String})`,
          {
            f: join(dir, file),
            fmt: format,
            s: structure,
          },
        );
      const fromParquet = await read(`${table}.parquet`, 'Parquet');
      expect(Number(fromParquet?.n)).toBe(frame.height);
      expect(await read(`${table}.csv`, 'CSVWithNames')).toEqual(fromParquet);
    }
  });
});
