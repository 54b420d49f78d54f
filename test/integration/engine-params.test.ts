/**
 * Bound parameters on the embedded engine's pooled Sessions: `SET param_x` cannot be undone, so a
 * Session that holds parameters goes only to a query that binds every one of them again; others get
 * a fresh Session. Repeating one query shape (a vector search) must not open a Session per query.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { EmbeddedEngine, EngineError, engineOptionsFor, formatParamValue } from '../../lib/engine';

describe('bound parameters on the embedded engine', () => {
  const dataPath = mkdtempSync(join(tmpdir(), 'kit-engine-params-'));
  let engine: EmbeddedEngine;

  const run = async (sql: string, params?: Record<string, unknown>): Promise<string> => {
    const bound = params && Object.fromEntries(Object.entries(params).map(([k, v]) => [k, formatParamValue(v)]));
    const result = await engine.execute({ sql, params: bound });
    const chunks: Buffer[] = [];
    for await (const c of result.chunks) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks).toString('utf8').trim();
  };

  beforeAll(() => {
    const config = loadConfig({ env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath } });
    engine = EmbeddedEngine.acquire({ ...engineOptionsFor(config, 'default'), s3Endpoint: undefined });
  });
  afterAll(async () => {
    await engine?.release();
    rmSync(dataPath, { recursive: true, force: true });
  });

  it('reuses a Session for queries that rebind its parameters (no Session per query)', async () => {
    await run('SELECT {a:UInt8} + {b:UInt8}', { a: 1, b: 2 });
    const before = engine.sessionsOpened;
    for (let i = 0; i < 20; i++) {
      expect(await run('SELECT {a:UInt8} + {b:UInt8}', { a: i, b: 1 })).toBe(String(i + 1));
      // A query that never names them may run there too.
      expect(await run('SELECT 40 + 2')).toBe('42');
    }
    expect(engine.sessionsOpened - before).toBeLessThanOrEqual(1);
  });

  it('never lets a parameter reach a later query that does not bind it', async () => {
    await run('SELECT {a:UInt8} + {b:UInt8}', { a: 1, b: 2 });
    // Binds only `a`: a Session holding `b` must not serve it, whatever it reads.
    expect(await run('SELECT {a:UInt8}', { a: 5 })).toBe('5');
    for (let i = 0; i < 6; i++) {
      const err = await run('SELECT {b:UInt8}').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      // UNKNOWN_QUERY_PARAMETER, as clickhouse-server answers.
      expect((err as EngineError).code).toBe(456);
    }
    expect(await run('SELECT {b:String}', { b: 'own' })).toBe('own');
  });
});
