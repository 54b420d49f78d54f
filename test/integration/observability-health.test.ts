import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../lib/config';

const root = findProjectRoot();
const tsx = join(root, 'node_modules', '.bin', 'tsx');

/** `npm run health`'s script, run directly (npm itself may print warnings of its own). */
function health(
  env: Record<string, string>,
  args: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(tsx, ['scripts/health.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A local port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('npm run health', () => {
  it('exits non-zero with one clear line when ClickHouse is unreachable', async () => {
    const port = await closedPort();
    const r = health({ CLICKHOUSE_URL: `http://127.0.0.1:${port}` });
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^health: ClickHouse unreachable: .*127\.0\.0\.1:\d+.*ECONNREFUSED/);
    expect(r.stdout.trim()).toBe('');
  });

  it('exits 0 with a summary on a healthy embedded warehouse, 1 on a bad option', () => {
    const dataPath = mkdtempSync(join(tmpdir(), 'kit-health-'));
    const r = health({ CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const check of ['reachable', 'uptime', 'failed queries', 'parts per partition', 'mutations', 'disk space'])
      expect(r.stdout).toContain(check);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('healthy');

    const json = health({ CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath }, ['--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ healthy: true });

    const bad = health({ CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath }, ['--bogus']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/unknown option --bogus/);
  });

  it('names the S3 server, not ClickHouse, when the warehouse has S3 tables and the S3 server is down', async () => {
    const dataPath = mkdtempSync(join(tmpdir(), 'kit-health-s3-'));
    // A real warehouse with a table read from S3 (the engine checks S3 only for such warehouses).
    const script = join(dataPath, '..', `${dataPath.split('/').pop()}-create.mts`); // .mts: top-level await outside the project
    writeFileSync(
      script,
      [
        `import { connect } from ${JSON.stringify(join(root, 'lib', 'clickhouse'))};`,
        `import { loadConfig } from ${JSON.stringify(join(root, 'lib', 'config'))};`,
        'const client = connect({ config: loadConfig() });',
        "await client.command({ query: \"CREATE TABLE default.events_on_s3 (x UInt8) ENGINE = S3('http://127.0.0.1:1/warehouse/health/x.csv', 'CSV')\" });",
        'await client.close();',
      ].join('\n'),
    );
    const created = spawnSync(tsx, [script], {
      cwd: root,
      env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);

    // The S3 server is down: nothing listens where S3_ENDPOINT points.
    const port = await closedPort();
    const r = health({ CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath, S3_ENDPOINT: `http://127.0.0.1:${port}` });
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^health: S3 server unreachable: .*events_on_s3.*127\\.0\\.0\\.1:${port}`));
    expect(lines[0]).not.toMatch(/ClickHouse unreachable/);
    expect(r.stdout.trim()).toBe('');
  });
});
