/**
 * @file The run path that streams a SELECT: the engine writes the result INTO OUTFILE a named pipe
 * we read, entirely off the JavaScript thread.
 */
import { quoteString, type OutputClause } from '../sql';
import { cancelledError, EngineError, toEngineError } from './errors';
import { FifoReader } from './fifo';
import { countNewlines, countResultRows, isLineFormat, rowsFromLines } from './row-count';
import type { RunContext, RunHost } from './run-context';
import { recordSessionState } from './settings';
import { elapsedNsSince, emptySummary, wholeResult, type EngineResult, type EngineSummary } from './types';

const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
// A query that ends this soon has all its output waiting in the pipe: it is read in one go.
const QUICK_RESULT_MS = 3;

/**
 * Resolves at the first bytes (or when the query ended), so an error before any output rejects
 * here; a later one ends the chunks. A consumer that stops early kills the query.
 */
export async function runIntoPipe(ctx: RunContext, host: RunHost, pipe: string): Promise<EngineResult> {
  const { handle, text, marker, format, queryId, kind, request, started, finish } = ctx;
  const reader = new FifoReader(pipe);
  let pipeReleased = false;
  const releasePipe = (): void => {
    if (pipeReleased) return;
    pipeReleased = true;
    reader.destroy();
    host.fifos.release(pipe);
  };
  const run = host.running.track(handle.session.queryAsync(text, { format: 'TSV' }));
  const settled = run.then(
    (r) => ({ ok: true as const, r, e: undefined }),
    (e: unknown) => ({ ok: false as const, e, r: undefined }),
  );
  let cancelled = false;
  const onAbort = (): void => {
    cancelled = true;
    void host.kill(marker);
    releasePipe();
  };
  request.signal?.addEventListener('abort', onAbort, { once: true });

  // Most queries end within moments and their output fits the pipe: take it whole, as a
  // materialised result. Longer ones stream.
  let timer: NodeJS.Timeout | undefined;
  const quick = await Promise.race([
    settled.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), QUICK_RESULT_MS))),
  ]);
  clearTimeout(timer);
  if (cancelled) {
    request.signal?.removeEventListener('abort', onAbort);
    throw cancelledError(queryId, request.sql);
  }
  if (quick) {
    request.signal?.removeEventListener('abort', onAbort);
    reader.writerDone();
    const bytes = reader.readAvailable();
    releasePipe();
    const s = await settled;
    if (s.ok === false && bytes.length === 0) throw s.e;
    if (s.ok) recordSessionState(handle, request, kind);
    const summary: EngineSummary = {
      read_rows: s.ok ? s.r.rowsRead : 0,
      read_bytes: s.ok ? s.r.bytesRead : 0,
      written_rows: 0,
      written_bytes: 0,
      result_rows: countResultRows(format, bytes),
      result_bytes: bytes.byteLength,
      elapsed_ns: elapsedNsSince(started),
    };
    if (s.ok) finish(true, summary);
    else {
      const err = toEngineError(s.e, queryId, request.sql, host.secrets);
      finish(false, summary, err);
      const failed = Promise.reject(err);
      failed.catch(() => undefined);
      return {
        queryId,
        kind,
        format,
        chunks: (async function* () {
          yield bytes;
          throw err;
        })(),
        done: failed,
      };
    }
    return wholeResult(queryId, kind, format, bytes, summary);
  }

  // Once the engine is done writing, our spare writer goes too: reading then ends after the last byte.
  void settled.then(() => reader.writerDone());
  const iterator = reader.chunks();
  const first = iterator.next().catch(() => ({ done: true as const, value: undefined }));
  const firstEvent = await Promise.race([first.then(() => 'data' as const), settled.then(() => 'settled' as const)]);
  if (firstEvent === 'settled') {
    const s = await settled;
    if (s.ok === false && (await first).done) {
      request.signal?.removeEventListener('abort', onAbort);
      releasePipe();
      throw s.e;
    }
  }
  recordSessionState(handle, request, kind);
  let resolveDone!: (s: EngineSummary) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<EngineSummary>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  done.catch(() => undefined);
  const summary = emptySummary();
  const countLines = isLineFormat(format);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let ended = false;
    try {
      let step = await first;
      while (!step.done) {
        const bytes = step.value;
        summary.result_bytes += bytes.byteLength;
        if (countLines) summary.result_rows += countNewlines(bytes);
        yield bytes;
        // Once the query has ended its whole output is in the pipe: should the engine keep its end
        // open a moment, an idle second means the end rather than a wait forever.
        step = await Promise.race([
          iterator.next(),
          settled.then(() => delay(1000)).then(() => ({ done: true as const, value: undefined })),
        ]);
      }
      const s = await settled;
      if (s.ok === false) throw s.e;
      summary.read_rows = s.r.rowsRead;
      summary.read_bytes = s.r.bytesRead;
      ended = true;
    } catch (e) {
      ended = true;
      const err = cancelled
        ? cancelledError(queryId, request.sql)
        : toEngineError(e, queryId, request.sql, host.secrets);
      summary.elapsed_ns = elapsedNsSince(started);
      releasePipe();
      finish(false, summary, err);
      rejectDone(err);
      throw err;
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      if (!ended) {
        // The consumer stopped early (the client went away): the query is killed, the pipe dropped.
        void host.kill(marker);
        releasePipe();
        const err = cancelledError(queryId, request.sql);
        summary.elapsed_ns = elapsedNsSince(started);
        finish(false, summary, err);
        rejectDone(err);
      }
    }
    if (countLines) summary.result_rows = rowsFromLines(format, summary.result_rows);
    summary.elapsed_ns = elapsedNsSince(started);
    releasePipe();
    finish(true, summary);
    resolveDone(summary);
  }
  return { queryId, kind, format, chunks: chunks(), done };
}

/** The statement with `INTO OUTFILE <pipe>` before its output format, so its result streams out. */
export function intoPipe(sql: string, output: OutputClause, pipe: string, format: string): string {
  if (!FORMAT_NAME.test(format))
    throw new EngineError(`Unknown format ${JSON.stringify(format.slice(0, 40))}.`, {
      code: 73,
      type: 'UNKNOWN_FORMAT',
    });
  const tail = output.format ? sql.slice(output.insertAt) : `FORMAT ${format}`;
  return `${sql.slice(0, output.insertAt)}\nINTO OUTFILE ${quoteString(pipe)} TRUNCATE ${tail}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
