/**
 * Writing answers the way clickhouse-server does: its headers (query id, format, time zone,
 * summary, display name, exception code and tag), its content types, optional compression,
 * backpressure, and an exception written into the body when the result had already started.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { EngineSummary } from '../engine';
import { createCompressor, type Compressor, type ResponseEncoding } from './compression';
import { inBandException } from './errors';

const EXPOSED =
  'X-ClickHouse-Query-Id,X-ClickHouse-Summary,X-ClickHouse-Server-Display-Name,X-ClickHouse-Format,X-ClickHouse-Timezone,X-ClickHouse-Exception-Code,X-ClickHouse-Exception-Tag';

// Formats whose rows are newline-delimited JSON objects (JSONEachRowRowOutputFormat and the
// formats built on it): application/x-ndjson, or application/json with output_format_json_array_of_rows=1.
const NDJSON =
  /^(jsoneachrow|jsonlines|ndjson|jsonstringseachrow|jsoneachrowwithprogress|jsonstringseachrowwithprogress|prettyjsoneachrow|prettyjsonlines|prettyndjson)$/;
const BINARY =
  /^(native|rowbinary\w*|parquet|arrow|arrowstream|orc|avro|protobuf|protobufsingle|protobuflist|capnproto|msgpack|npy|bsoneachrow|buffers|raw(blob)?)$/;

/**
 * The Content-Type clickhouse-server sends for an output format: each format's getContentType()
 * (src/Processors/Formats/Impl/*OutputFormat.h; IOutputFormat's default is text/plain), as
 * tests/queries/0_stateless/00265_http_content_type_format_timezone checks for a few of them.
 */
export function contentTypeFor(format: string, jsonArrayOfRows = false): string {
  const f = format.toLowerCase();
  if (NDJSON.test(f))
    return jsonArrayOfRows ? 'application/json; charset=UTF-8' : 'application/x-ndjson; charset=UTF-8';
  if (f.startsWith('json')) return 'application/json; charset=UTF-8';
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('csv')) return `text/csv; charset=UTF-8; header=${f.includes('withnames') ? 'present' : 'absent'}`;
  if (f === 'xml') return 'application/xml; charset=UTF-8';
  if (f === 'markdown' || f === 'md') return 'text/markdown; charset=UTF-8';
  if (f === 'prometheus') return 'text/plain; version=0.0.4; charset=UTF-8';
  if (BINARY.test(f)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

/** X-ClickHouse-Summary: the progress counters as JSON strings, as clickhouse-server sends them. */
export function summaryHeader(s: EngineSummary & { total_rows_to_read?: number }): string {
  return JSON.stringify({
    read_rows: String(s.read_rows),
    read_bytes: String(s.read_bytes),
    written_rows: String(s.written_rows),
    written_bytes: String(s.written_bytes),
    total_rows_to_read: String(s.total_rows_to_read ?? s.read_rows),
    result_rows: String(s.result_rows),
    result_bytes: String(s.result_bytes),
    elapsed_ns: String(s.elapsed_ns),
  });
}

export interface CommonHeaders {
  displayName: string;
  queryId: string | undefined;
  exceptionTag: string;
}

export function commonHeaders(h: CommonHeaders): Record<string, string> {
  const out: Record<string, string> = {
    'X-ClickHouse-Server-Display-Name': h.displayName,
    'X-ClickHouse-Exception-Tag': h.exceptionTag,
    'Access-Control-Expose-Headers': EXPOSED,
  };
  if (h.queryId) out['X-ClickHouse-Query-Id'] = h.queryId;
  return out;
}

/** Sends a whole error answer (nothing was written yet); `body` is the text, compressed when `encoding` says so. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: number,
  body: Buffer,
  headers: Record<string, string>,
  encoding?: string,
): void {
  if (res.headersSent || res.destroyed) return;
  const out: Record<string, string> = {
    ...headers,
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': String(code),
    'Content-Length': String(body.length),
  };
  if (encoding) out['Content-Encoding'] = encoding;
  res.writeHead(status, out);
  res.end(body);
}

/** Writes a result body with backpressure, optionally compressed; stops when the client is gone. */
export class ResultWriter {
  private readonly compressor: Compressor | undefined;
  private bytes = 0;

  constructor(
    private readonly res: Writable,
    encoding: ResponseEncoding | undefined,
    level: number,
  ) {
    if (encoding) {
      this.compressor = createCompressor(encoding, level);
      this.compressor.on('data', (c: Buffer) => {
        if (!this.res.write(c)) this.compressor?.pause();
      });
      this.res.on('drain', () => this.compressor?.resume());
      this.compressor.on('error', () => this.res.destroy());
    }
  }

  /** Bytes of result written (before compression). */
  get written(): number {
    return this.bytes;
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed) return;
    this.bytes += chunk.byteLength;
    const target = this.compressor ?? this.res;
    if (!target.write(chunk)) await this.drained(target);
    // Each engine block goes out now: a slow query's rows reach the client as they come.
    if (this.compressor) await new Promise<void>((r) => this.compressor!.flush(() => r()));
  }

  /** Ends the body; `exception` (a mid-stream failure) goes in as clickhouse-server writes it. */
  async end(exception?: { text: string; tag: string }): Promise<void> {
    if (this.closed) return;
    const tail = exception ? inBandException(exception.text, exception.tag) : undefined;
    if (this.compressor) {
      const done = once(this.compressor, 'end');
      this.compressor.end(tail);
      await done.catch(() => undefined);
      this.res.end();
    } else this.res.end(tail);
  }

  private async drained(target: NodeJS.WritableStream): Promise<void> {
    if (this.closed) return;
    // Whichever event comes first, both listeners go: a long result must not pile them up.
    const stop = new AbortController();
    await Promise.race([
      once(target as unknown as NodeJS.EventEmitter, 'drain', { signal: stop.signal }),
      once(this.res, 'close', { signal: stop.signal }),
    ]).catch(() => undefined);
    stop.abort();
  }
}
