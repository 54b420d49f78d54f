/** @file The run path that returns a whole result: the query runs, its output comes back in one piece. */
import type { ChdbResult } from 'chdb';
import { DataSourceError } from './errors';
import type { Feed } from './insert-input';
import { countResultRows } from './row-count';
import type { RunContext, RunHost } from './run-context';
import { changedSettings, recordSessionState } from './settings';
import { wholeResult, type EngineResult, type EngineSummary } from './types';
import type { QueryKind } from '../sql';

const RESULT_KINDS = new Set<QueryKind>(['Select', 'Show', 'Describe', 'Exists', 'Explain']);

export async function runMaterialised(ctx: RunContext, host: RunHost, feed?: Feed): Promise<EngineResult> {
  const { handle, text, marker, format, queryId, kind, request, started, finish } = ctx;
  const onAbort = (): void => void host.kill(marker);
  request.signal?.addEventListener('abort', onAbort, { once: true });
  let result: ChdbResult;
  try {
    const run = host.running.track(handle.session.queryAsync(text, { format }));
    if (feed) {
      const [ran, fed] = await Promise.allSettled([run, feed(run, marker)]);
      if (fed.status === 'rejected' && fed.reason instanceof DataSourceError) throw fed.reason;
      if (ran.status === 'rejected') throw ran.reason;
      if (fed.status === 'rejected') throw fed.reason;
      result = ran.value;
    } else result = await run;
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
  }
  recordSessionState(handle, request, kind);
  if (request.session && kind === 'Set') handle.baseline = await changedSettings(handle, host.runOn);
  const bytes = result.bytes();
  const isWrite = kind === 'Insert';
  const summary: EngineSummary = {
    read_rows: result.rowsRead,
    read_bytes: result.bytesRead,
    written_rows: isWrite ? result.rowsRead : 0,
    written_bytes: isWrite ? result.bytesRead : 0,
    result_rows: RESULT_KINDS.has(kind) ? countResultRows(format, bytes) : 0,
    result_bytes: bytes.byteLength,
    elapsed_ns: Math.round((result.elapsed || (Date.now() - started) / 1000) * 1e9),
  };
  finish(true, summary);
  return wholeResult(queryId, kind, format, bytes, summary);
}
