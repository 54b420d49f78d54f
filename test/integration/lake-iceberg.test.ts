import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectionInfo } from '../../lib/clickhouse';
import {
  appendToIceberg,
  createIcebergTable,
  icebergChecksum,
  IcebergExternalReadError,
  IcebergMetadataError,
  icebergSnapshots,
  queryIceberg,
  readIcebergExternally,
} from '../../lib/lake';
import { chainIsLinear, icebergSuite } from '../helpers/iceberg-suite';
import { createS3Client, deleteByPrefix, deleteObject, getObjectText, listAllObjects, putObject } from '../../lib/s3';
import type { KitS3 } from '../../lib/s3';
import { startTestEndpoint } from './endpoint-fixture';
import type { TestEndpoint } from './endpoint-fixture';

// Iceberg tables on the real S3 server, written by the embedded engine behind the local endpoint
// (a process of its own, as notebooks reach it), read back by ClickHouse and by pyarrow + fastavro:
// the shared flows (test/helpers/iceberg-suite.ts), then the faults, which need engines of their own.
let ep: TestEndpoint;
let client: ClickHouseClient;
let s3: KitS3;
const prefix = `test/iceberg/${randomUUID().slice(0, 8)}/`;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  ep = await startTestEndpoint('iceberg');
  client = connect({ config: ep.config });
  if (connectionInfo(client)?.mode !== 'local-endpoint')
    throw new Error(`expected the local endpoint, got ${connectionInfo(client)?.mode}`);
  s3 = createS3Client(ep.config);
});

icebergSuite('local endpoint', async () => ({ client, config: ep.config }));

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await deleteByPrefix(s3, prefix);
  s3.client.destroy();
  await client.close();
  await ep.dispose();
});

/** A writer process with its own embedded engine (test/fixtures/iceberg-writer.ts). */
async function startWriter(
  path: string,
  rows: number,
  tag: number,
): Promise<{ child: ChildProcessWithoutNullStreams; result: Promise<Record<string, unknown>>; go: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/iceberg-writer.ts', path, String(rows), String(tag)],
    {
      cwd: ep.config.root,
      env: { ...process.env, ...ep.env, CLICKHOUSE_URL: '' },
    },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const queue: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  lines.on('line', (l) => (waiters.length > 0 ? waiters.shift()!(l) : queue.push(l)));
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      if (queue.length > 0) return resolve(queue.shift()!);
      waiters.push(resolve);
      child.once('exit', (code) =>
        reject(new Error(`writer ${tag} exited (${code}) before answering: ${stderr.slice(-500)}`)),
      );
    });
  const ready = await next();
  if (ready !== 'ready') throw new Error(`writer ${tag} said ${ready}`);
  const result = next().then((l) => JSON.parse(l) as Record<string, unknown>);
  result.catch(() => undefined); // a writer killed on purpose never answers
  return { child, go: () => child.stdin.write('go\n'), result };
}

const SHARED_COLUMNS = { id: 'Int64', d: 'Date32', writer: 'Int64', pad: 'String' };

describe('faults', () => {
  it('two writers (two engines) appending at once: both commits land, one after the other, none lost', async () => {
    const path = `${prefix}shared/`;
    await createIcebergTable(client, {
      table: 'shared',
      path,
      columns: SHARED_COLUMNS,
      partitionBy: [{ column: 'd', transform: 'month' }],
    });
    await appendToIceberg(client, {
      table: 'shared',
      select: "SELECT number, toDate('2024-01-01'), 0, 'seed' FROM numbers(10)",
    });
    const a = await startWriter(path, 100_000, 1);
    const b = await startWriter(path, 100_000, 2);
    a.go();
    b.go();
    const [ra, rb] = await Promise.all([a.result, b.result]);
    // Both commits land, one on top of the other: ClickHouse builds each commit on the newest
    // metadata version it finds and re-applies one that lost the race on the winner's snapshot.
    expect(ra, JSON.stringify(ra)).toMatchObject({ ok: true });
    expect(rb, JSON.stringify(rb)).toMatchObject({ ok: true });
    const snaps = await icebergSnapshots(client, 'shared');
    expect(snaps.map((s) => s.totalRows)).toEqual([10, 100_010, 200_010]);
    chainIsLinear(snaps);
    // Both started before either committed: the second commit had to be made on top of the first.
    expect(Math.max(ra.startedAt as number, rb.startedAt as number)).toBeLessThan(snaps[1]!.timestampMs);
    const byWriter = await queryIceberg<{ writer: string; n: string }>(client, {
      table: 'shared',
      sql: 'SELECT writer, count() AS n FROM shared GROUP BY writer ORDER BY writer',
    });
    expect(byWriter.map((r) => [Number(r.writer), Number(r.n)])).toEqual([
      [0, 10],
      [1, 100_000],
      [2, 100_000],
    ]);
    const ext = await readIcebergExternally(ep.config, path);
    expect(ext.problems).toEqual([]);
    expect(ext.metadataVersions).toEqual([1, 2, 3, 4]);
    expect(ext.snapshots.map((s) => s.snapshotId)).toEqual(snaps.map((s) => s.snapshotId));
    expect(ext.rows).toBe(200_010);
    expect(ext.checksum).toBe((await icebergChecksum(client, 'shared')).checksum);
  }, 180_000);

  it('an append builds on a metadata version another writer created, and never overwrites it', async () => {
    const path = `${prefix}race/`;
    await createIcebergTable(client, { table: 'race', path, columns: { id: 'Int64' } });
    await appendToIceberg(client, { table: 'race', select: 'SELECT number FROM numbers(10)' });
    // Another writer "commits" v3 (the same content as v2) just before ours.
    const v2 = await getObjectText(s3, `${path}metadata/v2.metadata.json`);
    await putObject(s3, `${path}metadata/v3.metadata.json`, v2);
    await appendToIceberg(client, { table: 'race', select: 'SELECT number + 10 FROM numbers(5)' });
    expect(await getObjectText(s3, `${path}metadata/v3.metadata.json`)).toBe(v2);
    const ext = await readIcebergExternally(ep.config, path);
    expect(ext.metadataFile).toBe(`${path}metadata/v4.metadata.json`);
    expect(ext.problems).toEqual([]);
    expect(ext.rows).toBe(15);
    chainIsLinear(await icebergSnapshots(client, 'race'));
  });

  it('an append killed mid-upload leaves the table at its last snapshot, readable and appendable', async () => {
    const path = `${prefix}killed/`;
    await createIcebergTable(client, { table: 'killed', path, columns: SHARED_COLUMNS });
    await appendToIceberg(client, {
      table: 'killed',
      select: "SELECT number, toDate('2024-01-01'), 0, 'seed' FROM numbers(1000)",
    });
    const before = await icebergChecksum(client, 'killed');
    const snapsBefore = await icebergSnapshots(client, 'killed');

    // 6M padded rows: several data files of up to 1M rows; kill once the first is on S3.
    const w = await startWriter(path, 6_000_000, 9);
    w.go();
    const deadline = Date.now() + 120_000;
    while ((await listAllObjects(s3, `${path}data/`)).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    w.child.kill('SIGKILL');
    await new Promise((r) => w.child.once('exit', r));
    expect(
      (await listAllObjects(s3, `${path}data/`)).length,
      'the writer uploaded a data file before it was killed',
    ).toBeGreaterThanOrEqual(2);

    expect(await icebergSnapshots(client, 'killed')).toEqual(snapsBefore);
    expect(await icebergChecksum(client, 'killed')).toEqual(before);
    const ext = await readIcebergExternally(ep.config, path);
    expect(ext.problems).toEqual([]);
    expect(ext.rows).toBe(1000);
    expect(ext.checksum).toBe(before.checksum);
    // The dead writer's files are on S3 but in no manifest: invisible to every reader.
    expect(ext.unreferencedObjects.length).toBeGreaterThanOrEqual(1);

    await appendToIceberg(client, {
      table: 'killed',
      select: "SELECT number, toDate('2024-02-01'), 1, 'after' FROM numbers(5)",
    });
    expect((await icebergChecksum(client, 'killed')).rows).toBe(1005);
  }, 180_000);

  describe('missing or unreadable metadata', () => {
    async function damaged(name: string): Promise<{ path: string; keys: string[] }> {
      const path = `${prefix}${name}/`;
      await createIcebergTable(client, { table: name, path, columns: { id: 'Int64', d: 'Date32' } });
      await appendToIceberg(client, { table: name, select: "SELECT number, toDate('2024-01-01') FROM numbers(10)" });
      await appendToIceberg(client, { table: name, select: "SELECT number, toDate('2024-01-02') FROM numbers(10)" });
      return { path, keys: (await listAllObjects(s3, path)).map((o) => o.key) };
    }

    it('a newest metadata file that is not JSON (a torn write): the error names the table and that file', async () => {
      const { path, keys } = await damaged('bad_json');
      const good = await getObjectText(
        s3,
        keys.find((k) => k.endsWith('/v3.metadata.json'))!,
      );
      const latest = `${path}metadata/v4.metadata.json`;
      await putObject(s3, latest, good.slice(0, 100));
      const err = await queryIceberg(client, { table: 'bad_json', sql: 'SELECT count() FROM bad_json' }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(IcebergMetadataError);
      expect(err).toMatchObject({ table: 'bad_json', object: latest });
      expect((err as Error).message).toContain(latest);
      await expect(readIcebergExternally(ep.config, path)).rejects.toThrow(IcebergExternalReadError);
      await expect(readIcebergExternally(ep.config, path)).rejects.toThrow(
        `s3://${ep.config.s3.bucket}/${latest} is not valid JSON`,
      );
      // Nothing lost: without the torn file the table reads in full again.
      await deleteObject(s3, latest);
      expect((await icebergChecksum(client, 'bad_json')).rows).toBe(20);
    });

    it('a missing manifest list: the error names the table and the object', async () => {
      const { keys } = await damaged('no_manifest_list');
      const lists = keys.filter((k) => /\/snap-\d+-/.test(k));
      const current = (await icebergSnapshots(client, 'no_manifest_list')).find((s) => s.current)!;
      const victim = lists.find((k) => k.includes(`/snap-${current.snapshotId}-`))!;
      await deleteObject(s3, victim);
      const err = await queryIceberg(client, {
        table: 'no_manifest_list',
        sql: 'SELECT count() FROM no_manifest_list',
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IcebergMetadataError);
      expect(err).toMatchObject({ table: 'no_manifest_list', object: victim });
    });

    it('a table whose metadata folder is gone: the error names the table and the folder', async () => {
      const { path, keys } = await damaged('no_metadata');
      for (const k of keys.filter((k) => k.includes('/metadata/'))) await deleteObject(s3, k);
      const err = await icebergChecksum(client, 'no_metadata').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IcebergMetadataError);
      expect(err).toMatchObject({ table: 'no_metadata', object: `${path}metadata/` });
      await expect(readIcebergExternally(ep.config, path)).rejects.toThrow(/no metadata\/vN\.metadata\.json under/);
    });
  });
});
