/**
 * The official @clickhouse/client against the local endpoint, exactly as against clickhouse-server:
 * queries, inserts, bound parameters, sessions, settings that stay with their query, errors,
 * compression both ways, and a large streamed result.
 */
import { createClient, ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from './endpoint-fixture';

let ep: TestEndpoint;
let client: ClickHouseClient;

function newClient(extra: Parameters<typeof createClient>[0] = {}): ClickHouseClient {
  return createClient({ url: ep.url, username: ep.user, password: ep.password, database: 'warehouse', ...extra });
}

beforeAll(async () => {
  ep = await startTestEndpoint('client');
  client = newClient();
  await client.command({
    query:
      "CREATE TABLE events (id UInt64, kind LowCardinality(String), at DateTime64(3, 'UTC'), tags Array(String), score Nullable(Float64)) ENGINE = MergeTree ORDER BY id",
  });
});

afterAll(async () => {
  await client?.close();
  await ep?.dispose();
});

describe('@clickhouse/client against the endpoint', () => {
  it('pings and runs queries in every JSON flavour', async () => {
    expect((await client.ping()).success).toBe(true);
    const rows = await (
      await client.query({
        query: 'SELECT number AS n, toString(number) AS s FROM numbers(3)',
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
      })
    ).json<{ n: string; s: string }>();
    expect(rows).toEqual([
      { n: '0', s: '0' },
      { n: '1', s: '1' },
      { n: '2', s: '2' },
    ]);
    const json = await (await client.query({ query: 'SELECT 1 AS one', format: 'JSON' })).json<{ one: number }>();
    expect(json.rows).toBe(1);
    expect(json.data[0]!.one).toBe(1);
  });

  it('inserts objects and reads them back with bound parameters of many types', async () => {
    const values = [
      { id: 1, kind: 'click', at: '2026-01-02 03:04:05.678', tags: ['a', "it's"], score: 1.5 },
      { id: 2, kind: 'view', at: '2026-01-02 03:04:06.000', tags: [], score: null },
      { id: 3, kind: 'click', at: '2026-01-03 00:00:00.000', tags: ['tab\there'], score: -2 },
    ];
    const r = await client.insert({ table: 'events', values, format: 'JSONEachRow' });
    expect(r.summary?.written_rows).toBe('3');
    const rows = await (
      await client.query({
        query:
          'SELECT toUInt32(id) AS id, tags FROM events WHERE kind = {kind:String} AND id IN {ids:Array(UInt64)} AND at >= {since:DateTime64(3)} ORDER BY id',
        query_params: { kind: 'click', ids: [1, 3], since: new Date('2026-01-01T00:00:00Z') },
        format: 'JSONEachRow',
      })
    ).json<{ id: number; tags: string[] }>();
    expect(rows).toEqual([
      { id: 1, tags: ['a', "it's"] },
      { id: 3, tags: ['tab\there'] },
    ]);
  });

  it('surfaces server errors as ClickHouseError with code and type', async () => {
    const err = await client.query({ query: 'SELECT * FROM warehouse.does_not_exist' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClickHouseError);
    expect((err as ClickHouseError).code).toBe('60');
    expect((err as ClickHouseError).type).toBe('UNKNOWN_TABLE');
  });

  it('keeps settings with their query: nothing leaks to the next one', async () => {
    const tagged = await (
      await client.query({
        query: "SELECT toString(getSetting('max_block_size')) AS v",
        format: 'JSONEachRow',
        clickhouse_settings: { max_block_size: '777' },
      })
    ).json<{ v: string }>();
    expect(tagged[0]!.v).toBe('777');
    // Several queries, so every pooled engine session has been used.
    for (let i = 0; i < 8; i++) {
      const plain = await (
        await client.query({ query: "SELECT toString(getSetting('max_block_size')) AS v", format: 'JSONEachRow' })
      ).json<{ v: string }>();
      expect(plain[0]!.v).not.toBe('777');
    }
  });

  it('keeps a session: SET and temporary tables persist, per-query settings do not, other sessions see nothing', async () => {
    const a = newClient({ session_id: `client-a-${Date.now()}` });
    const b = newClient({ session_id: `client-b-${Date.now()}` });
    try {
      await a.command({ query: 'CREATE TEMPORARY TABLE scratch (x UInt32)' });
      await a.command({ query: 'INSERT INTO scratch VALUES (1), (2), (3)' });
      await a.command({ query: 'SET max_threads = 1' });
      const sum = await (
        await a.query({ query: 'SELECT toString(sum(x)) AS s FROM scratch', format: 'JSONEachRow' })
      ).json<{ s: string }>();
      expect(sum[0]!.s).toBe('6');
      const once = await (
        await a.query({
          query: "SELECT toString(getSetting('max_threads')) AS t",
          format: 'JSONEachRow',
          clickhouse_settings: { max_threads: 2 },
        })
      ).json<{ t: string }>();
      expect(once[0]!.t).toBe('2');
      const back = await (
        await a.query({ query: "SELECT toString(getSetting('max_threads')) AS t", format: 'JSONEachRow' })
      ).json<{ t: string }>();
      expect(back[0]!.t).toBe('1');
      const other = await b.query({ query: 'SELECT * FROM scratch' }).catch((e: unknown) => e);
      expect((other as ClickHouseError).code).toBe('60');
      const otherThreads = await (
        await b.query({ query: "SELECT getSetting('max_threads') = 1 AS one", format: 'JSONEachRow' })
      ).json<{ one: number }>();
      expect(otherThreads[0]!.one).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('compresses requests and responses when asked to', async () => {
    const zipped = newClient({ compression: { request: true, response: true } });
    try {
      const values = Array.from({ length: 5000 }, (_, i) => ({
        id: 10_000 + i,
        kind: 'gz',
        at: '2026-02-01 00:00:00.000',
        tags: ['x'],
        score: i,
      }));
      await zipped.insert({ table: 'events', values, format: 'JSONEachRow' });
      const rows = await (
        await zipped.query({
          query: "SELECT toString(count()) AS c, sum(score) AS s FROM events WHERE kind = 'gz'",
          format: 'JSONEachRow',
        })
      ).json<{ c: string; s: number }>();
      expect(rows[0]).toEqual({ c: '5000', s: (4999 * 5000) / 2 });
      const all = await (
        await zipped.query({
          query: "SELECT id FROM events WHERE kind = 'gz' ORDER BY id",
          format: 'JSONCompactEachRow',
        })
      ).json<[string]>();
      expect(all).toHaveLength(5000);
    } finally {
      await zipped.close();
    }
  });

  it('streams a large insert and a large result', async () => {
    const total = 300_000;
    async function* objects(): AsyncGenerator<Record<string, unknown>> {
      for (let j = 0; j < total; j++)
        yield { id: 1_000_000 + j, kind: 'bulk', at: '2026-03-01 00:00:00.000', tags: [], score: j };
    }
    await client.insert({ table: 'events', values: Readable.from(objects()), format: 'JSONEachRow' });
    const rs = await client.query({
      query: "SELECT id, score FROM events WHERE kind = 'bulk' ORDER BY id",
      format: 'JSONCompactEachRow',
    });
    let rows = 0;
    let sum = 0;
    for await (const batch of rs.stream<[string, number]>()) {
      for (const row of batch) {
        const [, score] = row.json();
        rows++;
        sum += score;
      }
    }
    expect(rows).toBe(total);
    expect(sum).toBe(((total - 1) * total) / 2);
  });

  it('streams large byte bodies into INSERTs, whatever is left queued at the end of the upload', async () => {
    const quick = newClient({ request_timeout: 30_000 });
    try {
      await quick.command({ query: 'CREATE TABLE bulk_bytes (id UInt64, note String) ENGINE = MergeTree ORDER BY id' });
      const chunks: Buffer[] = [];
      for (let start = 0; start < 200_000; start += 50_000) {
        let text = '';
        for (let i = start; i < start + 50_000; i++) text += `{"id":${i},"note":"row ${i} ${'x'.repeat(i % 50)}"}\n`;
        chunks.push(Buffer.from(text));
      }
      for (let round = 0; round < 4; round++) {
        await quick.command({ query: 'TRUNCATE TABLE bulk_bytes' });
        const r = await quick.exec({
          query: 'INSERT INTO bulk_bytes FORMAT JSONEachRow',
          values: Readable.from(chunks, { objectMode: false }),
        });
        for await (const _ of r.stream) void _;
        const count = await (
          await quick.query({ query: 'SELECT toString(count()) AS c FROM bulk_bytes', format: 'JSONEachRow' })
        ).json<{ c: string }>();
        expect(count[0]!.c).toBe('200000');
      }
    } finally {
      await quick.close();
    }
  });

  it('reports an error raised after the first rows of a streamed result', async () => {
    const rs = await client.query({
      query: 'SELECT throwIf(number = 250000) AS x FROM numbers(300000)',
      format: 'JSONEachRow',
      clickhouse_settings: { max_block_size: '1000' },
    });
    const err = await (async () => {
      try {
        for await (const batch of rs.stream()) void batch;
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ClickHouseError);
    expect((err as ClickHouseError).code).toBe('395');
  });
});
