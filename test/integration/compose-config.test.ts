import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, type _Object } from '@aws-sdk/client-s3';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, connect, defaultEngineConfig, queryOne, queryRows } from '../../lib/clickhouse';
import { findProjectRoot, loadConfig } from '../../lib/config';
import type { KitConfig } from '../../lib/config';
import { engineEnvironment, S3_DISK_PREFIX } from '../../lib/engine';
import { createTableStatements, EVENTS, tableTarget } from '../../lib/tabular';
import { createS3Client, deleteByPrefix } from '../../lib/s3';
import type { KitS3 } from '../../lib/s3';
import { startS3Server } from '../../scripts/stack/s3-server';

// The embedded engine started on compose/config/config.xml (the file the Docker server shares its
// config.d/ with) against the real local S3 server: the XML is valid ClickHouse configuration and
// does what it says.

const root = findProjectRoot();
const sharedDir = join(root, 'compose', 'config');
const run = randomUUID().slice(0, 8);
const lakePrefix = `test/compose-config/${run}/`;

let config: KitConfig;
let client: ClickHouseClient;
let s3: KitS3;

beforeAll(async () => {
  await startS3Server(loadConfig());
  // A fresh engine of its own, on the default config file (CLICKHOUSE_CONFIG_FILE unset).
  config = loadConfig({
    env: {
      ...process.env,
      CLICKHOUSE_URL: '',
      CLICKHOUSE_CONFIG_FILE: '',
      CLICKHOUSE_DATA_PATH: mkdtempSync(join(tmpdir(), 'kit-compose-config-')),
    },
  });
  client = connect({ config, mode: 'embedded' });
  s3 = createS3Client(config);
});

afterAll(async () => {
  await deleteByPrefix(s3, lakePrefix).catch(() => undefined);
  s3.client.destroy();
  await client?.close();
  rmSync(config.clickhouse.dataPath, { recursive: true, force: true });
});

async function listAll(prefix: string): Promise<_Object[]> {
  const out: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await s3.client.send(
      new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    out.push(...(page.Contents ?? []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

describe('compose/config on the embedded engine', () => {
  it('is the config the embedded engine loads by default', () => {
    expect(defaultEngineConfig(config)).toBe(join(sharedDir, 'config.xml'));
  });

  it('defines the S3 disk, its local cache and the storage policies', async () => {
    const disks = await queryRows<{
      name: string;
      type: string;
      object_storage_type: string;
      is_remote: number;
      cache_path: string;
    }>(client, 'SELECT name, type, object_storage_type, is_remote, cache_path FROM system.disks ORDER BY name');
    expect(disks.map((d) => [d.name, d.type, d.object_storage_type, Number(d.is_remote)])).toEqual([
      ['default', 'Local', 'None', 0],
      ['s3', 'ObjectStorage', 'S3', 1],
      ['s3_cache', 'ObjectStorage', 'S3', 1],
    ]);
    // The cache lives inside the engine's data folder (the server's: /var/lib/clickhouse, a bind mount).
    expect(disks.find((d) => d.name === 's3_cache')?.cache_path).toBe(
      join(config.clickhouse.dataPath, 'cache', 's3_cache') + '/',
    );

    const policies = await queryRows<{ policy_name: string; volume_name: string; disks: string[] }>(
      client,
      "SELECT policy_name, volume_name, disks FROM system.storage_policies WHERE policy_name IN ('s3_cached', 'local', 'default') ORDER BY policy_name",
    );
    expect(policies).toEqual([
      { policy_name: 'default', volume_name: 'default', disks: ['default'] },
      { policy_name: 'local', volume_name: 'main', disks: ['default'] },
      { policy_name: 's3_cached', volume_name: 'main', disks: ['s3_cache'] },
    ]);
  });

  it('writes the parts of an s3_cached table to the S3 server, under the disk prefix of the kit bucket', async () => {
    const table = `compose_s3_${run}`;
    const before = new Set((await listAll(S3_DISK_PREFIX)).map((o) => o.Key));
    await command(
      client,
      `CREATE TABLE ${table} (id UInt64, label String) ENGINE = MergeTree ORDER BY id SETTINGS storage_policy = 's3_cached'`,
    );
    try {
      await command(client, `INSERT INTO ${table} SELECT number, concat('row-', toString(number)) FROM numbers(50000)`);
      const parts = await queryRows<{ disk_name: string }>(
        client,
        'SELECT DISTINCT disk_name FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active',
        { t: table },
      );
      expect(parts).toEqual([{ disk_name: 's3_cache' }]);

      // The files of the table's part, as the engine knows them, and the objects the S3 server holds.
      const uuid = (await queryOne<{ uuid: string }>(
        client,
        'SELECT toString(uuid) AS uuid FROM system.tables WHERE database = currentDatabase() AND name = {t:String}',
        { t: table },
      ))!.uuid;
      const files = await queryRows<{ local_path: string; remote_path: string; size: string }>(
        client,
        "SELECT local_path, remote_path, toString(size) AS size FROM system.remote_data_paths WHERE disk_name = 's3' AND position(local_path, {u:String}) > 0",
        { u: uuid },
      );
      expect(files.map((f) => f.local_path.split('/').pop())).toEqual(
        expect.arrayContaining(['data.bin', 'columns.txt', 'count.txt']),
      );
      const objects = new Map((await listAll(S3_DISK_PREFIX)).map((o) => [o.Key, o.Size]));
      for (const f of files) {
        expect(f.remote_path.startsWith(S3_DISK_PREFIX), f.remote_path).toBe(true);
        expect(before.has(f.remote_path), `${f.remote_path} is new`).toBe(false);
        expect(objects.get(f.remote_path), `${f.local_path} -> ${f.remote_path}`).toBe(Number(f.size));
      }
      const dataBin = files.find((f) => f.local_path.endsWith('/data.bin'));
      expect(Number(dataBin?.size)).toBeGreaterThan(10_000);

      // Read back through the cache.
      const sum = await queryOne<{ n: string; s: string }>(
        client,
        `SELECT toString(count()) AS n, toString(sum(id)) AS s FROM ${table}`,
      );
      expect(sum).toEqual({ n: '50000', s: String((49999 * 50000) / 2) });
    } finally {
      await command(client, `DROP TABLE IF EXISTS ${table} SYNC`);
    }
  });

  it('keeps tables on the default and local policies on the local disk (vector tables included)', async () => {
    const table = `compose_vec_${run}`;
    await command(
      client,
      `CREATE TABLE ${table} (id UInt32, embedding Array(Float32) CODEC(NONE), INDEX emb embedding TYPE vector_similarity('hnsw', 'cosineDistance', 3)) ENGINE = MergeTree ORDER BY id SETTINGS storage_policy = 'local'`,
    );
    try {
      await command(client, `INSERT INTO ${table} VALUES (1, [1, 0, 0]), (2, [0, 1, 0])`);
      const parts = await queryRows<{ disk_name: string }>(
        client,
        'SELECT DISTINCT disk_name FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active',
        { t: table },
      );
      expect(parts).toEqual([{ disk_name: 'default' }]);
    } finally {
      await command(client, `DROP TABLE IF EXISTS ${table} SYNC`);
    }
  });

  it('defines the `lake` named collection: it reads and writes the bucket, and never shows its secret', async () => {
    const secret = config.s3.secretAccessKey.reveal();
    const row = await queryOne<{ collection: Record<string, string> }>(
      client,
      "SELECT collection FROM system.named_collections WHERE name = 'lake'",
    );
    expect(row?.collection).toEqual({ url: '[HIDDEN]', access_key_id: '[HIDDEN]', secret_access_key: '[HIDDEN]' });

    // Written through the collection, seen by the S3 SDK, read back through the collection.
    const key = `${lakePrefix}numbers.csv`;
    await command(
      client,
      `INSERT INTO FUNCTION s3(lake, filename = {key:String}, format = 'CSVWithNames') SELECT number AS n FROM numbers(10)`,
      { key },
    );
    const listed = await listAll(lakePrefix);
    expect(listed.map((o) => o.Key)).toEqual([key]);
    const back = await queryOne<{ c: string; s: string }>(
      client,
      "SELECT toString(count()) AS c, toString(sum(n)) AS s FROM s3(lake, filename = {key:String}, format = 'CSVWithNames')",
      { key },
    );
    expect(back).toEqual({ c: '10', s: '45' });

    // Neither SHOW nor an error about the collection prints the secret.
    const shown = await queryRows<Record<string, unknown>>(client, 'SELECT * FROM system.named_collections');
    expect(shown.length).toBeGreaterThan(0);
    expect(JSON.stringify(shown)).not.toContain(secret);
    const failure = await queryRows(
      client,
      "SELECT * FROM s3(lake, filename = {key:String}, format = 'CSVWithNames')",
      { key: `${lakePrefix}missing.csv` },
    ).then(
      () => undefined,
      (e: unknown) => String(e instanceof Error ? e.message : e),
    );
    expect(failure).toBeDefined();
    expect(failure).not.toContain(secret);
    expect(failure).not.toContain(config.s3.accessKeyId);
  });

  it('needs none of the experimental flags of older releases on this version', async () => {
    const settings = await queryRows<{ name: string; value: string; is_obsolete: number }>(
      client,
      "SELECT name, value, is_obsolete FROM system.settings WHERE name IN ('allow_experimental_analyzer', 'allow_experimental_object_type', 'allow_experimental_vector_similarity_index', 'enable_analyzer') ORDER BY name",
    );
    // Obsolete ones do nothing (the features are generally available); the analyzer is on by default.
    expect(settings.map((s) => [s.name, s.value, Number(s.is_obsolete)])).toEqual([
      ['allow_experimental_analyzer', '1', 0],
      ['allow_experimental_object_type', '0', 1],
      ['allow_experimental_vector_similarity_index', '1', 1],
      ['enable_analyzer', '1', 0],
    ]);
  });
});

/** A server's config folder in a temporary directory: each target folder a copy of a folder of compose/config. */
function serverLayout(prefix: string, folders: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [target, source] of Object.entries(folders)) {
    mkdirSync(join(dir, target));
    for (const f of readdirSync(join(sharedDir, source)))
      copyFileSync(join(sharedDir, source, f), join(dir, target, f));
  }
  return dir;
}

describe('server-only files of compose/config', () => {
  it('parse as ClickHouse configuration: users.d defines `kit` with its password from the environment, loopback and the compose subnet', () => {
    // The server's layout in a temporary folder: config.xml -> users.xml (+ users.d/), conf.d/ = server.d/.
    // clickhouse-local always runs as `default`, so a last users.d file gives it back after users.xml removes it.
    const dir = serverLayout('kit-compose-users-', { 'users.d': 'users.d', 'conf.d': 'server.d' });
    writeFileSync(
      join(dir, 'users.d', 'zz-local-default.xml'),
      '<clickhouse><users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota><access_management>1</access_management></default></users></clickhouse>',
    );
    writeFileSync(
      join(dir, 'users.xml'),
      '<clickhouse><profiles><default/></profiles><quotas><default/></quotas><users/></clickhouse>',
    );
    writeFileSync(
      join(dir, 'config.xml'),
      `<clickhouse><users_config>${join(dir, 'users.xml')}</users_config></clickhouse>`,
    );

    // One engine per process: this one runs in a child.
    const probe = `
      const { Session } = require('chdb');
      const s = new Session(process.env.PROBE_DATA, { connectionArgs: ['--config-file=' + process.env.PROBE_CONFIG] });
      process.stdout.write(s.query("SELECT name, host_ip, host_names, auth_type FROM system.users WHERE name = 'kit'", 'JSONEachRow'));
      process.stdout.write(s.query("SELECT setting_name, value FROM system.settings_profile_elements WHERE profile_name = 'default' AND setting_name LIKE '%iceberg%' ORDER BY setting_name", 'JSONEachRow'));
    `;
    let out: string;
    try {
      out = execFileSync(process.execPath, ['-e', probe], {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          PROBE_DATA: join(dir, 'data'),
          PROBE_CONFIG: join(dir, 'config.xml'),
          KIT_CLICKHOUSE_PASSWORD: 'probe-password-123',
          KIT_COMPOSE_SUBNET: '172.30.240.0/24',
        },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const [user, ...iceberg] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(user).toEqual({
      name: 'kit',
      host_ip: ['172.30.240.0/24'],
      host_names: ['localhost'],
      auth_type: ['plaintext_password'],
    });
    // users.d/iceberg.xml: hand-written Iceberg writes work in clickhouse-client too.
    expect(iceberg).toEqual([
      { setting_name: 'allow_insert_into_iceberg', value: '1' },
      { setting_name: 'write_full_path_in_iceberg_metadata', value: '1' },
    ]);
  });
});

/**
 * Runs queries on an engine of its own in a child process and kills it once they answered: a
 * ReplicatedMergeTree table keeps chDB from exiting (its replication threads never stop).
 */
function probeEngine(
  configFile: string,
  dataPath: string,
  env: Record<string, string>,
  queries: string[],
): Promise<string[]> {
  const script = `
    const { Session } = require('chdb');
    const s = new Session(process.env.PROBE_DATA, { connectionArgs: ['--config-file=' + process.env.PROBE_CONFIG] });
    const out = JSON.parse(process.env.PROBE_QUERIES).map((q) => { try { return s.query(q, 'JSONEachRow'); } catch (e) { return 'ERROR ' + e.message; } });
    process.stdout.write(JSON.stringify(out) + '\\n');
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: root,
      env: {
        ...process.env,
        ...env,
        PROBE_DATA: dataPath,
        PROBE_CONFIG: configFile,
        PROBE_QUERIES: JSON.stringify(queries),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (b: Buffer) => void (err += b.toString()));
    child.on('close', () => {
      clearTimeout(timer);
      if (!out.includes('\n')) reject(new Error(`the engine probe gave no answer: ${err.slice(0, 500)}`));
      else resolve(JSON.parse(out.trim()) as string[]);
    });
  });
}

describe('compose/config/cluster (profile cluster) on the embedded engine', () => {
  it("loads: cluster `kit` of 2 shards x 2 replicas, the node's macros from its environment; kit DDL makes its replicated table at /clickhouse/tables/{shard}/...", async () => {
    // A cluster node's layout: config.xml + config.d/ (shared) + conf.d/ (compose/config/cluster). Keeper is
    // replaced by ClickHouse's in-memory test keeper (a last conf.d file): enough to create a replicated
    // table and read its path and replica name (it stays read-only: chDB runs no replication threads).
    const dir = serverLayout('kit-compose-cluster-', { 'config.d': 'config.d', 'conf.d': 'cluster' });
    writeFileSync(
      join(dir, 'conf.d', 'zz-test-keeper.xml'),
      '<clickhouse><zookeeper replace="replace"><implementation>testkeeper</implementation></zookeeper></clickhouse>',
    );
    writeFileSync(join(dir, 'config.xml'), '<clickhouse></clickhouse>');
    const table = createTableStatements(tableTarget('kit_probe', EVENTS, 'local'), { cluster: 'kit' })[0]!.replace(
      ' ON CLUSTER `kit`',
      '',
    );
    const env = {
      ...engineEnvironment(config),
      KIT_SHARD: '02',
      KIT_REPLICA: 's2r1',
      KIT_CLUSTER_SECRET: 'probe-secret-123',
    };
    let answers: string[];
    try {
      answers = await probeEngine(join(dir, 'config.xml'), join(dir, 'data'), env, [
        "SELECT shard_num, replica_num, host_name, port, is_local FROM system.clusters WHERE cluster = 'kit' ORDER BY shard_num, replica_num",
        'SELECT macro, substitution FROM system.macros ORDER BY macro',
        'CREATE DATABASE kit_probe',
        table,
        "SELECT zookeeper_path, replica_name FROM system.replicas WHERE database = 'kit_probe'",
        "SELECT name FROM system.disks WHERE name IN ('s3', 's3_cache') ORDER BY name",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const rows = (text: string): unknown[] =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown);
    expect(rows(answers[0]!)).toEqual([
      { shard_num: 1, replica_num: 1, host_name: 'ch-s1r1', port: 9000, is_local: 0 },
      { shard_num: 1, replica_num: 2, host_name: 'ch-s1r2', port: 9000, is_local: 0 },
      { shard_num: 2, replica_num: 1, host_name: 'ch-s2r1', port: 9000, is_local: 0 },
      { shard_num: 2, replica_num: 2, host_name: 'ch-s2r2', port: 9000, is_local: 0 },
    ]);
    expect(rows(answers[1]!)).toEqual([
      { macro: 'cluster', substitution: 'kit' },
      { macro: 'replica', substitution: 's2r1' },
      { macro: 'shard', substitution: '02' },
    ]);
    expect(answers[3]).toBe('');
    expect(rows(answers[4]!)).toEqual([
      { zookeeper_path: '/clickhouse/tables/02/kit_probe/events_local', replica_name: 's2r1' },
    ]);
    expect(rows(answers[5]!)).toEqual([{ name: 's3' }, { name: 's3_cache' }]);
  });

  it('keeper/keeper.xml parses as ClickHouse configuration with its node id from the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-compose-keeper-'));
    let answers: string[];
    try {
      answers = await probeEngine(join(sharedDir, 'keeper', 'keeper.xml'), join(dir, 'data'), { KIT_KEEPER_ID: '2' }, [
        'SELECT 1 AS ok',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(answers).toEqual(['{"ok":1}\n']);
  });
});
