/**
 * The local endpoint answers as clickhouse-server 26.x does (issue 12, one block per point).
 * Every expectation comes from ClickHouse's own documentation or tests, named in a comment; the
 * same file runs against a real server with `npm run test:server` (CLICKHOUSE_URL, CLICKHOUSE_USER,
 * CLICKHOUSE_PASSWORD). Points that only concern the embedded engine skip there, saying why.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { compress as zstdCompress, decompress as zstdDecompress } from 'zstd-napi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, queryFrame, queryRows, WarehouseError } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import { endpointPaths } from '../../lib/endpoint';
import { startTestEndpoint, type TestEndpoint } from './endpoint-fixture';

const onServer = process.env.KIT_TEST_TARGET === 'server';
const embeddedOnly = it.skipIf(onServer);

interface Target {
  url: string;
  user: string;
  password: string;
  basic: string;
  /** A client of the kit's own readers (queryFrame, queryRows) on this target. */
  kit: ClickHouseClient;
  /** The user-files folder, when this test can write into it (the local endpoint). */
  userFiles: string | undefined;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  /** Every value of a header that came more than once (X-ClickHouse-Progress). */
  all: (name: string) => string[];
  body: Buffer;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });
let target: Target;

/** A raw HTTP exchange: no decompression, every header line kept. */
function send(
  path: string,
  init: { method?: string; body?: Buffer | string; headers?: Record<string, string>; auth?: boolean } = {},
): Promise<Answer> {
  const url = new URL(path, target.url);
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth !== false) headers.Authorization = target.basic;
  const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body);
  if (body) headers['Content-Length'] = String(body.length);
  return new Promise((resolve, reject) => {
    // Progress lines can fill more than the default 16 KiB of headers.
    const req = request(
      url,
      { method: init.method ?? (body ? 'POST' : 'GET'), headers, agent, maxHeaderSize: 1 << 20 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out: Record<string, string> = {};
          const raw = res.rawHeaders;
          for (let i = 0; i < raw.length; i += 2) out[raw[i]!.toLowerCase()] ??= raw[i + 1]!;
          const every = (name: string): string[] => {
            const values: string[] = [];
            for (let i = 0; i < raw.length; i += 2)
              if (raw[i]!.toLowerCase() === name.toLowerCase()) values.push(raw[i + 1]!);
            return values;
          };
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: out, all: every, body: b, text: b.toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function q(sql: string, extra: Record<string, string> = {}): string {
  return `/?${new URLSearchParams({ query: sql, ...extra }).toString()}`;
}

function post(sql: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  return send(`/?${new URLSearchParams(extra).toString()}`, { method: 'POST', body: sql, headers });
}

const uid = (): string => randomUUID().replace(/-/g, '').slice(0, 12);

beforeAll(async () => {
  if (onServer) {
    const config = loadConfig();
    const url = process.env.CLICKHOUSE_URL ?? config.clickhouse.url;
    if (!url) throw new Error('npm run test:server needs CLICKHOUSE_URL');
    const user = config.clickhouse.user;
    const password = config.clickhouse.password.reveal();
    const kit = connect({ config });
    target = {
      url,
      user,
      password,
      basic: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      kit,
      userFiles: undefined,
      close: () => kit.close(),
    };
    return;
  }
  const ep: TestEndpoint = await startTestEndpoint('conformance');
  const kit = connect({ config: ep.config });
  target = {
    url: ep.url,
    user: ep.user,
    password: ep.password,
    basic: ep.basic,
    kit,
    userFiles: endpointPaths(ep.config).userFiles,
    close: async () => (await kit.close(), await ep.dispose()),
  };
}, 180_000);

afterAll(async () => {
  agent.destroy();
  await target?.close();
});

describe('1. nothing is sent before the first flush; later errors end the body', () => {
  // http.md "HTTP Interface": "If an error occurs, you receive the 500 response code and an error
  // description text"; the first output block has not been flushed when throwIf fails on it.
  it('an error before any output is a clean 500 with the exception code, whatever the format', async () => {
    for (const format of ['JSON', 'JSONCompact', 'CSVWithNames', 'XML', 'Parquet', 'TabSeparatedWithNamesAndTypes']) {
      const a = await send(q(`SELECT throwIf(number = 3) FROM numbers(5) FORMAT ${format}`));
      expect(a.status, format).toBe(500);
      expect(a.headers['x-clickhouse-exception-code']).toBe('395');
      expect(a.text).toMatch(/^Code: 395\. DB::Exception: /);
      expect(a.text).not.toContain('"meta"');
    }
  });

  // tests/queries/0_stateless/00429_long_http_bufferization.sh check_exception_handling.
  it('max_result_bytes overflows inside the response buffer: only the exception', async () => {
    const rows = (n: number): string =>
      `SELECT greatest(toUInt8(1), toUInt8(intHash64(number))) FROM system.numbers LIMIT ${n} FORMAT RowBinary`;
    for (const [params, n] of [
      [{ max_result_bytes: '1000' }, 1001],
      [{ max_result_bytes: '1000', wait_end_of_query: '1' }, 1001],
      [{ max_result_bytes: '1048576', buffer_size: '1048576', wait_end_of_query: '0' }, 1048577],
      [{ max_result_bytes: '4000000', buffer_size: '2000000', wait_end_of_query: '1' }, 5000000],
      [{ max_result_bytes: '4000000', wait_end_of_query: '1' }, 5000000],
    ] as const) {
      const a = await send(q(rows(n), { ...params, max_block_size: '65505' }));
      expect(a.status, JSON.stringify(params)).toBe(500);
      expect(a.text.trim().split('\n')).toHaveLength(1);
      expect(a.text).toMatch(/DB::Exception:.*\(TOO_MANY_ROWS_OR_BYTES\)/);
    }
  });

  // 00429 check_last_line_exception; since 25.11 the error that follows sent data is the block tagged
  // by X-ClickHouse-Exception-Tag (clickhouse-js utils/stream.ts extractErrorAtTheEndOfChunk).
  it('an error after the first flush: 200, the data, then the tagged exception block', async () => {
    const a = await send(
      q('SELECT greatest(toUInt8(1), toUInt8(intHash64(number))) FROM system.numbers LIMIT 5000000 FORMAT RowBinary', {
        max_result_bytes: '4000000',
        buffer_size: '2000000',
        wait_end_of_query: '0',
        max_block_size: '65505',
      }),
    );
    expect(a.status).toBe(200);
    const tag = a.headers['x-clickhouse-exception-tag'];
    expect(tag).toMatch(/^[a-z0-9]{16}$/);
    expect(a.body.length).toBeGreaterThan(2_000_000);
    const tail = a.body.subarray(a.body.length - 600).toString('latin1');
    expect(tail.endsWith(` ${tag}\r\n__exception__\r\n`)).toBe(true);
    expect(tail).toContain(`\r\n__exception__\r\n${tag}\r\n`);
    expect(tail).toMatch(/Code: 396\. DB::Exception: /);
  });

  it('the official client raises ClickHouseError 395 for a late error in JSONEachRow, and for an early one in JSON', async () => {
    const client = createClient({ url: target.url, username: target.user, password: target.password });
    try {
      const late = client
        .query({ query: 'SELECT number, throwIf(number = 2000000) AS t FROM numbers(3000000)', format: 'JSONEachRow' })
        .then((r) => r.json());
      await expect(late).rejects.toMatchObject({ code: '395' });
      const early = client
        .query({ query: 'SELECT throwIf(number = 3) FROM numbers(5)', format: 'JSON' })
        .then((r) => r.json());
      await expect(early).rejects.toMatchObject({ code: '395' });
    } finally {
      await client.close();
    }
  });

  it("the kit's readers raise the ClickHouse error, also when it comes after the first rows", async () => {
    const expectCode = async (p: Promise<unknown>): Promise<void> => {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(WarehouseError);
      expect((e as WarehouseError).code).toBe(395);
    };
    await expectCode(queryFrame(target.kit, 'SELECT throwIf(number = 3) AS t FROM numbers(5)'));
    await expectCode(queryFrame(target.kit, 'SELECT number, throwIf(number = 2000000) AS t FROM numbers(3000000)'));
    await expectCode(queryRows(target.kit, 'SELECT number, throwIf(number = 2000000) AS t FROM numbers(3000000)'));
  });

  it('the embedded runtime raises the same error for the same late failure', async () => {
    const dataPath = mkdtempSync(join(tmpdir(), 'kit-conformance-embedded-'));
    const config = loadConfig({ env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: dataPath } });
    const embedded = connect({ config, mode: 'embedded' });
    try {
      const e = await queryFrame(embedded, 'SELECT number, throwIf(number = 2000000) AS t FROM numbers(3000000)').catch(
        (x: unknown) => x,
      );
      expect((e as WarehouseError).code).toBe(395);
    } finally {
      await embedded.close();
      rmSync(dataPath, { recursive: true, force: true });
    }
  });

  // http.md "Insert queries": a single-block insert that fails leaves nothing; the connection goes on.
  it('an INSERT failing half-way leaves no rows, and the same connection answers the next query', async () => {
    const table = `conf_ins_${uid()}`;
    expect((await post(`CREATE TABLE ${table} (a UInt32, b String) ENGINE = MergeTree ORDER BY a`)).status).toBe(200);
    const rows = Array.from({ length: 1000 }, (_, i) => (i === 600 ? 'not-a-number,x' : `${i},row${i}`)).join('\n');
    const a = await send(q(`INSERT INTO ${table} FORMAT CSV`), { method: 'POST', body: `${rows}\n` });
    expect(a.status).toBe(400);
    expect(a.headers['x-clickhouse-exception-code']).toMatch(/^(27|6|117)$/);
    const count = await send(q(`SELECT count() FROM ${table}`));
    expect(count.status).toBe(200);
    expect(count.text.trim()).toBe('0');
    await post(`DROP TABLE ${table}`);
  });
});

describe('2. server defaults, not clickhouse-local ones', () => {
  // Settings docs (operations/settings/settings.md): implicit_select default 0,
  // allow_introspection_functions 0, storage_file_read_method pread, output_format_arrow_use_native_writer 1.
  it('a bare expression is a syntax error (implicit_select = 0)', async () => {
    const a = await post('invalid');
    expect(a.status).toBe(400);
    expect(a.headers['x-clickhouse-exception-code']).toBe('62');
  });

  it("getSetting() shows the server's defaults", async () => {
    const a = await send(
      q(
        "SELECT getSetting('implicit_select'), getSetting('allow_introspection_functions'), getSetting('storage_file_read_method'), getSetting('output_format_arrow_use_native_writer') FORMAT TSV",
      ),
    );
    expect(a.text.trim()).toBe('false\tfalse\tpread\ttrue');
  });

  it('introspection functions are refused (446)', async () => {
    const a = await send(q('SELECT addressToLine(toUInt64(0))'));
    expect(a.headers['x-clickhouse-exception-code']).toBe('446');
  });

  it('a request setting still wins over the default', async () => {
    const a = await send(q("SELECT getSetting('implicit_select')", { implicit_select: '1' }));
    expect(a.text.trim()).toBe('true');
  });
});

describe('3. what the endpoint adds never shows', () => {
  // FACTS.md (measured on clickhouse-server): `SELEC 1` -> "Syntax error: failed at position 1 ('SELEC')".
  it('syntax error positions count from the start of the statement the user sent', async () => {
    const a = await post('SELEC 1');
    expect(a.status).toBe(400);
    expect(a.text).toMatch(/failed at position 1 \('?SELEC'?\)/);
    const b = await post('SELECT 1,\n  2 +');
    expect(b.text).toMatch(/failed at position 16 \(end of query\) \(line 2, col 6\)/);
  });

  it('query_log holds the statement as sent, and EXPLAIN shows nothing of the endpoint', async () => {
    const comment = `conf3_${uid()}`;
    const sql = 'SELECT 42 AS answer';
    expect((await send(q(sql, { log_comment: comment }))).status).toBe(200);
    await post('SYSTEM FLUSH LOGS');
    const a = await send(
      q(`SELECT query FROM system.query_log WHERE log_comment = {c:String} AND type = 'QueryFinish' FORMAT TSVRaw`, {
        param_c: comment,
      }),
    );
    expect(a.text.trim()).toBe(sql);
    const explain = await send(q('EXPLAIN SYNTAX SELECT 1'));
    expect(explain.text).not.toContain('kit-q');
  });
});

describe('4. GET parses first, then refuses to write', () => {
  // tests/queries/0_stateless/00305_http_and_readonly.sh; http.md: "Requests using GET are 'readonly'".
  it('a GET with a syntax error is 400 / 62; a valid write over GET is 500 / 164', async () => {
    const bad = await send(q('INSERT INTO t VALUE (1'));
    expect(bad.status).toBe(400);
    expect(bad.headers['x-clickhouse-exception-code']).toBe('62');
    const write = await send(q('CREATE TABLE conf_get_never (a UInt8) ENGINE = Memory'));
    expect(write.status).toBe(500);
    expect(write.headers['x-clickhouse-exception-code']).toBe('164');
    expect(write.text).toContain('Cannot execute query in readonly mode');
  });
});

describe('5. X-ClickHouse-Summary', () => {
  // http.md (X-ClickHouse-Summary example) and 00416_pocopatch_progress_in_http_headers (insertion stats).
  it('a SELECT fills read, result and elapsed counters', async () => {
    const a = await send(q('SELECT number FROM numbers(10)', { wait_end_of_query: '1' }));
    const s = JSON.parse(a.headers['x-clickhouse-summary']!) as Record<string, string>;
    expect(s.read_rows).toBe('10');
    expect(s.read_bytes).toBe('80');
    expect(s.total_rows_to_read).toBe('10');
    expect(s.result_rows).toBe('10');
    expect(Number(s.result_bytes)).toBeGreaterThan(0);
    expect(Number(s.elapsed_ns)).toBeGreaterThan(0);
    expect(s.written_rows).toBe('0');
  });

  it('a long result: the summary holds the progress at the first flush', async () => {
    const a = await send(q('SELECT number FROM numbers(5000000)'));
    expect(a.status).toBe(200);
    const s = JSON.parse(a.headers['x-clickhouse-summary']!) as Record<string, string>;
    expect(Number(s.read_rows)).toBeGreaterThan(0);
    expect(s.total_rows_to_read).toBe('5000000');
  });

  it('an INSERT with data reports its written rows', async () => {
    const table = `conf_sum_${uid()}`;
    await post(`CREATE TABLE ${table} (record UInt32) ENGINE = Memory`);
    const a = await send(q(`INSERT INTO ${table} FORMAT TSV`), { method: 'POST', body: '1\n2\n3\n' });
    const s = JSON.parse(a.headers['x-clickhouse-summary']!) as Record<string, string>;
    expect(s.written_rows).toBe('3');
    expect(Number(s.written_bytes)).toBeGreaterThan(0);
    await post(`DROP TABLE ${table}`);
  });

  it.skipIf(!onServer)(
    'an INSERT ... SELECT reports its written rows (embedded: chDB reports no counters for it, see README Differences)',
    async () => {
      const table = `conf_sum_${uid()}`;
      await post(`CREATE TABLE ${table} (record UInt32) ENGINE = Memory`);
      const a = await post(`INSERT INTO ${table} (record) SELECT number FROM system.numbers LIMIT 10`);
      const s = JSON.parse(a.headers['x-clickhouse-summary']!) as Record<string, string>;
      expect(s.written_rows).toBe('10');
      await post(`DROP TABLE ${table}`);
    },
  );
});

describe('6. send_progress_in_http_headers', () => {
  // tests/queries/0_stateless/00416_pocopatch_progress_in_http_headers.sh.
  const long = 'SELECT count() FROM numbers(20000000) WHERE NOT ignore(sipHash64(number))';
  it('progress headers come while the query runs, with the server fields', async () => {
    const a = await send(
      q(long, { send_progress_in_http_headers: '1', http_headers_progress_interval_ms: '100', max_threads: '1' }),
    );
    expect(a.status).toBe(200);
    const lines = a.all('x-clickhouse-progress');
    expect(lines.length).toBeGreaterThan(0);
    const first = JSON.parse(lines[0]!) as Record<string, string>;
    for (const k of ['read_rows', 'read_bytes', 'total_rows_to_read', 'written_rows', 'written_bytes', 'elapsed_ns'])
      expect(first[k], k).toMatch(/^\d+$/);
    expect(Number(first.read_rows)).toBeGreaterThan(0);
    expect(a.text.trim()).toBe('20000000');
  });

  it('is off by default', async () => {
    const a = await send(q(long, { max_threads: '1', http_headers_progress_interval_ms: '0' }));
    expect(a.all('x-clickhouse-progress')).toHaveLength(0);
  });
});

describe('7. Content-Type, X-ClickHouse-Format, X-ClickHouse-Timezone, Query-Id, Display-Name', () => {
  // tests/queries/0_stateless/00265_http_content_type_format_timezone.reference, and each format's
  // getContentType() (JSONEachRowRowOutputFormat.h: application/x-ndjson unless json array of rows).
  const cases: Array<[string, string, string]> = [
    ['SELECT 1', 'TabSeparated', 'text/tab-separated-values; charset=UTF-8'],
    ['SELECT 1 FORMAT JSON', 'JSON', 'application/json; charset=UTF-8'],
    ['SELECT 1 FORMAT JSONCompact', 'JSONCompact', 'application/json; charset=UTF-8'],
    ['SELECT 1 FORMAT Vertical', 'Vertical', 'text/plain; charset=UTF-8'],
    ['SELECT 1 FORMAT Native', 'Native', 'application/octet-stream'],
    ['SELECT 1 FORMAT RowBinary', 'RowBinary', 'application/octet-stream'],
    ['SELECT 1 FORMAT Parquet', 'Parquet', 'application/octet-stream'],
    ['SELECT 1 FORMAT JSONEachRow', 'JSONEachRow', 'application/x-ndjson; charset=UTF-8'],
    ['SELECT 1 FORMAT JSONStringsEachRow', 'JSONStringsEachRow', 'application/x-ndjson; charset=UTF-8'],
    ['SELECT 1 FORMAT CSVWithNames', 'CSVWithNames', 'text/csv; charset=UTF-8; header=present'],
    ['SELECT 1 FORMAT CSV', 'CSV', 'text/csv; charset=UTF-8; header=absent'],
    ['SELECT 1 FORMAT XML', 'XML', 'application/xml; charset=UTF-8'],
  ];
  it.each(cases)('%s', async (sql, format, type) => {
    const a = await post(sql);
    expect(a.headers['content-type']).toBe(type);
    expect(a.headers['x-clickhouse-format']).toBe(format);
  });

  it('default_format and the timezone headers', async () => {
    const a = await send(q('SELECT 1', { default_format: 'JSONCompact' }));
    expect(a.headers['x-clickhouse-format']).toBe('JSONCompact');
    const tz = await send(q('SELECT timezone()'));
    expect(tz.headers['x-clickhouse-timezone']).toBe(tz.text.trim());
    const berlin = await send(q('SELECT 1', { session_timezone: 'Europe/Berlin' }));
    expect(berlin.headers['x-clickhouse-timezone']).toBe('Europe/Berlin');
  });

  it('query id: the one asked for, or a UUID; a display name is always there', async () => {
    const mine = `conf-${uid()}`;
    expect((await send(q('SELECT 1', { query_id: mine }))).headers['x-clickhouse-query-id']).toBe(mine);
    const a = await send(q('SELECT 1'));
    expect(a.headers['x-clickhouse-query-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(a.headers['x-clickhouse-server-display-name']?.length).toBeGreaterThan(0);
  });
});

describe('8. HTTP compression both ways, errors included', () => {
  // http.md "Compression" (gzip, br, deflate, xz, zstd, lz4, bz2, snappy); src/IO/CompressionMethod.cpp
  // chooseHTTPCompressionMethod; 00302_http_compression; 00416 ("nothing in body = no gzip").
  const codecs: Record<string, { pack: (b: Buffer) => Buffer; unpack: (b: Buffer) => Buffer }> = {
    gzip: { pack: (b) => gzipSync(b), unpack: (b) => gunzipSync(b) },
    deflate: { pack: (b) => deflateSync(b), unpack: (b) => inflateSync(b) },
    br: { pack: (b) => brotliCompressSync(b), unpack: (b) => brotliDecompressSync(b) },
    zstd: { pack: (b) => zstdCompress(b), unpack: (b) => zstdDecompress(b) },
  };
  for (const [name, c] of Object.entries(codecs)) {
    it(`${name}: response, request body and error body`, async () => {
      const a = await send(q('SELECT number FROM numbers(3)', { enable_http_compression: '1' }), {
        headers: { 'Accept-Encoding': name },
      });
      expect(a.headers['content-encoding']).toBe(name);
      expect(c.unpack(a.body).toString()).toBe('0\n1\n2\n');
      const b = await send('/', {
        method: 'POST',
        body: c.pack(Buffer.from('SELECT 1 + 1')),
        headers: { 'Content-Encoding': name },
      });
      expect(b.text).toBe('2\n');
      const e = await send(q('SELECT 1 FORMAT Nope', { enable_http_compression: '1' }), {
        headers: { 'Accept-Encoding': name },
      });
      expect(e.headers['x-clickhouse-exception-code']).toBe('73');
      expect(e.headers['content-encoding']).toBe(name);
      expect(c.unpack(e.body).toString()).toMatch(/^Code: 73\. DB::Exception: Unknown format Nope/);
    });
  }

  it('zstd is preferred over br over gzip; an empty body is not compressed', async () => {
    const a = await send(q('SELECT 1', { enable_http_compression: '1' }), {
      headers: { 'Accept-Encoding': 'gzip, deflate, br, zstd' },
    });
    expect(a.headers['content-encoding']).toBe('zstd');
    const b = await send(q('SELECT 1', { enable_http_compression: '1' }), {
      headers: { 'Accept-Encoding': 'gzip, br' },
    });
    expect(b.headers['content-encoding']).toBe('br');
    const empty = await send(q('SELECT number FROM system.numbers LIMIT 0', { enable_http_compression: '1' }), {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(empty.headers['content-encoding']).toBeUndefined();
  });

  it('a compressed INSERT body', async () => {
    const table = `conf_gz_${uid()}`;
    await post(`CREATE TABLE ${table} (a UInt32) ENGINE = Memory`);
    for (const [name, c] of Object.entries(codecs)) {
      const a = await send(q(`INSERT INTO ${table} FORMAT TSV`), {
        method: 'POST',
        body: c.pack(Buffer.from('1\n2\n3\n')),
        headers: { 'Content-Encoding': name },
      });
      expect(a.status, name).toBe(200);
    }
    expect((await send(q(`SELECT count(), sum(a) FROM ${table}`))).text).toBe('12\t24\n');
    await post(`DROP TABLE ${table}`);
  });
});

describe('9. the user the client logged in as', () => {
  // Functions docs: currentUser() "Returns the name of the current user".
  it.skipIf(!onServer)(
    'currentUser() is the login (embedded: chDB always runs as `default`, see README Differences)',
    async () => {
      const a = await send(q('SELECT currentUser()'));
      expect(a.text.trim()).toBe(target.user);
    },
  );

  it('errors name the login, not the engine user', async () => {
    const session = `conf9_${uid()}`;
    await send(q('SET readonly = 1', { session_id: session }), { method: 'POST', body: '' });
    const a = await send(q('CREATE TABLE conf9_never (a UInt8) ENGINE = Memory', { session_id: session }), {
      method: 'POST',
      body: '',
    });
    expect(a.headers['x-clickhouse-exception-code']).toBe('164');
    expect(a.text).toContain(`${target.user}: Cannot execute query in readonly mode`);
    expect(a.text).not.toMatch(/\bdefault: /);
  });
});

describe('10. local files stay inside user_files_path', () => {
  // Table function file docs: "paths ... must be inside user_files_path", else PATH_ACCESS_DENIED (481).
  it('absolute paths and paths that climb out are refused with 481', async () => {
    for (const sql of [
      "SELECT * FROM file('/etc/hostname', 'LineAsString')",
      "SELECT * FROM file('../../.env', 'LineAsString')",
      "SELECT * FROM file('/etc/*', 'LineAsString')",
      "SELECT * FROM icebergLocal('/tmp/conformance-iceberg')",
      "SELECT file('/etc/hostname')",
    ]) {
      const a = await send(q(sql));
      expect(a.headers['x-clickhouse-exception-code'], sql).toBe('481');
    }
    // A server has no file: scheme in url() at all; the endpoint's engine has, and confines it (481).
    const viaUrl = await send(q("SELECT * FROM url('file:///etc/hostname', 'LineAsString')"));
    expect(viaUrl.status).not.toBe(200);
    expect(viaUrl.headers['x-clickhouse-exception-code']).toMatch(/^\d+$/);
    const write = await post("INSERT INTO FUNCTION file('/tmp/conformance-escape.csv', 'CSV', 'a UInt8') SELECT 1");
    expect(write.headers['x-clickhouse-exception-code']).toBe('481');
    const engine = await post("CREATE TABLE conf_file_engine (a String) ENGINE = File(LineAsString, '/etc/hostname')");
    expect(engine.headers['x-clickhouse-exception-code']).toBe('481');
  });

  it('relative paths are in the user-files folder, both ways', async () => {
    const name = `conformance_${uid()}.csv`;
    const w = await post(
      `INSERT INTO FUNCTION file('${name}', 'CSV', 'a UInt8, b String') SELECT number, 'x' FROM numbers(3)`,
    );
    expect(w.status).toBe(200);
    const r = await send(q(`SELECT sum(a), count() FROM file('${name}', 'CSV', 'a UInt8, b String')`));
    expect(r.text).toBe('3\t3\n');
  });

  embeddedOnly('a symlink inside the folder that leads out is refused (the test writes into the folder)', async () => {
    const dir = target.userFiles!;
    mkdirSync(dir, { recursive: true });
    const link = `conformance_link_${uid()}`;
    symlinkSync('/etc', join(dir, link));
    const a = await send(q(`SELECT * FROM file('${link}/hostname', 'LineAsString')`));
    expect(a.headers['x-clickhouse-exception-code']).toBe('481');
    rmSync(join(dir, link));
  });
});

describe('11. system.query_log', () => {
  // operations/system-tables/query_log.md; column types from src/Interpreters/QueryLog.cpp.
  const types: Record<string, string> = {
    type: "Enum8('QueryStart' = 1, 'QueryFinish' = 2, 'ExceptionBeforeStart' = 3, 'ExceptionWhileProcessing' = 4)",
    event_time: 'DateTime',
    event_time_microseconds: 'DateTime64(6)',
    query_start_time: 'DateTime',
    query_duration_ms: 'UInt64',
    query_id: 'String',
    initial_query_id: 'String',
    query: 'String',
    query_kind: 'LowCardinality(String)',
    read_rows: 'UInt64',
    read_bytes: 'UInt64',
    written_rows: 'UInt64',
    result_rows: 'UInt64',
    memory_usage: 'UInt64',
    exception_code: 'Int32',
    exception: 'String',
    user: 'LowCardinality(String)',
    log_comment: 'String',
    databases: 'Array(LowCardinality(String))',
    tables: 'Array(LowCardinality(String))',
  };
  it('has the server column names and types', async () => {
    const a = await send(
      q("SELECT name, type FROM system.columns WHERE database = 'system' AND table = 'query_log' FORMAT JSONEachRow"),
    );
    const got = Object.fromEntries(
      a.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { name: string; type: string })
        .map((r) => [r.name, r.type]),
    );
    for (const [name, type] of Object.entries(types)) expect(got[name], name).toBe(type);
  });

  it('records a query with its user, kind, tables and counters', async () => {
    const table = `conf_log_${uid()}`;
    await post(`CREATE TABLE default.${table} (a UInt32) ENGINE = MergeTree ORDER BY a`);
    await post(`INSERT INTO default.${table} SELECT number FROM numbers(5)`);
    const comment = `conf11_${uid()}`;
    const id = `conf11-${uid()}`;
    await send(q(`SELECT sum(a) FROM default.${table}`, { log_comment: comment, query_id: id }));
    await send(q('SELECT throwIf(1)', { log_comment: comment }));
    await post('SYSTEM FLUSH LOGS');
    const a = await send(
      q(
        "SELECT type, query_kind, user, query_id, initial_query_id, result_rows, exception_code, databases, tables FROM system.query_log WHERE log_comment = {c:String} AND type != 'QueryStart' ORDER BY event_time_microseconds FORMAT JSONEachRow",
        { param_c: comment },
      ),
    );
    const rows = a.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      type: 'QueryFinish',
      query_kind: 'Select',
      user: target.user,
      query_id: id,
      initial_query_id: id,
      result_rows: 1,
      exception_code: 0,
    });
    expect(rows[0]!.tables).toContain(`default.${table}`);
    expect(rows[0]!.databases).toContain('default');
    expect(rows[1]).toMatchObject({ exception_code: 395 });
    await post(`DROP TABLE default.${table}`);
  });
});

describe('12. error text said once, nothing of the internals', () => {
  // Every 0_stateless reference with an error: "Code: N. DB::Exception: <message>. (NAME) (version ...)".
  it('an unknown format', async () => {
    const a = await post('SELECT 1 FORMAT Nope');
    expect(a.status).toBe(404);
    expect(a.text).toMatch(/^Code: 73\. DB::Exception: Unknown format Nope/);
    expect(a.text.match(/DB::Exception/g)).toHaveLength(1);
    expect(a.text.match(/\(UNKNOWN_FORMAT\)/g)).toHaveLength(1);
  });

  it('a bad gzip INSERT body names no temporary file', async () => {
    const a = await send(q("INSERT INTO FUNCTION null('x UInt8') FORMAT TSV"), {
      method: 'POST',
      body: 'not gzip at all',
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(a.headers['x-clickhouse-exception-code']).toBe('354');
    expect(a.text.match(/DB::Exception/g)).toHaveLength(1);
    expect(a.text).not.toMatch(/\/tmp\/|kit-(fifo|ingest)/);
  });
});
