/**
 * INSERT data streamed into the embedded engine (the local endpoint's path: `data: { stream }`),
 * for statements whose text names `settings` as a column or table, or carries a SETTINGS clause.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { EmbeddedEngine, engineOptionsFor } from '../../lib/engine';

async function* body(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

describe('the embedded engine reading a streamed INSERT body', () => {
  let engine: EmbeddedEngine;

  const text = async (sql: string): Promise<string> => {
    const result = await engine.execute({ sql });
    const chunks: Buffer[] = [];
    for await (const c of result.chunks) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks).toString('utf8');
  };
  const insert = async (sql: string, ...parts: string[]): Promise<void> => {
    const result = await engine.execute({ sql, data: { stream: body(...parts) } });
    for await (const _ of result.chunks) void _;
    await result.done;
  };

  beforeAll(() => {
    const dataPath = mkdtempSync(join(tmpdir(), 'kit-insert-input-'));
    const config = loadConfig({ env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath } });
    engine = EmbeddedEngine.acquire({ ...engineOptionsFor(config, 'default'), s3Endpoint: undefined });
  });
  afterAll(async () => {
    await engine?.release();
  });

  it('inserts into a column named settings (FORMAT CSV)', async () => {
    await text('CREATE TABLE t (id UInt32, settings String) ENGINE = MergeTree ORDER BY id');
    await insert('INSERT INTO t (id, settings) FORMAT CSV', '1,a\n', '2,b\n');
    expect(await text('SELECT id, settings FROM t ORDER BY id FORMAT CSV')).toBe('1,"a"\n2,"b"\n');
  });

  it('inserts into a table named settings, and keeps a real SETTINGS clause', async () => {
    await text('CREATE TABLE settings (id UInt32, note String) ENGINE = MergeTree ORDER BY id');
    await insert('INSERT INTO default.settings (id, note) SETTINGS async_insert = 0 FORMAT TSV', '7\tx\n');
    await insert('INSERT INTO settings VALUES', "(8, 'y')");
    expect(await text('SELECT id, note FROM settings ORDER BY id FORMAT CSV')).toBe('7,"x"\n8,"y"\n');
  });
});
