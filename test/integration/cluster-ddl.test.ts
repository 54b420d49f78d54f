import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, connect, queryOne, queryRows, quoteIdentifier } from '../../lib/clickhouse';
import { findProjectRoot, loadConfig, type KitConfig } from '../../lib/config';
import { createS3Table, ingestIntoMergeTree } from '../../lib/lake';
import { tableSizes } from '../../lib/observability';
import { createS3Client, deleteByPrefix, type KitS3 } from '../../lib/s3';
import {
  bootstrapRetail,
  createTable,
  createTableStatements,
  dropTable,
  insertRows,
  liveTarget,
  recordedPlanId,
  RETAIL_TABLES,
  SCRATCH_PREFIX,
  RetailGenerator,
  runCrudFlow,
  shardingKeyOf,
  STORAGE_MODES,
  tableStats,
  tableTarget,
  EVENTS,
  type StorageMode,
} from '../../lib/tabular';
import { VectorStore, vectorTableSpec } from '../../lib/vectors';
import { startS3Server } from '../../scripts/stack/s3-server';

// The kit's DDL on the embedded engine, single-node and in cluster form (CLICKHOUSE_CLUSTER).
//
// The engine runs with a one-node cluster `kit_test` (remote_servers: this node, recognised as local
// through its tcp_port), so Distributed tables work in-process. Two things of a real cluster cannot
// run here, and the cluster client below removes exactly them from the statements the kit sends
// (and counts them, so a statement that lacks them fails the test):
//   - ` ON CLUSTER kit_test`: chDB answers "Replicated DDL queries are disabled" (no DDL worker);
//     on a one-node cluster the clause means "run it on this node", which is what is left.
//   - `ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')` becomes
//     `MergeTree`, and its `replicated_deduplication_window` MergeTree's `non_replicated_...` one:
//     replication needs Keeper (chDB's in-memory test keeper leaves the table read-only).
//     compose-config.test.ts creates such a table and checks its Keeper path and replica name.
// Everything else (Distributed tables and their sharding keys, inserts and reads through them,
// mutations on the shards' tables, vector search merged over the Distributed table) runs as sent.

const CLUSTER = 'kit_test';
const ON_CLUSTER = ` ON CLUSTER \`${CLUSTER}\``;
const REPLICATED = /ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'\)/;
const REPLICATED_ALL = new RegExp(REPLICATED.source, 'g');

const root = findProjectRoot();
const run = randomUUID().slice(0, 8);
const database = `cluster_${run}`;
const dir = mkdtempSync(join(tmpdir(), 'kit-cluster-ddl-'));
const rewrites = { onCluster: 0, replicated: 0, statements: [] as string[] };

let config: KitConfig;
let single: ClickHouseClient;
let cluster: ClickHouseClient;
let s3: KitS3;

/** The statement as the one-node embedded cluster can run it (see the header). */
function onEmbeddedEngine(sql: string): string {
  if (!/^\s*(CREATE|DROP|ALTER|UPDATE|DELETE|OPTIMIZE|RENAME|EXCHANGE)\b/i.test(sql)) return sql;
  rewrites.statements.push(sql);
  let out = sql;
  if (out.includes(ON_CLUSTER)) {
    rewrites.onCluster++;
    out = out.replace(ON_CLUSTER, '');
  }
  const replicated = out.match(REPLICATED_ALL)?.length ?? 0;
  rewrites.replicated += replicated;
  return replicated
    ? out
        .replace(REPLICATED_ALL, 'MergeTree')
        .replace('replicated_deduplication_window', 'non_replicated_deduplication_window')
    : out;
}

/** A client of the kit in cluster mode whose statements pass through {@link onEmbeddedEngine}. */
function clusterClient(c: ClickHouseClient): ClickHouseClient {
  const wrap =
    <A extends { query: string }, R>(fn: (a: A) => Promise<R>) =>
    (a: A) =>
      fn({ ...a, query: onEmbeddedEngine(a.query) });
  c.command = wrap(c.command.bind(c));
  c.exec = wrap(c.exec.bind(c));
  return c;
}

beforeAll(async () => {
  await startS3Server(loadConfig());
  // The engine's config: a one-node cluster plus the shared config.d/ (S3 disk, named collection).
  mkdirSync(join(dir, 'config.d'));
  for (const f of readdirSync(join(root, 'compose', 'config', 'config.d')))
    copyFileSync(join(root, 'compose', 'config', 'config.d', f), join(dir, 'config.d', f));
  writeFileSync(
    join(dir, 'config.xml'),
    `<clickhouse><tcp_port>9000</tcp_port><remote_servers><${CLUSTER}><shard><internal_replication>true</internal_replication><replica><host>localhost</host><port>9000</port></replica></shard></${CLUSTER}></remote_servers></clickhouse>`,
  );
  const env = {
    ...process.env,
    CLICKHOUSE_URL: '',
    CLICKHOUSE_CONFIG_FILE: join(dir, 'config.xml'),
    CLICKHOUSE_DATA_PATH: join(dir, 'data'),
    CLICKHOUSE_DATABASE: database,
  };
  config = loadConfig({ env: { ...env, CLICKHOUSE_CLUSTER: '' } });
  single = connect({ config, mode: 'embedded' });
  cluster = clusterClient(
    connect({ config: loadConfig({ env: { ...env, CLICKHOUSE_CLUSTER: CLUSTER } }), mode: 'embedded' }),
  );
  s3 = createS3Client(config);
  await command(single, `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`);
});

afterAll(async () => {
  await command(single, `DROP DATABASE IF EXISTS ${quoteIdentifier(database)} SYNC`).catch(() => undefined);
  await deleteByPrefix(s3, `lake/${database}/`).catch(() => undefined);
  s3?.client.destroy();
  await cluster?.close();
  await single?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function engineOf(name: string): Promise<string | undefined> {
  const row = await queryOne<{ engine_full: string }>(
    single,
    'SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    { db: database, t: name },
  );
  return row?.engine_full;
}

describe('generated DDL, single-node and cluster form', () => {
  it.each(STORAGE_MODES)(
    '%s: the engine parses every statement; the cluster form is ON CLUSTER, replicated and distributed',
    async (mode: StorageMode) => {
      const target = tableTarget(database, EVENTS, mode);
      const one = createTableStatements(target);
      const many = createTableStatements(target, { cluster: CLUSTER });
      expect(one).toHaveLength(1);
      expect(one[0]).not.toContain('ON CLUSTER');
      expect(many).toHaveLength(mode === 's3_engine' ? 1 : 2);
      for (const sql of [...one, ...many]) {
        // formatQuery: ClickHouse's own parser (a syntax error throws).
        const formatted = (await queryOne<{ f: string }>(single, 'SELECT formatQuery({sql:String}) AS f', { sql }))!.f;
        expect(formatted).toMatch(/^CREATE TABLE IF NOT EXISTS /);
      }
      for (const sql of many) expect(sql).toContain(ON_CLUSTER);
      if (mode === 's3_engine') {
        expect(many[0]).toMatch(/ENGINE = S3\(lake, /);
        return;
      }
      expect(one[0]).toMatch(/\nENGINE = MergeTree\n/);
      expect(one[0]).toContain('non_replicated_deduplication_window = 10000');
      expect(many[0]!).toContain(`${quoteIdentifier(database)}.\`events${mode === 's3_disk' ? '_s3' : ''}_local\``);
      expect(many[0]).toMatch(REPLICATED);
      expect(many[0]).toMatch(/SETTINGS replicated_deduplication_window = 10000, /);
      expect(many[0]).not.toContain('non_replicated');
      expect(many[0]!.includes("storage_policy = 's3_cached'")).toBe(mode === 's3_disk');
      expect(many[1]).toContain(
        `ENGINE = Distributed('${CLUSTER}', '${database}', '${target.name}_local', ${shardingKeyOf(EVENTS)})`,
      );
    },
  );

  it.each(STORAGE_MODES)(
    '%s: both forms create tables that take rows and give them back',
    async (mode: StorageMode) => {
      const rows = new RetailGenerator({ seed: `ddl-${mode}`, events: 500, chunkRows: 500 }).activityChunk(0).events;
      const singleTarget = tableTarget(database, EVENTS, mode, { name: `ddl_single_${mode}` });
      const clusterTarget = tableTarget(database, EVENTS, mode, { name: `ddl_cluster_${mode}` });
      const before = rewrites.onCluster;
      await createTable(single, singleTarget);
      await createTable(cluster, clusterTarget);
      expect(rewrites.onCluster - before).toBe(mode === 's3_engine' ? 1 : 2);
      await insertRows(single, singleTarget, rows);
      await insertRows(cluster, clusterTarget, rows);
      const a = await tableStats(single, singleTarget);
      const b = await tableStats(cluster, clusterTarget);
      expect(a.rows).toBe(rows.height);
      expect(b).toEqual(a);
      if (mode !== 's3_engine') {
        expect(await engineOf(clusterTarget.name)).toMatch(/^Distributed\('kit_test'/);
        expect(await engineOf(`${clusterTarget.name}_local`)).toMatch(/^MergeTree/);
        // The rows live in the shard's table; the Distributed table holds none itself.
        const local = await queryOne<{ n: string }>(
          single,
          `SELECT count() AS n FROM ${quoteIdentifier(database)}.${quoteIdentifier(`${clusterTarget.name}_local`)}`,
        );
        expect(Number(local?.n)).toBe(rows.height);
      }
      await dropTable(single, singleTarget);
      await dropTable(cluster, clusterTarget);
      expect(await engineOf(clusterTarget.name)).toBeUndefined();
      expect(await engineOf(`${clusterTarget.name}_local`)).toBeUndefined();
    },
  );
});

describe('the kit unchanged on a cluster (through the Distributed tables)', () => {
  it.each(STORAGE_MODES)(
    'CRUD flow (%s): every step passes; changes go to the shards’ tables ON CLUSTER',
    async (mode: StorageMode) => {
      const from = rewrites.statements.length;
      const steps = await runCrudFlow(cluster, mode, { database, s3, rows: 2_000, table: 'cl_crud' });
      for (const s of steps) expect(s.ok, `${s.step}: expected ${s.expected}, got ${s.actual}`).toBe(true);
      if (mode === 's3_engine') return;
      const sent = rewrites.statements.slice(from);
      const changes = sent.filter((s) => /^(UPDATE|DELETE|ALTER)/.test(s));
      expect(changes.length).toBe(4);
      for (const s of changes)
        expect(s).toMatch(
          new RegExp(
            `^(UPDATE|DELETE FROM|ALTER TABLE) \`${database}\`\\.\`cl_crud${mode === 's3_disk' ? '_s3' : ''}_local\`${ON_CLUSTER} `,
          ),
        );
    },
  );

  it('bootstrap loads every table in every mode; a customer’s rows hash to one shard in customers, orders and events', async () => {
    const report = await bootstrapRetail(cluster, {
      database,
      s3,
      spec: { seed: 'cluster', events: 4_000, chunkRows: 2_000 },
      progress: false,
    });
    expect(report.tables).toHaveLength(RETAIL_TABLES.length * STORAGE_MODES.length);
    for (const t of report.tables) expect(t.rows, t.name).toBe(t.expectedRows);
    expect(await engineOf('events')).toMatch(/^Distributed/);
    expect(await engineOf('events_s3_local')).toMatch(/^MergeTree/);
    expect(await engineOf('events__next_local')).toBeUndefined();

    // The shard of a row is (sharding key % total weight) on equal weights: for 2 and 3 shards every
    // customer's rows of the three tables pick one shard.
    const key = (name: 'customers' | 'orders' | 'events'): string =>
      shardingKeyOf(RETAIL_TABLES.find((t) => t.name === name)!);
    for (const shards of [2, 3]) {
      const spread = await queryRows<{ customer_id: number; n: string }>(
        single,
        `SELECT customer_id, toString(uniqExact(shard)) AS n FROM (
           SELECT customer_id, ${key('customers')} % ${shards} AS shard FROM ${quoteIdentifier(database)}.customers_local
           UNION ALL SELECT assumeNotNull(customer_id), ${key('orders')} % ${shards} FROM ${quoteIdentifier(database)}.orders_local WHERE customer_id IS NOT NULL
           UNION ALL SELECT assumeNotNull(customer_id), ${key('events')} % ${shards} FROM ${quoteIdentifier(database)}.events_local WHERE customer_id IS NOT NULL)
         GROUP BY customer_id HAVING uniqExact(shard) > 1 LIMIT 5`,
      );
      expect(spread, `${shards} shards`).toEqual([]);
      // ... and the customers do spread over the shards.
      const used = await queryOne<{ n: string }>(
        single,
        `SELECT toString(uniqExact(${key('customers')} % ${shards})) AS n FROM ${quoteIdentifier(database)}.customers_local`,
      );
      expect(Number(used?.n)).toBe(shards);
    }
    // A re-run adds nothing (deduplication tokens pass through the Distributed table).
    const again = await bootstrapRetail(cluster, {
      database,
      s3,
      spec: { seed: 'cluster', events: 4_000, chunkRows: 2_000 },
      progress: false,
    });
    expect(again.tables.map((t) => t.rows)).toEqual(report.tables.map((t) => t.rows));
  });

  it('lake: an S3 table on every node, an ingest into a replicated table behind a Distributed one', async () => {
    // The Parquet objects the bootstrap staged for events_lake.
    const lake = await liveTarget(
      single,
      database,
      RETAIL_TABLES.find((t) => t.name === 'events')!,
      's3_engine',
    );
    const path = `${lake.lakePrefix}/*.parquet`;
    const from = rewrites.statements.length;
    await createS3Table(cluster, { table: 'cl_lake_view', path, format: 'Parquet' });
    const viewed = await queryOne<{ n: string }>(
      single,
      `SELECT count() AS n FROM ${quoteIdentifier(database)}.cl_lake_view`,
    );
    expect(Number(viewed?.n)).toBe(4_000);
    const ingest = await ingestIntoMergeTree(cluster, {
      source: { path, format: 'Parquet' },
      table: 'cl_lake_events',
      orderBy: ['event_id'],
    });
    expect(ingest).toEqual({ rows: 4_000, created: true });
    expect(await engineOf('cl_lake_events')).toBe(
      `Distributed('${CLUSTER}', '${database}', 'cl_lake_events_local', rand())`,
    );
    expect(await engineOf('cl_lake_events_local')).toMatch(/^MergeTree ORDER BY event_id/);
    const sent = rewrites.statements.slice(from).filter((x) => /^CREATE/.test(x));
    expect(sent).toHaveLength(3);
    for (const x of sent) expect(x).toContain(ON_CLUSTER);
  });

  it('observability: the node a client reaches reports its shard tables (`<name>_local`) and their rows', async () => {
    const sizes = (await tableSizes(cluster, { database })).toRecords() as Array<{
      table: string;
      engine: string;
      rows: number | bigint | string;
    }>;
    const byName = new Map(sizes.map((r) => [r.table, r]));
    expect(Number(byName.get('events_local')?.rows)).toBe(4_000);
    expect(Number(byName.get('events_s3_local')?.rows)).toBe(4_000);
    expect(byName.get('events_local')?.engine).toBe('MergeTree');
    // Distributed tables hold no parts of their own: not in the MergeTree report.
    expect(byName.has('events')).toBe(false);
  });

  it('vector store: the HNSW index on the shard’s table, search merged over the Distributed table', async () => {
    const spec = vectorTableSpec({
      modelId: 'kit/test-8d',
      dimensions: 8,
      table: `cl_vectors_${run}`,
      metadata: { category: 'LowCardinality(String)' },
    });
    const store = await VectorStore.open(cluster, spec);
    try {
      expect(await engineOf(spec.table)).toBe(
        `Distributed('${CLUSTER}', '${database}', '${spec.table}_local', cityHash64(id))`,
      );
      const local = await queryOne<{ statement: string }>(
        single,
        `SHOW CREATE TABLE ${quoteIdentifier(database)}.${quoteIdentifier(`${spec.table}_local`)}`,
      );
      expect(local?.statement).toMatch(
        /INDEX embedding_hnsw embedding TYPE vector_similarity\('hnsw', 'cosineDistance', 8/,
      );
      let seed = 42;
      const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
      const records = Array.from({ length: 400 }, (_, i) => ({
        id: `v${i}`,
        text: `item ${i}`,
        embedding: Array.from({ length: 8 }, rand),
        metadata: { category: i % 2 ? 'odd' : 'even' },
      }));
      expect(await store.insert(records)).toBe(400);
      await store.optimize();
      const q = records[17]!.embedding;
      const hits = await store.search(q, 10);
      const exact = await store.exactSearch(q, 10);
      expect(hits.hits[0]?.id).toBe('v17');
      expect(hits.hits.map((h) => h.id)).toEqual(exact.hits.map((h) => h.id));
      expect((await store.explain(q, 10)).usesVectorIndex).toBe(true);
      expect(await store.delete(['v17', 'v18'])).toBe(2);
      expect(await store.count()).toBe(398);
      expect((await store.search(q, 10)).hits.map((h) => h.id)).not.toContain('v17');
    } finally {
      await store.drop();
    }
    expect(await engineOf(`${spec.table}_local`)).toBeUndefined();
  });

  it('bootstrap --replace swaps the shards’ tables: the Distributed names read the new dataset and carry its plan', async () => {
    const spec = { seed: 'cluster-2', events: 3_000, chunkRows: 1_500 };
    const report = await bootstrapRetail(cluster, { database, s3, spec, replace: true, progress: false });
    expect(report.swapped).toHaveLength(RETAIL_TABLES.length * STORAGE_MODES.length);
    for (const t of report.tables) expect(t.rows, t.name).toBe(t.expectedRows);
    const events = await queryOne<{ n: string }>(
      single,
      `SELECT count() AS n FROM ${quoteIdentifier(database)}.events`,
    );
    expect(Number(events?.n)).toBe(report.generated.events);
    const names = RETAIL_TABLES.map((t) => t.name);
    expect(await recordedPlanId(single, database, names)).toBe(report.plan.id);
    expect(await engineOf('events')).toMatch(/^Distributed/);
    expect(await engineOf('events__next_local')).toBeUndefined();
    expect(await engineOf('events__next')).toBeUndefined();
  });

  it('sent every DDL statement of cluster mode with ON CLUSTER, and every MergeTree as ReplicatedMergeTree', () => {
    // Bootstrap's scratch Memory tables (SCRATCH_PREFIX) are node-local on purpose: the node that
    // holds a batch's codes runs the INSERT ... SELECT into the Distributed table.
    const ddl = rewrites.statements.filter((s) => /^(CREATE|DROP) TABLE/.test(s) && !s.includes(SCRATCH_PREFIX));
    expect(ddl.length).toBeGreaterThan(20);
    for (const s of ddl) expect(s, s.slice(0, 120)).toContain(ON_CLUSTER);
    for (const s of ddl.filter((x) => /^CREATE/.test(x) && /ENGINE = .*MergeTree/.test(x)))
      expect(s).toMatch(REPLICATED);
    expect(rewrites.replicated).toBeGreaterThan(10);
  });
});
