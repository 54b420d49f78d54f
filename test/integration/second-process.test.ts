import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, WarehouseLockedError } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';

describe('one process per data folder', () => {
  const dataPath = mkdtempSync(join(tmpdir(), 'kit-locked-'));
  let holder: ChildProcess;

  beforeAll(async () => {
    holder = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hold-warehouse.ts'], {
      env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      holder.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
    });
  });
  afterAll(() => {
    holder.kill('SIGTERM');
  });

  it('gives a clear error naming the folder and what to do', () => {
    const config = loadConfig({ env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath } });
    let error: unknown;
    try {
      connect({ config, mode: 'embedded' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WarehouseLockedError);
    const err = error as WarehouseLockedError;
    expect(err.message).toContain(dataPath);
    expect(err.message).toContain(`process ${holder.pid}`);
    expect(err.message).toMatch(/npm start|CLICKHOUSE_URL/);
    expect(err.ownerPid).toBe(holder.pid);
  });
});
