import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  prepareQuery,
  parseMultipart,
  type RequestBody,
  requestEncoding,
  EndpointError,
  parseQueryRequest,
  findInsertData,
  isEmptyQuery,
  maskedExcerpt,
  statementProblem,
} from '../../lib/endpoint';

const parse = (query: string, headers: Record<string, string> = {}) =>
  parseQueryRequest(new URLSearchParams(query), headers);

describe('parseQueryRequest', () => {
  it('separates reserved parameters, query parameters and settings', () => {
    const p = parse(
      'query=SELECT+1&database=db&default_format=JSON&query_id=q1&param_x=a&param_x=b&max_threads=2&user=u&password=p&enable_http_compression=1&http_zlib_compression_level=12',
    );
    expect(p).toMatchObject({
      query: 'SELECT 1',
      database: 'db',
      defaultFormat: 'JSON',
      queryId: 'q1',
      session: undefined,
      params: { x: 'a' },
    });
    expect(p.settings).toEqual({ max_threads: '2' });
    expect(p.compression).toEqual({ enabled: true, level: 9 });
  });
  it('lets headers name the database, format and query id', () => {
    const p = parse('database=url_db&query_id=from_url', {
      'x-clickhouse-database': 'hdr_db',
      'x-clickhouse-format': 'CSV',
      'x-clickhouse-query-id': 'from_header',
    });
    expect(p).toMatchObject({ database: 'hdr_db', defaultFormat: 'CSV', queryId: 'from_url' });
  });
  it('reads sessions and wait_end_of_query', () => {
    expect(
      parse('session_id=s&session_timeout=30&session_check=1&close_session=true&wait_end_of_query=1'),
    ).toMatchObject({
      session: { id: 's', timeoutSeconds: 30, check: true, close: true },
      waitEndOfQuery: true,
    });
    expect(parse('session_id=s').session?.timeoutSeconds).toBe(60);
  });
  it.each([
    ['session_id=s&session_timeout=x', 'INVALID_SESSION_TIMEOUT'],
    ['session_id=s&session_timeout=99999', 'INVALID_SESSION_TIMEOUT'],
    ['compress=1', 'NOT_IMPLEMENTED'],
    ['role=admin', 'UNKNOWN_ROLE'],
    ['bad-name=1', 'UNKNOWN_SETTING'],
  ])('refuses %s with %s', (query, type) => {
    let error: unknown;
    try {
      parse(query);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EndpointError);
    expect((error as EndpointError).type).toBe(type);
  });
});

function body(parts: Array<string | Buffer>, contentEncoding?: string, contentType?: string): RequestBody {
  return {
    stream: Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))),
    present: true,
    contentType,
    encoding: requestEncoding(contentEncoding),
  };
}
const noBody: RequestBody = {
  stream: Readable.from([]),
  present: false,
  contentType: undefined,
  encoding: requestEncoding(undefined),
};

async function text(chunks: AsyncIterable<Uint8Array> | undefined): Promise<string | undefined> {
  if (!chunks) return undefined;
  const out: Buffer[] = [];
  for await (const c of chunks) out.push(Buffer.from(c));
  return Buffer.concat(out).toString('utf8');
}

describe('prepareQuery', () => {
  it('continues the query parameter with the body', async () => {
    const q = await prepareQuery('SELECT', body([' 1', ' + 1']));
    expect(q).toEqual({ sql: 'SELECT\n 1 + 1', data: undefined, formParams: {} });
    expect(await prepareQuery('SELECT 1', noBody)).toEqual({ sql: 'SELECT 1', data: undefined, formParams: {} });
  });
  it('passes the body on as INSERT data when the query parameter ends with FORMAT', async () => {
    const gz = gzipSync('1,a\n');
    const q = await prepareQuery('INSERT INTO t FORMAT CSV', body([gz], 'gzip'));
    expect(q.sql).toBe('INSERT INTO t FORMAT CSV');
    expect(q.data?.compression).toBe('gzip');
    const bytes: Buffer[] = [];
    for await (const c of q.data!.chunks) bytes.push(Buffer.from(c));
    expect(Buffer.concat(bytes).equals(gz)).toBe(true);
  });
  it('finds inline data in a body split anywhere, and leaves it unread', async () => {
    const q = await prepareQuery(undefined, body(['INSERT INTO t (id, settings) FO', 'RMAT CSV\n1,a\n', '2,b\n']));
    expect(q.sql).toBe('INSERT INTO t (id, settings) FORMAT CSV\n');
    expect(await text(q.data?.chunks)).toBe('1,a\n2,b\n');
    const v = await prepareQuery('INSERT INTO t VALUES', body(["(1, 'x')"]));
    expect(v.sql).toBe('INSERT INTO t VALUES');
    expect(await text(v.data?.chunks)).toBe("(1, 'x')");
  });
  it('joins inline data in the query parameter with the body', async () => {
    const q = await prepareQuery('INSERT INTO t FORMAT TSV\n1', body(['2']));
    expect(q.sql).toBe('INSERT INTO t FORMAT TSV\n');
    expect(await text(q.data?.chunks)).toBe('1\n2');
  });
  it('decompresses a compressed statement body', async () => {
    expect((await prepareQuery(undefined, body([gzipSync('SELECT 42')], 'gzip'))).sql).toBe('SELECT 42');
  });
  it('reads multipart forms: query parts and param_ parts, no files', async () => {
    const form =
      '--b\r\nContent-Disposition: form-data; name="query"\r\n\r\nSELECT {x:UInt8}\r\n--b\r\nContent-Disposition: form-data; name="param_x"\r\n\r\n7\r\n--b--\r\n';
    expect(await prepareQuery(undefined, body([form], undefined, 'multipart/form-data; boundary=b'))).toEqual({
      sql: 'SELECT {x:UInt8}',
      data: undefined,
      formParams: { x: '7' },
    });
    const file = '--b\r\nContent-Disposition: form-data; name="t"; filename="t.csv"\r\n\r\n1\r\n--b--\r\n';
    await expect(prepareQuery('SELECT 1', body([file], undefined, 'multipart/form-data; boundary=b'))).rejects.toThrow(
      /External data/,
    );
    expect(parseMultipart(Buffer.from(file), 'b')).toEqual([{ name: 't', filename: 't.csv', value: Buffer.from('1') }]);
  });
});

describe('the endpoint SQL scan', () => {
  it('finds where INSERT data begins, or asks for more text', () => {
    expect(findInsertData('INSERT INTO t FORMAT CSV\n1,2', true)).toEqual({
      dataStart: 'INSERT INTO t FORMAT CSV\n'.length,
      needsMore: false,
    });
    expect(findInsertData('INSERT INTO t FORMAT CSV', false)).toEqual({ dataStart: undefined, needsMore: true });
    expect(findInsertData('INSERT INTO db.t (a) VALUES (1)', true)).toEqual({
      dataStart: 'INSERT INTO db.t (a) VALUES'.length,
      needsMore: false,
    });
    expect(findInsertData("INSERT INTO FUNCTION s3('x', 'CSV') FORMAT CSV\n", true).dataStart).toBe(
      "INSERT INTO FUNCTION s3('x', 'CSV') FORMAT CSV\n".length,
    );
    expect(findInsertData('INSERT INTO t SELECT 1', true)).toEqual({ dataStart: undefined, needsMore: false });
    expect(findInsertData('SELECT 1 FORMAT CSV', true)).toEqual({ dataStart: undefined, needsMore: false });
    expect(findInsertData('INSERT INTO t', false)).toEqual({ dataStart: undefined, needsMore: true });
  });
  it('refuses what clickhouse-server refuses', () => {
    expect(statementProblem('SELECT 1; SELECT 2')?.type).toBe('SYNTAX_ERROR');
    expect(statementProblem('SELECT 1;')).toBeUndefined();
    expect(statementProblem("SELECT 1 INTO OUTFILE 'x'")?.type).toBe('INTO_OUTFILE_NOT_ALLOWED');
    expect(statementProblem("INSERT INTO t FROM INFILE 'x'")?.type).toBe('UNKNOWN_TYPE_OF_QUERY');
    expect(statementProblem("SELECT 'a; b', 'INTO OUTFILE'")).toBeUndefined();
  });
  it('tells empty texts and masks literals for logs', () => {
    expect(isEmptyQuery(' -- nothing\n /* here */ ')).toBe(true);
    expect(isEmptyQuery('SELECT 1')).toBe(false);
    expect(maskedExcerpt("SELECT 'secret' /* c */ FROM `t\nx`")).toBe('SELECT ? FROM `t x`');
  });
});
