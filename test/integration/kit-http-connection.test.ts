/**
 * The kit's HTTP transport to the local endpoint (lib/clickhouse/http-connection.ts) against a real
 * endpoint process: it answers exactly as @clickhouse/client's own transport does, and it handles
 * what a transport must: errors before and during a result, compression, sessions, aborts,
 * timeouts, and an endpoint that restarts under a kept-alive socket.
 */
import { ClickHouseError, createClient, type ClickHouseClient } from '@clickhouse/client';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectionInfo } from '../../lib/clickhouse';
import { KitHttpConnection } from '../../lib/clickhouse';
import { startEndpointProcess } from '../../scripts/stack/endpoint';
import { startTestEndpoint, type TestEndpoint } from './endpoint-fixture';

let ep: TestEndpoint;
let kit: ClickHouseClient;
let official: ClickHouseClient;

function kitClient(options: { session_id?: string; requestTimeoutMs?: number } = {}): ClickHouseClient {
  const connection = new KitHttpConnection({
    url: ep.url,
    username: ep.user,
    password: ep.password,
    database: 'warehouse',
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    application: 'kit-test',
  });
  return createClient({
    connection,
    session_id: options.session_id,
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
}

async function rows<T>(client: ClickHouseClient, query: string, query_params?: Record<string, unknown>): Promise<T[]> {
  return (await client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
}

beforeAll(async () => {
  ep = await startTestEndpoint('kit-http');
  kit = connect({ config: ep.config });
  official = connect({ config: ep.config, transport: 'official' });
  await kit.command({
    query:
      "CREATE TABLE t (id UInt64, name String, at DateTime64(3, 'UTC'), tags Array(String), score Nullable(Float64)) ENGINE = MergeTree ORDER BY id",
  });
});

afterAll(async () => {
  await kit?.close();
  await official?.close();
  await ep?.dispose();
});

describe("the kit's HTTP transport to the local endpoint", () => {
  it("is what connect() uses for the local endpoint, and answers as @clickhouse/client's own transport does", async () => {
    expect(connectionInfo(kit)?.mode).toBe('local-endpoint');
    expect((await kit.ping()).success).toBe(true);
    const values = Array.from({ length: 500 }, (_, i) => ({
      id: i,
      name: i % 7 === 0 ? "it's \\ a\ttab" : `n${i}`,
      at: '2026-01-02 03:04:05.678',
      tags: i % 3 ? ['a', 'b'] : [],
      score: i % 5 ? i / 4 : null,
    }));
    const inserted = await kit.insert({ table: 't', values, format: 'JSONEachRow' });
    expect(inserted.summary?.written_rows).toBe('500');
    const sql =
      'SELECT id, name, at, tags, score FROM t WHERE id >= {from:UInt64} AND has({want:Array(String)}, name) = 0 AND at < {before:DateTime64(3)} ORDER BY id';
    const params = { from: 10, want: ["it's \\ a\ttab", 'n11'], before: new Date('2027-01-01T00:00:00Z') };
    const viaKit = await rows<Record<string, unknown>>(kit, sql, params);
    const viaOfficial = await rows<Record<string, unknown>>(official, sql, params);
    // ids 10..499 (490), less the 70 named with quotes, backslash and tab (multiples of 7), less n11.
    expect(viaKit.length).toBe(419);
    expect(viaKit).toEqual(viaOfficial);
    const big = await rows<{ n: string }>(kit, 'SELECT toUInt64({n:UInt64}) AS n', { n: 2n ** 63n + 5n });
    expect(big[0]!.n).toBe('9223372036854775813');
  });

  it('raises ClickHouseError for a failed statement and for an error raised in the middle of a streamed result', async () => {
    const syntax = await kit.query({ query: 'SELEC 1', format: 'JSONEachRow' }).catch((e: unknown) => e);
    expect(syntax).toBeInstanceOf(ClickHouseError);
    expect((syntax as ClickHouseError).code).toBe('62');
    expect((syntax as ClickHouseError).type).toBe('SYNTAX_ERROR');
    const unknown = await kit.command({ query: 'SELECT * FROM no_such_table' }).catch((e: unknown) => e);
    expect((unknown as ClickHouseError).code).toBe('60');

    const rs = await kit.query({
      query: 'SELECT throwIf(number = 250000) AS x FROM numbers(300000)',
      format: 'JSONEachRow',
      clickhouse_settings: { max_block_size: '1000' },
    });
    const late = await (async () => {
      try {
        for await (const batch of rs.stream()) void batch;
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(late).toBeInstanceOf(ClickHouseError);
    expect((late as ClickHouseError).code).toBe('395');
  });

  it('streams byte bodies into INSERTs and decodes compressed results', async () => {
    const lines = Array.from(
      { length: 20_000 },
      (_, i) => `{"id":${100_000 + i},"name":"bulk","at":"2026-02-01 00:00:00","tags":[],"score":${i}}\n`,
    );
    const r = await kit.exec({
      query: 'INSERT INTO t FORMAT JSONEachRow',
      values: Readable.from(
        [lines.slice(0, 9_000).join(''), lines.slice(9_000).join('')].map((s) => Buffer.from(s)),
        { objectMode: false },
      ),
    });
    for await (const _ of r.stream) void _;
    const rs = await kit.query({
      query: "SELECT id, score FROM t WHERE name = 'bulk' ORDER BY id",
      format: 'JSONCompactEachRow',
      clickhouse_settings: { enable_http_compression: 1 },
    });
    expect(rs.response_headers['content-encoding']).toMatch(/gzip|deflate|br/);
    const all = await rs.json<[string, number]>();
    expect(all).toHaveLength(20_000);
    expect(all.reduce((s, [, score]) => s + score, 0)).toBe((19_999 * 20_000) / 2);
  });

  it('keeps a session: SET and temporary tables persist within it, and no other client sees them', async () => {
    const a = kitClient({ session_id: `kit-a-${Date.now()}` });
    try {
      await a.command({ query: 'CREATE TEMPORARY TABLE scratch (x UInt8)' });
      await a.command({ query: 'INSERT INTO scratch VALUES (1), (2)' });
      await a.command({ query: 'SET max_threads = 3' });
      expect(await rows(a, "SELECT count() AS c, toString(getSetting('max_threads')) AS m FROM scratch")).toEqual([
        { c: '2', m: '3' },
      ]);
      const other = await kit
        .query({ query: 'SELECT count() FROM scratch', format: 'JSONEachRow' })
        .catch((e: unknown) => e);
      expect((other as ClickHouseError).code).toBe('60');
    } finally {
      await a.close();
    }
  });

  it('aborts a running query when its signal fires, and times out a silent one', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = kit.query({
      query: 'SELECT sleepEachRow(0.5) FROM numbers(20) SETTINGS function_sleep_max_microseconds_per_block = 0',
      format: 'JSONEachRow',
      abort_signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toThrow(/aborted/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await rows(kit, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);

    const impatient = kitClient({ requestTimeoutMs: 300 });
    try {
      await expect(impatient.query({ query: 'SELECT sleep(2)', format: 'JSONEachRow' })).rejects.toThrow(
        /Timeout error/,
      );
    } finally {
      await impatient.close();
    }
  });

  it('keeps working when the endpoint restarts under its kept-alive sockets', async () => {
    const client = kitClient();
    try {
      expect(await rows(client, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await ep.stop();
      await startEndpointProcess(ep.config, { timeoutMs: 120_000 });
      expect(await rows(client, 'SELECT 2 AS two')).toEqual([{ two: 2 }]);
      expect(await rows(client, 'SELECT count() AS c FROM t')).toEqual([{ c: '20500' }]);
    } finally {
      await client.close();
    }
  });
});
