/**
 * The local endpoint over raw HTTP, checked against what clickhouse-server answers: routes,
 * authentication, read-only GET, query in the URL and/or the body, inline and streamed INSERT
 * data, compression both ways, error texts, codes and statuses, headers.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { q, raw, startTestEndpoint, type TestEndpoint } from './endpoint-fixture';

let ep: TestEndpoint;

beforeAll(async () => {
  ep = await startTestEndpoint('http');
  const r = await raw(ep, '/', {
    body: 'CREATE TABLE warehouse.items (id UInt32, name String) ENGINE = MergeTree ORDER BY id',
  });
  expect(r.status).toBe(200);
});

afterAll(async () => {
  await ep?.dispose();
});

async function count(where = '1'): Promise<number> {
  const r = await raw(ep, q(`SELECT count() FROM warehouse.items WHERE ${where}`));
  expect(r.status).toBe(200);
  return Number(r.text.trim());
}

describe('routes', () => {
  it('answers /ping and / without a query with Ok., without credentials', async () => {
    for (const path of ['/ping', '/', '/replicas_status']) {
      const r = await raw(ep, path, { auth: false });
      expect(r.status).toBe(200);
      expect(r.text).toBe('Ok.\n');
    }
  });

  it('answers an unknown path with 404', async () => {
    const r = await raw(ep, '/nothing-here', { auth: false });
    expect(r.status).toBe(404);
    expect(r.text).toContain('There is no handle /nothing-here');
  });
});

describe('authentication', () => {
  it('accepts Basic auth, X-ClickHouse-User/Key headers and user/password parameters', async () => {
    const viaBasic = await raw(ep, q('SELECT currentUser() = currentUser(), 1'));
    expect(viaBasic.status).toBe(200);
    const viaHeaders = await raw(ep, q('SELECT 2'), {
      auth: false,
      headers: { 'X-ClickHouse-User': ep.user, 'X-ClickHouse-Key': ep.password },
    });
    expect([viaHeaders.status, viaHeaders.text]).toEqual([200, '2\n']);
    const viaParams = await raw(ep, q('SELECT 3', { user: ep.user, password: ep.password }), { auth: false });
    expect([viaParams.status, viaParams.text]).toEqual([200, '3\n']);
  });

  it('refuses missing and wrong credentials with 516 AUTHENTICATION_FAILED (HTTP 403) and never echoes the password', async () => {
    const attempts = [
      await raw(ep, q('SELECT 1'), { auth: false }),
      await raw(ep, q('SELECT 1'), {
        auth: false,
        headers: { Authorization: `Basic ${Buffer.from(`${ep.user}:wrong-${ep.password}`).toString('base64')}` },
      }),
      await raw(ep, q('SELECT 1'), {
        auth: false,
        headers: { 'X-ClickHouse-User': ep.user, 'X-ClickHouse-Key': 'not-the-password' },
      }),
      await raw(ep, q('SELECT 1', { user: 'someone_else', password: ep.password }), { auth: false }),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(403);
      expect(r.headers.get('x-clickhouse-exception-code')).toBe('516');
      expect(r.text).toMatch(
        /^Code: 516\. DB::Exception: .*Authentication failed.*\(AUTHENTICATION_FAILED\) \(version \d+\.\d+/,
      );
      expect(r.text).not.toContain(ep.password);
      expect(r.text).not.toContain('not-the-password');
    }
  });

  it('refuses two authentication methods at once', async () => {
    const r = await raw(ep, q('SELECT 1', { user: ep.user, password: ep.password }));
    expect(r.status).toBe(403);
    expect(r.text).toContain(
      'it is not allowed to use Authorization HTTP header and authentication via parameters simultaneously',
    );
  });
});

describe('queries', () => {
  it('takes the query from the URL, the body, or both (URL + newline + body)', async () => {
    expect((await raw(ep, q('SELECT 40 + 2'))).text).toBe('42\n');
    expect((await raw(ep, '/', { body: 'SELECT 43' })).text).toBe('43\n');
    expect((await raw(ep, q('SELECT'), { body: '44' })).text).toBe('44\n');
  });

  it('binds param_<name> values and honours database, default_format and query_id', async () => {
    // Values in the HTTP text form: a tab is written \t.
    const r = await raw(
      ep,
      q('SELECT {n:UInt32} * 2 AS x, {s:String} AS s, currentDatabase() AS db', {
        param_n: '21',
        param_s: "it's\\ta tab",
        database: 'warehouse',
        default_format: 'JSONEachRow',
        query_id: 'my-query-1',
      }),
    );
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ x: 42, s: "it's\ta tab", db: 'warehouse' });
    expect(r.headers.get('x-clickhouse-query-id')).toBe('my-query-1');
    expect(r.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    // JSONEachRowRowOutputFormat::getContentType (newline-delimited JSON).
    expect(r.headers.get('content-type')).toBe('application/x-ndjson; charset=UTF-8');
    expect(r.headers.get('x-clickhouse-timezone')).toBeTruthy();
    expect(r.headers.get('x-clickhouse-server-display-name')).toBeTruthy();
    expect(r.headers.get('x-clickhouse-exception-tag')).toMatch(/^[a-z0-9]{16}$/);
  });

  it('never lets a parameter of one query reach another', async () => {
    expect((await raw(ep, q('SELECT {leak:UInt8}', { param_leak: '5' }))).text).toBe('5\n');
    for (let i = 0; i < 6; i++) {
      const r = await raw(ep, q('SELECT {leak:UInt8}'));
      expect([r.status, r.headers.get('x-clickhouse-exception-code')]).toEqual([500, '456']);
    }
  });

  it('runs a sessionless query in `default` when no database is given', async () => {
    await raw(ep, q('SELECT 1', { database: 'warehouse' }));
    expect((await raw(ep, q('SELECT currentDatabase()'))).text).toBe('default\n');
  });

  it('treats other URL parameters as settings for that query only', async () => {
    const set = await raw(ep, q("SELECT getSetting('max_block_size')", { max_block_size: '1234' }));
    expect(set.text).toBe('1234\n');
    for (let i = 0; i < 6; i++) {
      const after = await raw(ep, q("SELECT getSetting('max_block_size') != 1234"));
      expect(after.text).toBe('1\n');
    }
  });

  it('makes GET read-only: a write answers 164 READONLY as clickhouse-server does (HTTP 500)', async () => {
    const before = await count();
    const r = await raw(ep, q("INSERT INTO warehouse.items VALUES (999, 'via GET')"));
    expect(r.status).toBe(500);
    expect(r.headers.get('x-clickhouse-exception-code')).toBe('164');
    expect(r.text).toContain('method GET implies readonly');
    const ddl = await raw(ep, q('DROP TABLE warehouse.items'));
    expect(ddl.headers.get('x-clickhouse-exception-code')).toBe('164');
    expect(await count()).toBe(before);
    // A read-only GET leaves the pooled sessions writable for the next POST.
    for (let i = 0; i < 6; i++) expect((await raw(ep, q('SELECT 1'))).status).toBe(200);
    const post = await raw(ep, '/', { body: "INSERT INTO warehouse.items VALUES (998, 'via POST')" });
    expect(post.status).toBe(200);
    expect(await count('id = 998')).toBe(1);
  });
});

describe('INSERT data', () => {
  it('reads data from the body after a URL query, and inline data from a body-only query', async () => {
    const a = await raw(ep, q('INSERT INTO warehouse.items FORMAT CSV'), { body: '1,one\n2,two\n' });
    expect(a.status).toBe(200);
    const summary = JSON.parse(a.headers.get('x-clickhouse-summary') ?? '{}') as Record<string, string>;
    expect(summary.written_rows).toBe('2');
    const b = await raw(ep, '/', {
      body: 'INSERT INTO warehouse.items FORMAT JSONEachRow\n{"id":3,"name":"three"}\n{"id":4,"name":"four"}\n',
    });
    expect(b.status).toBe(200);
    const c = await raw(ep, q('INSERT INTO warehouse.items (id, name) VALUES'), {
      body: "(5, 'five'), (6, 'six; with a semicolon')",
    });
    expect(c.status).toBe(200);
    const rows = await raw(
      ep,
      q('SELECT id, name FROM warehouse.items WHERE id BETWEEN 1 AND 6 ORDER BY id FORMAT CSV'),
    );
    expect(rows.text).toBe('1,"one"\n2,"two"\n3,"three"\n4,"four"\n5,"five"\n6,"six; with a semicolon"\n');
  });

  it('accepts gzip- and deflate-compressed bodies', async () => {
    const gz = await raw(ep, q('INSERT INTO warehouse.items FORMAT TSV'), {
      body: gzipSync('101\tgz-a\n102\tgz-b\n'),
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(gz.status).toBe(200);
    const df = await raw(ep, q('INSERT INTO warehouse.items FORMAT TSV'), {
      body: deflateSync('103\tdf\n'),
      headers: { 'Content-Encoding': 'deflate' },
    });
    expect(df.status).toBe(200);
    const whole = await raw(ep, '/', {
      body: gzipSync('INSERT INTO warehouse.items FORMAT TSV\n104\tgz-whole\n'),
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(whole.status).toBe(200);
    expect(await count('id BETWEEN 101 AND 104')).toBe(4);
    const bad = await raw(ep, q('INSERT INTO warehouse.items FORMAT TSV'), {
      body: Buffer.from('not gzip at all'),
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.headers.get('x-clickhouse-exception-code')).toBeTruthy();
  });

  it('inserts nothing for an empty body and still checks the table', async () => {
    const before = await count();
    expect((await raw(ep, q('INSERT INTO warehouse.items FORMAT CSV'), { body: '', method: 'POST' })).status).toBe(200);
    expect(await count()).toBe(before);
    const missing = await raw(ep, q('INSERT INTO warehouse.no_such_table FORMAT CSV'), { body: '1,x\n' });
    expect([missing.status, missing.headers.get('x-clickhouse-exception-code')]).toEqual([404, '60']);
  });
});

describe('compressed responses', () => {
  it('compresses with gzip when enable_http_compression=1 and the client accepts it', async () => {
    const res = await fetch(`${ep.url}${q('SELECT number FROM numbers(1000)', { enable_http_compression: '1' })}`, {
      headers: { Authorization: ep.basic, 'Accept-Encoding': 'gzip' },
    });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const text = await res.text(); // fetch decompresses
    expect(text.split('\n').filter(Boolean)).toHaveLength(1000);
  });

  it('does not compress without enable_http_compression', async () => {
    const res = await fetch(`${ep.url}${q('SELECT 1')}`, {
      headers: { Authorization: ep.basic, 'Accept-Encoding': 'gzip' },
    });
    expect(res.headers.get('content-encoding')).toBeNull();
  });

  it('writes a mid-stream error into the compressed body', async () => {
    // The error comes after more than the 1 MiB response buffer went out (before it, the answer is a clean error).
    const body = await rawBytes(
      `${q('SELECT throwIf(number = 2000000) FROM numbers(3000000)', { max_block_size: '1000', enable_http_compression: '1' })}`,
      { 'Accept-Encoding': 'gzip' },
    );
    expect(body.headers['content-encoding']).toBe('gzip');
    const text = gunzipSync(body.bytes).toString('utf8');
    expect(text).toContain(`__exception__\r\n${body.headers['x-clickhouse-exception-tag']}\r\n`);
    expect(text).toContain('(FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)');
  });
});

describe('errors', () => {
  const cases: Array<[string, string, number, string]> = [
    ['syntax error', 'SELEC 1', 400, '62'],
    ['unknown table', 'SELECT * FROM warehouse.nope', 404, '60'],
    ['unknown function', 'SELECT no_such_function(1)', 404, '46'],
    ['unknown database', 'SELECT * FROM nodb.t', 404, '81'],
    ['value that does not parse', "SELECT toUInt8('abc')", 400, '6'],
  ];
  for (const [what, sql, status, code] of cases) {
    it(`answers a ${what} with ClickHouse's text, code and HTTP ${status}`, async () => {
      const r = await raw(ep, '/', { body: sql });
      expect(r.status).toBe(status);
      const header = r.headers.get('x-clickhouse-exception-code');
      if (code) expect(header).toBe(code);
      expect(r.text).toMatch(
        new RegExp(`^Code: ${header}\\. DB::Exception: .+ \\([A-Z_]+\\) \\(version \\d+\\.\\d+[^)]*\\)\\n$`, 's'),
      );
    });
  }

  it('refuses several statements, INTO OUTFILE and FROM INFILE', async () => {
    const multi = await raw(ep, '/', { body: 'SELECT 1; SELECT 2' });
    expect([multi.status, multi.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    expect(multi.text).toContain('Multi-statements are not allowed');
    const outfile = await raw(ep, '/', { body: "SELECT 1 INTO OUTFILE '/tmp/kit-endpoint-outfile.txt'" });
    expect(outfile.headers.get('x-clickhouse-exception-code')).toBe('358');
    const infile = await raw(ep, '/', { body: "INSERT INTO warehouse.items FROM INFILE '/etc/hostname' FORMAT TSV" });
    expect(infile.headers.get('x-clickhouse-exception-code')).toBe('78');
    expect((await raw(ep, '/', { body: 'SELECT 1;' })).text).toBe('1\n');
  });

  it('answers an empty POST body with a syntax error and a POST without a length with 411', async () => {
    const empty = await raw(ep, '/', { body: '' });
    expect([empty.status, empty.headers.get('x-clickhouse-exception-code')]).toEqual([400, '62']);
    const noLength = await rawSocket(
      `POST /?query=SELECT%201 HTTP/1.1\r\nHost: x\r\nAuthorization: ${ep.basic}\r\nConnection: close\r\n\r\n`,
    );
    expect(noLength).toMatch(/^HTTP\/1\.1 411/);
    expect(noLength).toContain('X-ClickHouse-Exception-Code: 381');
  });

  it('writes an error that happens after the first rows into the body, marked with the exception tag', async () => {
    // 2 bytes a row: the error comes after more than the 1 MiB response buffer went out.
    const r = await rawBytes(
      q('SELECT throwIf(number = 2000000) FROM numbers(3000000)', { max_block_size: '1000' }),
      {},
    );
    expect(r.status).toBe(200);
    const tag = r.headers['x-clickhouse-exception-tag'];
    const text = r.bytes.toString('utf8');
    const message =
      /__exception__\r\n([a-z0-9]{16})\r\n(Code: 395[^\n]*)\n(\d+) ([a-z0-9]{16})\r\n__exception__\r\n$/.exec(text);
    expect(message).not.toBeNull();
    expect(message![1]).toBe(tag);
    expect(message![4]).toBe(tag);
    expect(Number(message![3])).toBe(Buffer.byteLength(message![2]!) + 1);
  });
});

describe('sessions over HTTP', () => {
  it('keeps SET and temporary tables per session_id, checks session_check and closes with close_session', async () => {
    const s = { session_id: `http-${Date.now()}` };
    expect((await raw(ep, q('CREATE TEMPORARY TABLE tmp (x UInt8)', s), { method: 'POST', body: '' })).status).toBe(
      200,
    );
    expect((await raw(ep, q('INSERT INTO tmp VALUES (7)', s), { method: 'POST', body: '' })).status).toBe(200);
    expect((await raw(ep, q('SET max_threads = 1', s), { method: 'POST', body: '' })).status).toBe(200);
    expect((await raw(ep, q("SELECT sum(x), getSetting('max_threads') FROM tmp", s))).text).toBe('7\t1\n');
    const unknown = await raw(ep, q('SELECT 1', { session_id: 'never-created', session_check: '1' }));
    expect([unknown.status, unknown.headers.get('x-clickhouse-exception-code')]).toEqual([500, '372']);
    expect((await raw(ep, q('SELECT 1', { ...s, close_session: '1' }))).status).toBe(200);
    const closed = await raw(ep, q('SELECT 1', { ...s, session_check: '1' }));
    expect(closed.headers.get('x-clickhouse-exception-code')).toBe('372');
    const badTimeout = await raw(ep, q('SELECT 1', { session_id: 'x', session_timeout: 'soon' }));
    expect(badTimeout.headers.get('x-clickhouse-exception-code')).toBe('374');
  });

  it('answers 373 SESSION_IS_LOCKED to a second query in a busy session, which stays usable', async () => {
    const s = { session_id: `busy-${Date.now()}` };
    const slow = raw(ep, q('SELECT sleep(1)', s));
    await new Promise((r) => setTimeout(r, 300));
    const second = await raw(ep, q('INSERT INTO warehouse.items FORMAT TSV', s), { body: '777\tlocked out\n' });
    expect(second.headers.get('x-clickhouse-exception-code')).toBe('373');
    expect((await slow).status).toBe(200);
    expect((await raw(ep, q('SELECT 9', s))).text).toBe('9\n');
    expect(await count('id = 777')).toBe(0);
  });
});

async function rawBytes(
  pathAndQuery: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string>; bytes: Buffer }> {
  const { request } = await import('node:http');
  const url = new URL(`${ep.url}${pathAndQuery}`);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...headers, Authorization: ep.basic } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers as Record<string, string>,
          bytes: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function rawSocket(request: string): Promise<string> {
  const url = new URL(ep.url);
  return new Promise((resolve, reject) => {
    const socket: Socket = tcpConnect(Number(url.port), url.hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}
