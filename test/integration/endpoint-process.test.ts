/**
 * The endpoint as a service: it refuses unsafe configurations, listens on loopback only, lets
 * separate processes share the warehouse through connect(), keeps every acknowledged insert
 * across a kill -9, and on SIGTERM flushes the query log and releases the data folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { EndpointConfigError, endpointPaths, startEndpoint } from '../../lib/endpoint';
import { readDataFolderOwner } from '../../lib/engine';
import { endpointStatus, startEndpointProcess, stopEndpointProcess } from '../../scripts/stack/endpoint';
import { q, raw, startTestEndpoint, type TestEndpoint } from './endpoint-fixture';
import { listeningAddresses } from '../helpers/listening';

const run = promisify(execFile);
let ep: TestEndpoint;

beforeAll(async () => {
  ep = await startTestEndpoint('process');
});

afterAll(async () => {
  await ep?.dispose();
});

async function sql(text: string): Promise<string> {
  const r = await raw(ep, '/', { body: text });
  expect(r.status, r.text).toBe(200);
  return r.text;
}

describe('the endpoint service', () => {
  it('refuses to start with an empty password or on a non-loopback address unless told to', async () => {
    const base = {
      ...process.env,
      CLICKHOUSE_URL: '',
      KIT_STORAGE_DIR: ep.config.storageDir,
      CLICKHOUSE_DATA_PATH: join(ep.config.storageDir, 'never-used'),
    };
    const empty = loadConfig({ env: { ...base, CLICKHOUSE_PASSWORD: '' } });
    await expect(startEndpoint(empty, { port: 0, allowEmptyPassword: false })).rejects.toThrow(EndpointConfigError);
    await expect(startEndpoint(empty, { port: 0, allowEmptyPassword: false })).rejects.toThrow(
      /CLICKHOUSE_PASSWORD is empty.*CLICKHOUSE_ALLOW_EMPTY_PASSWORD=1/,
    );
    const remote = loadConfig({ env: { ...base, CLICKHOUSE_HTTP_HOST: '0.0.0.0' } });
    await expect(startEndpoint(remote, { port: 0, allowRemote: false })).rejects.toThrow(
      /CLICKHOUSE_HTTP_ALLOW_REMOTE=1/,
    );
    expect(existsSync(join(ep.config.storageDir, 'never-used'))).toBe(false);
  });

  it('listens on loopback only', async () => {
    expect(ep.pid).toBeTypeOf('number');
    const addresses = listeningAddresses(ep.pid!);
    expect(addresses).toContain(`127.0.0.1:${ep.config.clickhouse.httpPort}`);
    for (const a of addresses) expect(a.startsWith('127.') || a.startsWith('::1')).toBe(true);
    // `ss`, when the machine has it, tells the same.
    const ss = await run('ss', ['-ltnpH']).catch(() => undefined);
    if (ss) {
      const mine = ss.stdout.split('\n').filter((l) => l.includes(`pid=${ep.pid},`));
      expect(mine.length).toBeGreaterThan(0);
      for (const line of mine) expect(line.split(/\s+/)[3]).toMatch(/^(127\.\d+\.\d+\.\d+|\[::1\]):\d+$/);
    }
  });

  it('advertises its URL in the data folder owner file and reports its status', async () => {
    const owner = readDataFolderOwner(ep.config.clickhouse.dataPath);
    expect(owner?.pid).toBe(ep.pid);
    expect(owner?.url).toBe(ep.url);
    const status = await endpointStatus(ep.config);
    expect(status).toMatchObject({ running: true, healthy: true, pid: ep.pid, url: ep.url });
    const again = await startEndpointProcess(ep.config);
    expect(again).toMatchObject({ reused: true, pid: ep.pid, url: ep.url });
  });

  it('lets two separate processes read and write the same tables through connect()', async () => {
    const peer = async (
      ...args: string[]
    ): Promise<{ mode: string; url: string; counts: Array<{ who: string; c: string }> }> => {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/fixtures/endpoint-peer.ts', ...args], {
        env: { ...process.env, ...ep.env },
        timeout: 60_000,
      });
      return JSON.parse(stdout.trim().split('\n').pop()!) as {
        mode: string;
        url: string;
        counts: Array<{ who: string; c: string }>;
      };
    };
    const [a, b] = await Promise.all([peer('write', 'alpha', '2000'), peer('write', 'beta', '1500')]);
    for (const r of [a, b]) expect(r).toMatchObject({ mode: 'local-endpoint', url: ep.url });
    const [ra, rb] = await Promise.all([peer('read'), peer('read')]);
    for (const r of [ra, rb])
      expect(r.counts).toEqual([
        { who: 'alpha', c: '2000' },
        { who: 'beta', c: '1500' },
      ]);
  });

  it('logs one line per query without secrets', async () => {
    await raw(
      ep,
      q("SELECT 'a-literal-that-stays-out' AS x, {p:String}", { param_p: 'v', query_id: 'logged-query-1' }),
    );
    await raw(ep, q('SELECT 1'), { auth: false });
    const file = endpointPaths(ep.config).logFile;
    let text = '';
    for (let i = 0; i < 50 && !text.includes('logged-query-1'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = readFileSync(file, 'utf8');
    }
    const line = text.split('\n').find((l) => l.includes('query_id=logged-query-1'));
    expect(line).toMatch(/user="ep_process" method=GET kind=Select status=200 code=0/);
    expect(line).not.toContain('a-literal-that-stays-out');
    expect(text).toMatch(/status=403 code=516/);
    expect(text).not.toContain(ep.password);
  });

  it('keeps every acknowledged insert across kill -9, and restarts', async () => {
    await sql('CREATE TABLE warehouse.durable (batch UInt32, n UInt32) ENGINE = MergeTree ORDER BY (batch, n)');
    let acknowledged = 0;
    for (let batch = 0; batch < 20; batch++) {
      const rows = Array.from({ length: 1000 }, (_, n) => `${batch}\t${n}`).join('\n');
      const r = await raw(ep, q('INSERT INTO warehouse.durable FORMAT TSV'), { body: rows });
      if (r.status === 200) acknowledged += 1000;
    }
    expect(acknowledged).toBe(20_000);
    process.kill(ep.pid!, 'SIGKILL');
    for (let i = 0; i < 100 && (await endpointStatus(ep.config)).running; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await endpointStatus(ep.config)).running).toBe(false);

    const restarted = await startEndpointProcess(ep.config);
    expect(restarted.reused).toBe(false);
    expect(restarted.pid).not.toBe(ep.pid);
    ep.pid = restarted.pid;
    expect((await sql('SELECT count(), uniqExact(batch) FROM warehouse.durable')).trim()).toBe('20000\t20');
  });

  it('stops gracefully on SIGTERM: the query log is flushed and the data folder released', async () => {
    const marker = `flushed_${Date.now()}`;
    expect((await sql(`SELECT '${marker}'`)).trim()).toBe(marker);
    const stopped = await stopEndpointProcess(ep.config);
    expect(stopped.stopped).toBe(true);
    expect(readDataFolderOwner(ep.config.clickhouse.dataPath)).toBeUndefined();
    expect(existsSync(endpointPaths(ep.config).pidFile)).toBe(false);

    const restarted = await startEndpointProcess(ep.config);
    ep.pid = restarted.pid;
    const logged = await sql(
      `SELECT interface, user, type FROM _kit.query_log WHERE query LIKE '%${marker}%' AND query NOT LIKE '%_kit.query_log%' FORMAT TSV`,
    );
    expect(logged.trim()).toBe('http\tep_process\tQueryFinish');
  });
});
