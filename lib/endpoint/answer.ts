/**
 * Sending a query's answer as clickhouse-server does: nothing leaves before the first flush of
 * a bounded response buffer (max(buffer_size | http_response_buffer_size, 1 MiB), or the whole
 * result with wait_end_of_query=1), so an error before that flush is a clean error response
 * (status, X-ClickHouse-Exception-Code, the text alone) and only a later one goes into the body
 * as the tagged exception block. With send_progress_in_http_headers=1 the status line and headers
 * go out at once and X-ClickHouse-Progress lines follow until the body starts
 * (src/Server/HTTP/WriteBufferFromHTTPServerResponse.cpp).
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { emptySummary, type EngineResult, type EngineSummary, type RunProgress } from '../engine';
import { compressWhole, type ResponseEncoding } from './compression';
import { inBandException } from './errors';
import type { ProgressHeaders } from './progress-headers';
import { ResultWriter, summaryHeader } from './response';

/** clickhouse-server's DBMS_DEFAULT_BUFFER_SIZE: the least it holds before the first flush. */
export const MIN_RESPONSE_BUFFER_BYTES = 1 << 20;

export interface AnswerOptions {
  headers: Record<string, string>;
  encoding: ResponseEncoding | undefined;
  level: number;
  /** Bytes held before the first flush (already at least {@link MIN_RESPONSE_BUFFER_BYTES}). */
  bufferBytes: number;
  /** wait_end_of_query=1: hold the whole result. */
  waitEnd: boolean;
  /** send_progress_in_http_headers=1: the progress lines, started before the query. */
  progress: ProgressHeaders | undefined;
  startedAt: number;
  /** The running query's counters, for the summary sent at the first flush of a long result. */
  progressNow?: () => Promise<RunProgress | undefined>;
  /** Turns a failure into clickhouse-server's text form and code. */
  describe: (e: unknown) => { code: number; status: number; text: string };
}

export interface AnswerOutcome {
  /** 0, or the code of a failure reported in the body (after the first flush). */
  code: number;
  resultBytes: number;
  writtenRows: number;
}

/** Thrown when the query failed before the first flush: the caller sends a whole error answer. */
export class FailedBeforeFlush extends Error {
  constructor(readonly original: unknown) {
    super('query failed before the first flush');
  }
}

/** Sends a result; a failure before the first flush rejects with {@link FailedBeforeFlush}. */
export async function sendAnswer(res: ServerResponse, result: EngineResult, o: AnswerOptions): Promise<AnswerOutcome> {
  const progress = o.progress;
  const iterator = result.chunks[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let heldBytes = 0;
  let writer: ResultWriter | undefined;
  try {
    for (;;) {
      const step = await iterator.next();
      if (step.done) break;
      const chunk = Buffer.from(step.value.buffer, step.value.byteOffset, step.value.byteLength);
      if (writer) {
        await writer.write(chunk);
        if (writer.closed) {
          await iterator.return?.(undefined);
          break;
        }
        continue;
      }
      held.push(chunk);
      heldBytes += chunk.length;
      if (!o.waitEnd && heldBytes >= o.bufferBytes) {
        // The first flush: status and headers now, with the counters known so far.
        writer = await startBody(res, o, progress, await partialSummary(o));
        for (const c of held.splice(0)) await writer.write(c);
      }
    }
  } catch (e) {
    if (!writer) {
      await progress?.stop();
      throw new FailedBeforeFlush(e);
    }
    const info = o.describe(e);
    const resultBytes = writer.written;
    await writer.end({ text: info.text, tag: o.headers['X-ClickHouse-Exception-Tag'] ?? '' });
    return { code: info.code, resultBytes, writtenRows: 0 };
  }
  let summary: EngineSummary;
  try {
    summary = await result.done;
  } catch (e) {
    if (!writer) {
      await progress?.stop();
      throw new FailedBeforeFlush(e);
    }
    const info = o.describe(e);
    await writer.end({ text: info.text, tag: o.headers['X-ClickHouse-Exception-Tag'] ?? '' });
    return { code: info.code, resultBytes: writer.written, writtenRows: 0 };
  }
  if (writer) {
    const resultBytes = writer.written;
    await writer.end();
    return { code: 0, resultBytes, writtenRows: summary.written_rows };
  }
  // The whole result was held: one answer with its final summary and length.
  await progress?.stop();
  const body = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
  const headers: Record<string, string> = { ...o.headers, 'X-ClickHouse-Summary': summaryHeader(summary) };
  // An empty body is never compressed (the server sets Content-Encoding only once bytes go out).
  const encoded = o.encoding && body.length > 0 ? await compressWhole(o.encoding, o.level, body) : body;
  if (o.encoding && body.length > 0) headers['Content-Encoding'] = o.encoding;
  if (progress?.started) progress.finish(headers, encoded);
  else {
    res.writeHead(200, { ...headers, 'Content-Length': String(encoded.length) });
    res.end(encoded);
  }
  return { code: 0, resultBytes: body.length, writtenRows: summary.written_rows };
}

async function startBody(
  res: ServerResponse,
  o: AnswerOptions,
  progress: ProgressHeaders | undefined,
  summary: EngineSummary & { total_rows_to_read?: number },
): Promise<ResultWriter> {
  const headers: Record<string, string> = { ...o.headers, 'X-ClickHouse-Summary': summaryHeader(summary) };
  if (o.encoding) headers['Content-Encoding'] = o.encoding;
  if (progress && !progress.started) await progress.stop();
  if (progress?.started) return progress.startStreaming(headers, o.encoding, o.level);
  res.writeHead(200, headers);
  return new ResultWriter(res, o.encoding, o.level);
}

/** The counters so far, as the server's summary at its first flush has them. */
async function partialSummary(o: AnswerOptions): Promise<EngineSummary & { total_rows_to_read?: number }> {
  const s = emptySummary(Math.round((performance.now() - o.startedAt) * 1e6));
  const p = await o.progressNow?.().catch(() => undefined);
  if (!p) return s;
  return {
    ...s,
    read_rows: p.read_rows,
    read_bytes: p.read_bytes,
    written_rows: p.written_rows,
    written_bytes: p.written_bytes,
    total_rows_to_read: p.total_rows_to_read,
  };
}

/** An error answer's body: the text and a newline, compressed when the request allows it. */
export async function errorBody(
  text: string,
  encoding: ResponseEncoding | undefined,
  level: number,
): Promise<{ body: Buffer; encoding: ResponseEncoding | undefined }> {
  const plain = Buffer.from(`${text}\n`);
  if (!encoding) return { body: plain, encoding: undefined };
  return { body: await compressWhole(encoding, level, plain), encoding };
}

export { inBandException };
