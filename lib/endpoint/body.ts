/**
 * Turns a request into a statement and, for INSERTs, a stream of data bytes, the way
 * clickhouse-server reads `query` parameter + body: the body continues the query text, and what
 * follows `FORMAT <name>` / `VALUES` is data. Only the statement head is ever held in memory;
 * data streams on (to a spool file), compressed bodies pass through to the engine compressed.
 */
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream';
import type { RequestEncoding } from './compression';
import { EndpointError } from './errors';
import { findInsertData } from './sql-scan';

export interface InsertData {
  chunks: AsyncIterable<Uint8Array>;
  /** ClickHouse compression method of the bytes (a compressed body passed through), if any. */
  compression: string | undefined;
}

export interface PreparedQuery {
  /** The statement, without inline INSERT data. */
  sql: string;
  data: InsertData | undefined;
  /** Query parameters sent as multipart/form-data parts. */
  formParams: Record<string, string>;
}

export interface RequestBody {
  stream: Readable;
  /** False when the request announced no body (no Content-Length > 0, not chunked). */
  present: boolean;
  contentType: string | undefined;
  encoding: RequestEncoding;
}

/** Largest statement text read into memory (INSERT data is never counted: it streams). */
export const MAX_QUERY_BYTES = 64 * 1024 * 1024;

const EMPTY: AsyncIterable<Uint8Array> = {
  [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }),
};

export async function prepareQuery(queryParam: string | undefined, body: RequestBody): Promise<PreparedQuery> {
  if (body.present && /^multipart\/form-data/i.test(body.contentType ?? '')) return fromMultipart(queryParam, body);

  if (queryParam) {
    const scan = findInsertData(queryParam, true);
    if (scan.dataStart !== undefined) {
      const head = queryParam.slice(0, scan.dataStart);
      const inline = queryParam.slice(scan.dataStart);
      if (inline.trim() === '') {
        // The usual case: INSERT ... FORMAT X in the URL, data in the body, passed on as sent.
        return {
          sql: head,
          data: {
            chunks: body.present ? body.stream : EMPTY,
            compression: body.present ? body.encoding.engineMethod : undefined,
          },
          formParams: {},
        };
      }
      const rest = body.present ? decompressed(body) : EMPTY;
      return {
        sql: head,
        data: {
          chunks: concatChunks([Buffer.from(inline, 'utf8'), ...(body.present ? [Buffer.from('\n')] : [])], rest),
          compression: undefined,
        },
        formParams: {},
      };
    }
    if (!body.present) return { sql: queryParam, data: undefined, formParams: {} };
    return readHead(Buffer.from(`${queryParam}\n`, 'utf8'), decompressed(body));
  }
  if (!body.present) return { sql: '', data: undefined, formParams: {} };
  return readHead(Buffer.alloc(0), decompressed(body));
}

/**
 * Reads the body until the statement head is known: up to the inline data of an INSERT (the
 * rest streams on), or to the end for any other statement.
 */
async function readHead(prefix: Buffer, source: AsyncIterable<Uint8Array>): Promise<PreparedQuery> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = prefix.length > 0 ? [prefix] : [];
  let size = prefix.length;
  let scannedAt = 0;
  let insertMayFollow = true;
  let final = false;
  for (;;) {
    if (insertMayFollow && size > 0 && (final || size >= Math.max(64, scannedAt * 2))) {
      const all = Buffer.concat(chunks, size);
      chunks.length = 0;
      chunks.push(all);
      scannedAt = size;
      // latin1 keeps one character per byte: offsets are byte offsets, binary data stays intact.
      const scan = findInsertData(all.toString('latin1'), final);
      if (scan.dataStart !== undefined) {
        const sql = all.subarray(0, scan.dataStart).toString('utf8');
        const rest = all.subarray(scan.dataStart);
        return {
          sql,
          data: { chunks: concatChunks(rest.length > 0 ? [rest] : [], resume(iterator)), compression: undefined },
          formParams: {},
        };
      }
      insertMayFollow = scan.needsMore;
    }
    if (final) return { sql: Buffer.concat(chunks, size).toString('utf8'), data: undefined, formParams: {} };
    const step = await iterator.next();
    if (step.done) {
      final = true;
      continue;
    }
    const chunk = Buffer.isBuffer(step.value) ? step.value : Buffer.from(step.value);
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_QUERY_BYTES) {
      throw new EndpointError(
        'QUERY_IS_TOO_LARGE',
        `The query is larger than ${MAX_QUERY_BYTES} bytes. Send large data as INSERT ... FORMAT <name> with the data in the body`,
      );
    }
  }
}

function resume(iterator: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: () => iterator };
}

async function* concatChunks(first: Buffer[], rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const b of first) yield b;
  for await (const c of rest) yield c;
}

/** The body's bytes, decompressed here when it came compressed. */
function decompressed(body: RequestBody): AsyncIterable<Uint8Array> {
  const decompressor: Transform | undefined = body.encoding.decompressor();
  if (!decompressor) return body.stream;
  // pipeline() carries a client abort into the decompressor, so readers never hang.
  pipeline(body.stream, decompressor, () => undefined);
  return wrapDecompressionErrors(decompressor);
}

async function* wrapDecompressionErrors(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for await (const c of source) yield c;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code.startsWith('ERR_BROTLI') || code === 'ERR__ERROR_FORMAT_PADDING_1') {
      throw new EndpointError('ZLIB_INFLATE_FAILED', `Cannot decompress the request body: ${(e as Error).message}`);
    }
    throw e;
  }
}

async function readAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of source) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c);
    size += b.length;
    if (size > MAX_QUERY_BYTES)
      throw new EndpointError('QUERY_IS_TOO_LARGE', `The multipart request is larger than ${MAX_QUERY_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks, size);
}

/**
 * multipart/form-data: the form's `query` continues the URL's and its `param_<name>` parts are
 * query parameters (what @clickhouse/client sends with use_multipart_params). File parts are
 * external tables, which the local endpoint does not support.
 */
async function fromMultipart(queryParam: string | undefined, body: RequestBody): Promise<PreparedQuery> {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(body.contentType ?? '');
  if (!boundary) throw new EndpointError('SYNTAX_ERROR', 'multipart/form-data without a boundary');
  const parts = parseMultipart(await readAll(decompressed(body)), boundary[1] ?? boundary[2]!);
  let query = queryParam ?? '';
  const formParams: Record<string, string> = {};
  for (const part of parts) {
    if (part.filename !== undefined) {
      throw new EndpointError(
        'NOT_IMPLEMENTED',
        'External data (multipart/form-data file parts) is not supported by the local endpoint: insert the data into a temporary table first',
      );
    }
    if (part.name === 'query') query += part.value.toString('utf8');
    else if (part.name.startsWith('param_')) {
      const name = part.name.slice('param_'.length);
      if (!(name in formParams)) formParams[name] = part.value.toString('utf8');
    }
  }
  const scan = findInsertData(query, true);
  if (scan.dataStart === undefined) return { sql: query, data: undefined, formParams };
  const inline = Buffer.from(query.slice(scan.dataStart), 'utf8');
  return {
    sql: query.slice(0, scan.dataStart),
    data: { chunks: concatChunks([inline], EMPTY), compression: undefined },
    formParams,
  };
}

interface FormPart {
  name: string;
  filename: string | undefined;
  value: Buffer;
}

export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    let start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body[start] === 13 && body[start + 1] === 10) start += 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    let end = next;
    if (body[end - 2] === 13 && body[end - 1] === 10) end -= 2;
    const part = body.subarray(start, end);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
      if (name !== undefined) parts.push({ name, filename, value: part.subarray(headerEnd + 4) });
    }
    at = next;
  }
  return parts;
}
