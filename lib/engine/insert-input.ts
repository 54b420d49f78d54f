/**
 * @file INSERT data as a file the statement reads (`FROM INFILE`). A stream goes through a named
 * pipe written while the query reads it; for formats read by seeking (Parquet, ORC, Arrow...) it
 * is spooled to a file first.
 */
import { insertInputFormat } from '../sql';
import { DataSourceError } from './errors';
import { FifoWriter, type FifoPool } from './fifo';
import { spool, type SpooledData } from './spool';
import type { EngineInput } from './types';

// Input formats the engine reads front to back: their data can flow through a pipe as it arrives.
const STREAMING_INPUT =
  /^(TabSeparated|TSV|CSV|JSONEachRow|JSONCompactEachRow|JSONStringsEachRow|JSONCompactStringsEachRow|NDJSON|JSONLines|TSKV|Values|RowBinary|Native|LineAsString|CustomSeparated|JSONAsString|JSONAsObject)/i;
// INSERT data goes into its pipe in pieces of at least this size (the pipe's own capacity).
const FEED_BATCH_BYTES = 64 * 1024;

/** Writes the data into the pipe the query reads, while the query (`run`) runs. */
export type Feed = (run: Promise<unknown>, marker: string) => Promise<void>;

export interface PreparedInput {
  file: string;
  compression: string | undefined;
  feed: Feed | undefined;
  cleanup(ok: boolean): void;
}

export interface InputHost {
  fifos: FifoPool;
  spoolDir: string;
  /** Cancels the query named by a marker. */
  kill(marker: string): Promise<void>;
}

/** Makes INSERT data readable as a file; failures of the data's source are {@link DataSourceError}s. */
export async function prepareInput(data: EngineInput, sql: string, host: InputHost): Promise<PreparedInput> {
  if ('file' in data)
    return { file: data.file, compression: data.compression, feed: undefined, cleanup: () => undefined };
  const iterator = data.stream[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await iterator.next();
  } catch (e) {
    throw new DataSourceError(e);
  }
  // An empty body is no compressed stream at all.
  const compression = first.done ? undefined : data.compression;
  const format = insertInputFormat(sql);
  const pipe = format && STREAMING_INPUT.test(format) ? await host.fifos.acquire().catch(() => undefined) : undefined;
  if (!pipe) {
    let spooled: SpooledData;
    try {
      spooled = await spool(prepend(first, iterator), '', host.spoolDir);
    } catch (e) {
      throw new DataSourceError(e);
    }
    return {
      file: spooled.file,
      compression: spooled.bytes > 0 ? compression : undefined,
      feed: undefined,
      cleanup: () => void spooled.remove(),
    };
  }
  const feed: Feed = async (run, marker) => {
    const writer = new FifoWriter(pipe);
    // Uploads often arrive in tiny pieces (one HTTP chunk per row): gathered into pipe-sized
    // writes, a million rows cost a few hundred system calls instead of a million.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<boolean> => {
      if (pendingBytes === 0) return true;
      const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      return writer.write(chunk, run);
    };
    try {
      let step = first;
      while (!step.done) {
        const value = step.value;
        pending.push(Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        pendingBytes += value.byteLength;
        if (pendingBytes >= FEED_BATCH_BYTES && !(await flush())) return;
        try {
          step = await iterator.next();
        } catch (e) {
          // Cancel before the pipe closes: end-of-data now would commit a truncated insert.
          await host.kill(marker);
          throw new DataSourceError(e);
        }
      }
      if (!(await flush())) return;
      await writer.end(run);
    } finally {
      writer.destroy();
    }
  };
  return { file: pipe, compression, feed, cleanup: () => host.fifos.release(pipe) };
}

async function* prepend(
  first: IteratorResult<Uint8Array>,
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let step = first;
  while (!step.done) {
    yield step.value;
    step = await rest.next();
  }
}
