/**
 * The endpoint under concurrent use: a long query blocks neither /ping nor other clients, and a
 * client that goes away cancels its query (it leaves system.processes).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { q, raw, startTestEndpoint, type TestEndpoint } from './endpoint-fixture';

let ep: TestEndpoint;

beforeAll(async () => {
  ep = await startTestEndpoint('concurrency');
});

afterAll(async () => {
  await ep?.dispose();
});

/** Starts a request and returns a handle to abort it; the response body is read as it comes. */
function startRequest(sql: string): { firstByte: Promise<void>; done: Promise<number>; abort(): void } {
  const url = new URL(`${ep.url}${q(sql)}`);
  let abort = (): void => undefined;
  let gotFirst = (): void => undefined;
  const firstByte = new Promise<void>((r) => (gotFirst = r));
  const done = new Promise<number>((resolve) => {
    const req = request(url, { headers: { Authorization: ep.basic } }, (res) => {
      res.on('data', () => gotFirst());
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(-1));
      res.on('close', () => resolve(-1));
    });
    req.on('error', () => resolve(-1));
    req.end();
    abort = () => req.destroy();
  });
  return { firstByte, done, abort };
}

async function runningWith(marker: string): Promise<number> {
  const r = await raw(
    ep,
    q(`SELECT count() FROM system.processes WHERE query LIKE '%${marker}%' AND query NOT LIKE '%system.processes%'`),
  );
  return Number(r.text.trim());
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('concurrency', () => {
  it('answers /ping and other clients while a long query runs', async () => {
    const marker = `long_${Date.now()}`;
    const long = startRequest(
      `SELECT /* ${marker} */ sum(sleepEachRow(0.2)) FROM numbers(40) SETTINGS max_block_size = 1`,
    );
    expect(await waitFor(async () => (await runningWith(marker)) === 1, 10_000)).toBe(true);
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const ping = await raw(ep, '/ping', { auth: false });
      expect(ping.text).toBe('Ok.\n');
      expect(Date.now() - t0).toBeLessThan(1000);
      const other = await raw(ep, q('SELECT 7'));
      expect(other.text).toBe('7\n');
    }
    long.abort();
    expect(await waitFor(async () => (await runningWith(marker)) === 0, 10_000)).toBe(true);
  });

  it('cancels a streaming query when its client disconnects after the first rows', async () => {
    const marker = `stream_${Date.now()}`;
    // Results leave the engine in 1 MiB pieces: rows of 1 kB, slow enough to run for minutes.
    const r = startRequest(
      `SELECT /* ${marker} */ number, repeat('x', 1000), sleepEachRow(0.0005) FROM numbers(1000000) SETTINGS max_block_size = 200`,
    );
    await r.firstByte;
    expect(await runningWith(marker)).toBe(1);
    r.abort();
    expect(await waitFor(async () => (await runningWith(marker)) === 0, 10_000)).toBe(true);
  });

  it('cancels a heavy query that has not produced a row yet when its client disconnects', async () => {
    const marker = `heavy_${Date.now()}`;
    const r = startRequest(`SELECT /* ${marker} */ count() FROM numbers(100000000000) WHERE number % 7 = 3`);
    expect(await waitFor(async () => (await runningWith(marker)) === 1, 10_000)).toBe(true);
    r.abort();
    expect(await waitFor(async () => (await runningWith(marker)) === 0, 10_000)).toBe(true);
    expect((await raw(ep, q('SELECT 1'))).text).toBe('1\n');
  });

  it('stays responsive while a query is being planned slowly (schema inference over a slow URL)', async () => {
    const slow = createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'Content-Type': 'text/csv' }).end('1,a\n2,b\n'), 1500);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (slow.address() as AddressInfo).port;
      const query = raw(ep, '/', { body: `SELECT count() FROM url('http://127.0.0.1:${port}/data.csv', 'CSV')` });
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        expect((await raw(ep, '/ping', { auth: false })).text).toBe('Ok.\n');
        expect((await raw(ep, q('SELECT 8'))).text).toBe('8\n');
        expect(Date.now() - t0).toBeLessThan(1000);
      }
      const r = await query;
      expect([r.status, r.text]).toEqual([200, '2\n']);
    } finally {
      slow.close();
    }
  });

  it('answers other queries, compressed, while more long queries run than libuv has threads by default', async () => {
    const marker = `many_${Date.now()}`;
    const long = Array.from({ length: 6 }, (_, i) =>
      startRequest(`SELECT /* ${marker} ${i} */ sum(sleepEachRow(0.1)) FROM numbers(60) SETTINGS max_block_size = 1`),
    );
    expect(await waitFor(async () => (await runningWith(marker)) === 6, 10_000)).toBe(true);
    const t0 = Date.now();
    const res = await fetch(`${ep.url}${q('SELECT 21 * 2', { enable_http_compression: '1' })}`, {
      headers: { Authorization: ep.basic, 'Accept-Encoding': 'gzip' },
    });
    expect(await res.text()).toBe('42\n');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(Date.now() - t0).toBeLessThan(2000);
    long.forEach((l) => l.abort());
    expect(await waitFor(async () => (await runningWith(marker)) === 0, 10_000)).toBe(true);
  });

  it('serves many clients at once', async () => {
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => raw(ep, q(`SELECT ${i} * 2, sleep(0.05)`))));
    answers.forEach((a, i) => expect(a.text).toBe(`${i * 2}\t0\n`));
  });
});
