import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command, connect, WarehouseError } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';

describe('a warehouse whose tables need S3, opened while S3 is down', () => {
  it('refuses at once with a clear error instead of hanging', async () => {
    const dataPath = mkdtempSync(join(tmpdir(), 'kit-s3-down-'));
    const up = loadConfig({ env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath } });
    const client = connect({ config: up, mode: 'embedded' });
    await command(
      client,
      "CREATE TABLE lake_view (a Int32) ENGINE = S3(lake, filename = 'nowhere/*.parquet', format = 'Parquet')",
    );
    await client.close();

    const down = loadConfig({
      env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath, S3_ENDPOINT: 'http://127.0.0.1:9' },
    });
    const started = Date.now();
    let error: unknown;
    try {
      connect({ config: down, mode: 'embedded' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as WarehouseError).type).toBe('S3_UNREACHABLE');
    expect((error as Error).message).toContain('warehouse.lake_view');
    expect((error as Error).message).toContain('http://127.0.0.1:9');
    expect((error as Error).message).toMatch(/npm start|s3:start/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
