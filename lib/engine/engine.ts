import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { drainPending, Session } from 'chdb';
import type { ChdbResult } from 'chdb';
import { scrubSecrets } from '../config/secret';
import { parseClickHouseErrorText, WarehouseError, WarehouseLockedError } from '../clickhouse/errors';
import { queryKind, quoteString, type QueryKind } from '../clickhouse/sql';
import { FifoPool, FifoReader, FifoWriter } from './fifo';
import { isReachableSync, tablesNeedingS3 } from './s3-dependency';
import { claimDataFolder, readDataFolderOwner, releaseDataFolder } from './lock';
import { KIT_DATABASE, microsTimestamp, QUERY_LOG_DDL, secondsTimestamp, type QueryLogEntry } from './query-log';
import { spool, type SpooledData } from './spool';
import { SYSTEM_QUERY_LOG_VIEW } from './system-query-log';
import { withServerDefaults } from './server-defaults';
import { outputClause } from './sql-lexer';
import { MARKER_SHIFT, readProgress, runMarker, userPositions, type RunProgress } from './progress';
import { checkSettingName, inlineLogComment, insertFromFile, paramStatements, settingLiteral, trailingFormat, trimStatement, useStatement, type SettingValue } from './statement';

export interface EngineOptions {
  /** Data folder (absolute). One process per folder. */
  dataPath: string;
  /** ClickHouse XML config file (absolute) loaded when the engine starts. */
  configFile?: string | undefined;
  /** Database created at start (the kit's warehouse database). */
  database?: string | undefined;
  /** Environment the engine's config needs (`from_env` variables); set before the engine starts. */
  environment?: Readonly<Record<string, string>> | undefined;
  /** Sessions that run sessionless queries side by side (default 4). */
  poolSize?: number;
  /** Values scrubbed from the query log (passwords, keys). */
  secrets?: ReadonlyArray<string>;
  /** Where INSERT data streams are spooled when their format must be read from a file (default: the OS temp folder). */
  spoolDir?: string | undefined;
  /** The S3 server the engine's tables may need; checked before start when such tables exist. */
  s3Endpoint?: string | undefined;
}

export interface EngineRequest {
  sql: string;
  /** Query parameters in the text form of the HTTP interface (`param_x=...`). */
  params?: Readonly<Record<string, string>>;
  /** Settings for this query only (sessionless) or for the session from now on (named session). */
  settings?: Readonly<Record<string, SettingValue>>;
  database?: string | undefined;
  queryId?: string | undefined;
  user?: string | undefined;
  /** Format used when the SQL has no FORMAT clause (HTTP `default_format`; default TabSeparated). */
  defaultFormat?: string | undefined;
  /** Named session (HTTP `session_id`): its own settings, temporary tables and current database. */
  session?: EngineSession | undefined;
  /**
   * INSERT data for `INSERT ... FORMAT x`: a file, or a stream of bytes the engine reads while it
   * arrives (through a named pipe; formats read by seeking, such as Parquet, are spooled to a file
   * first). `compression` is the ClickHouse method of the bytes (gzip, deflate, br, zstd, ...).
   */
  data?: { file: string; compression?: string | undefined } | { stream: AsyncIterable<Uint8Array>; compression?: string | undefined } | undefined;
  /** Stream SELECT results chunk by chunk instead of materialising them. */
  stream?: boolean;
  signal?: AbortSignal | undefined;
  interface?: 'embedded' | 'http';
  userAgent?: string | undefined;
  /** Names this run in system.processes (a UUID): {@link EmbeddedEngine.progress} reads it. */
  runId?: string | undefined;
}

export interface EngineSummary {
  read_rows: number;
  read_bytes: number;
  written_rows: number;
  written_bytes: number;
  result_rows: number;
  result_bytes: number;
  elapsed_ns: number;
}

export interface EngineResult {
  queryId: string;
  kind: QueryKind;
  /** Output format (explicit FORMAT clause, else the default format). */
  format: string;
  /** The result bytes; iterate once. Errors after the first chunk surface here. */
  chunks: AsyncIterable<Uint8Array>;
  /** Settles when the result has been consumed (or failed / was cancelled). */
  done: Promise<EngineSummary>;
}

/** A failure inside the engine, with ClickHouse's code and name. */
export class EngineError extends WarehouseError {
  override readonly name = 'EngineError';
}

interface Handle {
  id: number;
  session: Session;
  /** Settings this engine set on the Session for the current query (name -> SQL literal). */
  applied: Map<string, string>;
  /** Named sessions: values their own `SET` statements left (name -> SQL literal); others are DEFAULT. */
  baseline: Map<string, string>;
  database: string | undefined;
  busy: boolean;
  /** A named session's settings being put back after a failure; its next query waits for it. */
  settling: Promise<void> | undefined;
}

/** A named session: one chDB Session used by one query at a time. */
export class EngineSession {
  lastUsed = Date.now();
  constructor(
    readonly id: string,
    readonly timeoutSeconds: number,
    /** @internal */ readonly handle: Handle,
  ) {}
  get busy(): boolean {
    return this.handle.busy;
  }
}

const RESULT_KINDS = new Set<QueryKind>(['Select', 'Show', 'Describe', 'Exists', 'Explain']);
// Results stream through INTO OUTFILE, which only SELECTs take.
const STREAMABLE_KINDS = new Set<QueryKind>(['Select']);
// Input formats the engine reads front to back: their data can flow through a pipe as it arrives.
const STREAMING_INPUT = /^(TabSeparated|TSV|CSV|JSONEachRow|JSONCompactEachRow|JSONStringsEachRow|JSONCompactStringsEachRow|NDJSON|JSONLines|TSKV|Values|RowBinary|Native|LineAsString|CustomSeparated|JSONAsString|JSONAsObject)/i;
const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
// A query that ends this soon has all its output waiting in the pipe: it is read in one go.
const QUICK_RESULT_MS = 3;
// INSERT data goes into its pipe in pieces of at least this size (the pipe's own capacity).
const FEED_BATCH_BYTES = 64 * 1024;

/** A failure of the INSERT data's source (the client's upload); rethrown as is, not as an engine error. */
class DataSourceError extends Error {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** One statement on its way through the engine: what both run paths need. */
interface RunContext {
  handle: Handle;
  /** The statements run before the query (USE, SET) and the query, as one text. */
  text: string;
  /** The leading comment that names this run in system.processes (for KILL QUERY). */
  marker: string;
  format: string;
  queryId: string;
  kind: QueryKind;
  request: EngineRequest;
  started: number;
  /** Records the query once, and gives the Session back (or settles a named one). */
  finish: (ok: boolean, s: EngineSummary, e?: EngineError) => void;
}

interface PreparedData {
  file: string;
  compression: string | undefined;
  /** Writes the data into the pipe the query reads, while the query runs. */
  feed: ((run: Promise<unknown>, marker: string) => Promise<void>) | undefined;
  cleanup(ok: boolean): void;
}
const LOG_FLUSH_MS = 1000;

/**
 * The embedded ClickHouse engine of one data folder, shared by everything in this process:
 * the in-process client connection and the local HTTP endpoint both run their queries here.
 *
 * - Sessionless queries run on a small pool of chDB Sessions (they run concurrently); a query's
 *   settings are applied to the Session it gets and reverted before the next query, so they
 *   never leak (chDB otherwise keeps every SET).
 * - Parameters travel as `SET param_x = '...'`, the engine's own binding, with the HTTP text
 *   form of values; nothing is interpolated into the statement.
 * - Every query is written to `_kit.query_log` (see query-log.ts).
 */
export class EmbeddedEngine {
  private static readonly open = new Map<string, { engine: EmbeddedEngine; refs: number }>();

  /** The engine of a data folder, opened on first use and shared within the process. */
  static acquire(options: EngineOptions): EmbeddedEngine {
    const existing = EmbeddedEngine.open.get(options.dataPath);
    if (existing) {
      existing.refs++;
      return existing.engine;
    }
    const engine = new EmbeddedEngine(options);
    EmbeddedEngine.open.set(options.dataPath, { engine, refs: 1 });
    return engine;
  }

  readonly dataPath: string;
  private readonly anchor: Session;
  private readonly pool: Handle[] = [];
  private readonly waiters: Array<(h: Handle) => void> = [];
  private readonly sessions = new Map<string, EngineSession>();
  private readonly poolSize: number;
  private readonly secrets: ReadonlyArray<string>;
  private nextHandleId = 1;
  private logBuffer: QueryLogEntry[] = [];
  private logTimer: NodeJS.Timeout | undefined;
  private logFlushing: Promise<void> = Promise.resolve();
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly running = new Set<Promise<unknown>>();
  private versionText: string | undefined;
  private readonly spoolDir: string;
  private readonly fifos = new FifoPool();

  private constructor(options: EngineOptions) {
    this.dataPath = options.dataPath;
    this.poolSize = Math.max(1, options.poolSize ?? 4);
    this.secrets = options.secrets ?? [];
    this.spoolDir = options.spoolDir ?? tmpdir();
    claimDataFolder(this.dataPath);
    try {
      if (options.s3Endpoint) assertS3ReachableFor(options.dataPath, options.s3Endpoint);
    } catch (e) {
      releaseDataFolder(this.dataPath);
      throw e;
    }
    for (const [k, v] of Object.entries(options.environment ?? {})) process.env[k] = v;
    try {
      // The first Session on a path starts the engine with its arguments; later ones share it.
      const args = options.configFile ? [`--config-file=${options.configFile}`] : [];
      this.anchor = new Session(this.dataPath, { connectionArgs: args });
    } catch (e) {
      releaseDataFolder(this.dataPath);
      const msg = e instanceof Error ? e.message : String(e);
      if (/Failed to create connection|lock|already/i.test(msg)) {
        const owner = readDataFolderOwner(this.dataPath);
        throw new WarehouseLockedError(this.dataPath, owner?.pid, owner?.url);
      }
      throw new EngineError(`Could not start the embedded ClickHouse engine on ${this.dataPath}: ${msg}`, { cause: e, type: 'ENGINE_START_FAILED' });
    }
    const setup = [`CREATE DATABASE IF NOT EXISTS ${KIT_DATABASE}`, QUERY_LOG_DDL, SYSTEM_QUERY_LOG_VIEW];
    if (options.database) setup.push(`CREATE DATABASE IF NOT EXISTS ${useStatement(options.database).slice(4)}`);
    for (const sql of setup) this.anchor.query(sql, 'TSV');
    this.sweepTimer = setInterval(() => this.expireSessions(), 5000);
    this.sweepTimer.unref();
  }

  /** Releases this user's reference; the last one flushes the log and stops the engine. */
  async release(): Promise<void> {
    const entry = EmbeddedEngine.open.get(this.dataPath);
    if (entry && entry.engine === this && --entry.refs > 0) return;
    EmbeddedEngine.open.delete(this.dataPath);
    await this.shutdown();
  }

  version(): string {
    this.versionText ??= this.anchor.query('SELECT version()', 'TSV').trim();
    return this.versionText;
  }

  /** Opens (or finds) a named session. `create: false` returns undefined for an unknown id. */
  session(id: string, options: { create: boolean; timeoutSeconds?: number }): EngineSession | undefined {
    const found = this.sessions.get(id);
    if (found) {
      found.lastUsed = Date.now();
      return found;
    }
    if (!options.create) return undefined;
    const s = new EngineSession(id, options.timeoutSeconds ?? 60, this.newHandle());
    this.sessions.set(id, s);
    return s;
  }

  closeSession(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    if (!s.busy) s.handle.session.close();
  }

  /**
   * Runs one statement. Resolves once the statement has started (for streamed results, once the
   * first chunk is there), so errors before any output reject here, as clickhouse-server answers
   * them with an error status.
   */
  async execute(request: EngineRequest): Promise<EngineResult> {
    if (this.closed) throw new EngineError('The embedded engine is closed.', { type: 'ENGINE_CLOSED' });
    const queryId = request.queryId || randomUUID();
    const started = Date.now();
    const sql = trimStatement(request.sql);
    const kind = queryKind(sql);
    const output = request.stream === true && STREAMABLE_KINDS.has(kind) ? outputClause(sql) : undefined;
    const format = output?.format ?? trailingFormat(sql) ?? request.defaultFormat ?? 'TabSeparated';
    const logBase = { request, queryId, started, kind, sql };

    if (/^\s*SYSTEM\s+FLUSH\s+LOGS\b/i.test(sql)) await this.flushLog();

    // Data and the result pipe are set up before a Session is taken: an upload may take a while.
    let data: PreparedData | undefined;
    try {
      data = request.data ? await this.prepareData(request.data, sql) : undefined;
    } catch (e) {
      throw this.sourceFailure(e, logBase);
    }
    const pipe = output ? await this.fifos.acquire().catch(() => undefined) : undefined;

    let handle: Handle;
    try {
      handle = request.session ? await this.lockSession(request.session) : await this.takeHandle();
    } catch (e) {
      data?.cleanup(false);
      if (pipe) this.fifos.release(pipe);
      if (e instanceof EngineError) this.recordQuery(logBase, emptySummary(), e);
      throw e;
    }
    // A sessionless SET or USE changes the pooled Session for good, and bound parameters cannot be
    // unset (a later query would silently see them): such a Session is replaced afterwards.
    const changesState = kind === 'Set' || kind === 'Use' || Object.keys(request.params ?? {}).length > 0;
    const touched = new Set([...handle.applied.keys(), ...Object.keys(request.settings ?? {})]);
    let finished = false;
    const finish = (ok: boolean, summary: EngineSummary, error?: EngineError): void => {
      if (finished) return;
      finished = true;
      this.recordQuery(logBase, summary, error);
      const session = request.session;
      if (session) {
        const release = (): void => {
          handle.busy = false;
          session.lastUsed = Date.now();
          if (!this.sessions.has(session.id)) handle.session.close();
        };
        // After a failure the per-query settings may be half applied: put the session back as its own SETs left it.
        if (ok) release();
        else {
          handle.settling = this.resetSessionState(handle, touched).finally(() => {
            handle.settling = undefined;
            release();
          });
        }
      } else this.giveBack(handle, ok && !changesState);
    };

    if (request.signal?.aborted) {
      const err = new EngineError('Query was cancelled before it started: the client went away.', { code: 394, type: 'QUERY_WAS_CANCELLED', queryId, sql });
      finish(true, emptySummary(), err);
      data?.cleanup(false);
      if (pipe) this.fifos.release(pipe);
      throw err;
    }

    let statement: string;
    let prefix: string[];
    // A unique leading comment names this run in system.processes, so a cancel kills exactly it.
    const marker = runMarker(request.runId ?? randomUUID());
    try {
      let body = sql;
      if (data) body = insertFromFile(sql, data.file, data.compression);
      else if (output && pipe) body = intoPipe(sql, output, pipe, format);
      statement = `${marker} ${body}`;
      prefix = this.prefixFor(handle, request, kind);
    } catch (e) {
      const err = e instanceof EngineError ? e : new EngineError(e instanceof Error ? e.message : String(e), { code: 62, type: 'SYNTAX_ERROR', queryId, sql, cause: e });
      finish(true, emptySummary(), err);
      data?.cleanup(false);
      if (pipe) this.fifos.release(pipe);
      throw err;
    }

    try {
      const ctx: RunContext = { handle, text: [...prefix, statement].join(';\n'), marker, format, queryId, kind, request, started, finish };
      if (output && pipe) return await this.runIntoPipe(ctx, pipe);
      const result = await this.runMaterialised(ctx, data?.feed);
      data?.cleanup(true);
      return result;
    } catch (e) {
      data?.cleanup(false);
      if (e instanceof DataSourceError) {
        finish(false, { ...emptySummary(), elapsed_ns: (Date.now() - started) * 1e6 }, new EngineError(`The INSERT data could not be read: ${e.message}`, { queryId, sql }));
        throw e.original;
      }
      const err = this.toEngineError(e, queryId, sql);
      finish(false, { ...emptySummary(), elapsed_ns: (Date.now() - started) * 1e6 }, err);
      throw err;
    }
  }

  /** Progress of a running query started with `runId` (undefined when it is not running). */
  progress(runId: string): Promise<RunProgress | undefined> {
    return readProgress(this.anchor, runId);
  }

  /** Writes buffered query-log entries now (also done every second and on SYSTEM FLUSH LOGS). */
  async flushLog(): Promise<void> {
    const next = this.logFlushing.then(() => this.writeLog());
    this.logFlushing = next.catch(() => undefined);
    return next;
  }

  /**
   * INSERT data as a file the statement reads. A stream goes through a named pipe, written while
   * the query reads it; for formats read by seeking (Parquet, ORC, Arrow...) it is spooled first.
   */
  private async prepareData(data: NonNullable<EngineRequest['data']>, sql: string): Promise<PreparedData> {
    if ('file' in data) return { file: data.file, compression: data.compression, feed: undefined, cleanup: () => undefined };
    const iterator = data.stream[Symbol.asyncIterator]();
    let first: IteratorResult<Uint8Array>;
    try {
      first = await iterator.next();
    } catch (e) {
      throw new DataSourceError(e);
    }
    // An empty body is no compressed stream at all.
    const compression = first.done ? undefined : data.compression;
    const format = trailingFormat(sql) ?? (/\bVALUES\s*$/i.test(sql) ? 'Values' : undefined);
    const pipe = format && STREAMING_INPUT.test(format) ? await this.fifos.acquire().catch(() => undefined) : undefined;
    if (!pipe) {
      let spooled: SpooledData;
      try {
        spooled = await spool(prepend(first, iterator), '', this.spoolDir);
      } catch (e) {
        throw new DataSourceError(e);
      }
      return { file: spooled.file, compression: spooled.bytes > 0 ? compression : undefined, feed: undefined, cleanup: () => void spooled.remove() };
    }
    const writer = new FifoWriter(pipe);
    const feed = async (run: Promise<unknown>, marker: string): Promise<void> => {
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
            await this.killByMarker(marker);
            throw new DataSourceError(e);
          }
        }
        if (!(await flush())) return;
        await writer.end(run);
      } finally {
        writer.destroy();
      }
    };
    return { file: pipe, compression, feed, cleanup: () => this.fifos.release(pipe) };
  }

  private sourceFailure(e: unknown, base: { request: EngineRequest; queryId: string; started: number; kind: QueryKind; sql: string }): unknown {
    const original = e instanceof DataSourceError ? e.original : e;
    const message = original instanceof Error ? original.message : String(original);
    this.recordQuery(base, { ...emptySummary(), elapsed_ns: (Date.now() - base.started) * 1e6 }, new EngineError(`The INSERT data could not be read: ${message}`, { queryId: base.queryId, sql: base.sql }));
    return original;
  }

  private async runMaterialised(ctx: RunContext, feed?: (run: Promise<unknown>, marker: string) => Promise<void>): Promise<EngineResult> {
    const { handle, text, marker, format, queryId, kind, request, started, finish } = ctx;
    const onAbort = (): void => void this.killByMarker(marker);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let result: ChdbResult;
    try {
      const run = handle.session.queryAsync(text, { format });
      this.track(run);
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
    this.afterSuccess(handle, request, kind);
    if (request.session && kind === 'Set') handle.baseline = await this.changedSettings(handle);
    const bytes = result.bytes();
    const isWrite = kind === 'Insert';
    const summary: EngineSummary = {
      read_rows: result.rowsRead,
      read_bytes: result.bytesRead,
      written_rows: isWrite ? result.rowsRead : 0,
      written_bytes: isWrite ? result.bytesRead : 0,
      result_rows: RESULT_KINDS.has(kind) ? countRows(format, bytes) : 0,
      result_bytes: bytes.byteLength,
      elapsed_ns: Math.round((result.elapsed || (Date.now() - started) / 1000) * 1e9),
    };
    finish(true, summary);
    return wholeResult(queryId, kind, format, bytes, summary);
  }

  /**
   * Streams a SELECT: the engine writes the result INTO OUTFILE a named pipe we read, entirely off
   * the JavaScript thread. Resolves at the first bytes (or when the query ended), so an error
   * before any output rejects here; a later one ends the chunks.
   */
  private async runIntoPipe(ctx: RunContext, pipe: string): Promise<EngineResult> {
    const { handle, text, marker, format, queryId, kind, request, started, finish } = ctx;
    const reader = new FifoReader(pipe);
    let pipeReleased = false;
    const releasePipe = (): void => {
      if (pipeReleased) return;
      pipeReleased = true;
      reader.destroy();
      this.fifos.release(pipe);
    };
    const run = handle.session.queryAsync(text, { format: 'TSV' });
    this.track(run);
    const settled = run.then(
      (r) => ({ ok: true as const, r, e: undefined }),
      (e: unknown) => ({ ok: false as const, e, r: undefined }),
    );
    let cancelled = false;
    const onAbort = (): void => {
      cancelled = true;
      void this.killByMarker(marker);
      releasePipe();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });

    // Most queries end within moments and their output fits the pipe: take it whole, as a
    // materialised result. Longer ones stream.
    let timer: NodeJS.Timeout | undefined;
    const quick = await Promise.race([settled.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), QUICK_RESULT_MS)))]);
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
      if (s.ok) this.afterSuccess(handle, request, kind);
      const summary: EngineSummary = {
        read_rows: s.ok ? s.r.rowsRead : 0,
        read_bytes: s.ok ? s.r.bytesRead : 0,
        written_rows: 0,
        written_bytes: 0,
        result_rows: countRows(format, bytes),
        result_bytes: bytes.byteLength,
        elapsed_ns: (Date.now() - started) * 1e6,
      };
      if (s.ok) finish(true, summary);
      else {
        const err = this.toEngineError(s.e, queryId, request.sql);
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
    this.afterSuccess(handle, request, kind);
    let resolveDone!: (s: EngineSummary) => void;
    let rejectDone!: (e: unknown) => void;
    const done = new Promise<EngineSummary>((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    done.catch(() => undefined);
    const summary = emptySummary();
    const countLines = isLineFormat(format);
    const self = this;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      let ended = false;
      try {
        let step = await first;
        while (!step.done) {
          const bytes = step.value as Buffer;
          summary.result_bytes += bytes.byteLength;
          if (countLines) summary.result_rows += countNewlines(bytes);
          yield bytes;
          // Once the query has ended its whole output is in the pipe: should the engine keep its end
          // open a moment, an idle second means the end rather than a wait forever.
          step = await Promise.race([iterator.next(), settled.then(() => delay(1000)).then(() => ({ done: true as const, value: undefined }))]);
        }
        const s = await settled;
        if (s.ok === false) throw s.e;
        summary.read_rows = s.r.rowsRead;
        summary.read_bytes = s.r.bytesRead;
        ended = true;
      } catch (e) {
        ended = true;
        const err = cancelled ? cancelledError(queryId, request.sql) : self.toEngineError(e, queryId, request.sql);
        summary.elapsed_ns = (Date.now() - started) * 1e6;
        releasePipe();
        finish(false, summary, err);
        rejectDone(err);
        throw err;
      } finally {
        request.signal?.removeEventListener('abort', onAbort);
        if (!ended) {
          // The consumer stopped early (the client went away): the query is killed, the pipe dropped.
          void self.killByMarker(marker);
          releasePipe();
          const err = cancelledError(queryId, request.sql);
          summary.elapsed_ns = (Date.now() - started) * 1e6;
          finish(false, summary, err);
          rejectDone(err);
        }
      }
      const header = Object.keys(HEADER_LINES).find((h) => format.endsWith(h));
      if (countLines && header) summary.result_rows = Math.max(0, summary.result_rows - HEADER_LINES[header]!);
      summary.elapsed_ns = (Date.now() - started) * 1e6;
      releasePipe();
      finish(true, summary);
      resolveDone(summary);
    }
    return { queryId, kind, format, chunks: chunks(), done };
  }

  /**
   * Statements run before the query on its Session: the database, this query's settings, and
   * the settings of the previous query reverted (to DEFAULT, or in a named session to what its
   * own SET statements left), so per-query settings never leak, as on clickhouse-server.
   */
  private prefixFor(handle: Handle, request: EngineRequest, kind: QueryKind): string[] {
    const out: string[] = [];
    if (request.database && handle.database !== request.database) out.push(useStatement(request.database));
    // A session's own SET runs on its clean state, so what it sets becomes the new baseline.
    const wanted = request.session && kind === 'Set' ? new Map<string, string>() : wantedSettings(request);
    for (const [k, lit] of wanted) if (handle.applied.get(k) !== lit) out.push(`SET ${k} = ${lit}`);
    for (const k of handle.applied.keys()) if (!wanted.has(k)) out.push(`SET ${k} = ${handle.baseline.get(k) ?? 'DEFAULT'}`);
    if (request.params) out.push(...paramStatements(request.params));
    return out;
  }

  private afterSuccess(handle: Handle, request: EngineRequest, kind: QueryKind): void {
    if (request.database) handle.database = request.database;
    // After `USE x` the Session's database is no longer the one recorded.
    if (kind === 'Use') handle.database = undefined;
    handle.applied = request.session && kind === 'Set' ? new Map() : wantedSettings(request);
  }

  /** The settings a Session has changed (its own SETs, the engine profile), as SQL literals. */
  private async changedSettings(handle: Handle): Promise<Map<string, string>> {
    const run = handle.session.queryAsync('SELECT name, value FROM system.settings WHERE changed', { format: 'JSONEachRow' });
    this.track(run);
    const text = (await run).text();
    const out = new Map<string, string>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      const row = JSON.parse(line) as { name: string; value: string };
      out.set(row.name, quoteString(row.value));
    }
    return out;
  }

  /** Puts a named session's settings back to its baseline after a failed query, one by one. */
  private async resetSessionState(handle: Handle, names: ReadonlySet<string>): Promise<void> {
    for (const k of names) {
      try {
        checkSettingName(k);
        const run = handle.session.queryAsync(`SET ${k} = ${handle.baseline.get(k) ?? 'DEFAULT'}`, { format: 'TSV' });
        this.track(run);
        await run;
      } catch {
        /* an unknown setting name never got set */
      }
    }
    handle.applied = new Map();
    handle.database = undefined;
  }

  private async lockSession(s: EngineSession): Promise<Handle> {
    while (s.handle.settling) await s.handle.settling;
    if (s.handle.busy) {
      throw new EngineError(`Session ${s.id} is locked by a concurrent client: one query at a time per session_id.`, { code: 373, type: 'SESSION_IS_LOCKED' });
    }
    s.handle.busy = true;
    s.lastUsed = Date.now();
    return s.handle;
  }

  private newHandle(): Handle {
    return { id: this.nextHandleId++, session: withServerDefaults(new Session(this.dataPath)), applied: new Map(), baseline: new Map(), database: undefined, busy: false, settling: undefined };
  }

  private async takeHandle(): Promise<Handle> {
    const free = this.pool.find((h) => !h.busy);
    if (free) {
      free.busy = true;
      return free;
    }
    if (this.pool.length < this.poolSize) {
      const h = this.newHandle();
      h.busy = true;
      this.pool.push(h);
      return h;
    }
    return new Promise<Handle>((resolve) => this.waiters.push(resolve));
  }

  /** Returns a pooled handle; one whose state is uncertain after a failure is replaced. */
  private giveBack(handle: Handle, ok: boolean): void {
    let h = handle;
    if (!ok) {
      const i = this.pool.indexOf(handle);
      try {
        handle.session.close();
      } catch {
        /* already gone */
      }
      h = this.newHandle();
      if (i >= 0) this.pool[i] = h;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      h.busy = true;
      waiter(h);
    } else h.busy = false;
  }

  private async killByMarker(marker: string): Promise<void> {
    try {
      // The marker may follow the statements run before the query (USE, SET) in the same text.
      const text = `SET param_kit_q = ${quoteString(marker)};\nKILL QUERY WHERE position(query, {kit_q:String}) > 0 ASYNC`;
      await this.anchorQuery(text);
    } catch {
      /* best effort: the query may have finished */
    }
  }

  private anchorQuery(sql: string): Promise<unknown> {
    const run = this.anchor.queryAsync(sql, { format: 'TSV' });
    this.track(run);
    return run;
  }

  private track(p: Promise<unknown>): void {
    this.running.add(p);
    const drop = (): void => void this.running.delete(p);
    p.then(drop, drop);
  }

  private toEngineError(e: unknown, queryId: string, sql: string): EngineError {
    if (e instanceof EngineError) return e;
    const message = e instanceof Error ? e.message : String(e);
    const parsed = parseClickHouseErrorText(message);
    if (parsed) {
      return new EngineError(`Code: ${parsed.code}. DB::Exception: ${userPositions(parsed.message, MARKER_SHIFT)} (${parsed.type})`, { code: parsed.code, type: parsed.type, queryId, sql, cause: e, secrets: this.secrets });
    }
    if (/abort|cancel/i.test(message)) return new EngineError(`Query was cancelled. (QUERY_WAS_CANCELLED)`, { code: 394, type: 'QUERY_WAS_CANCELLED', queryId, sql, cause: e });
    return new EngineError(message, { code: 1001, type: 'STD_EXCEPTION', queryId, sql, cause: e, secrets: this.secrets });
  }

  private recordQuery(
    base: { request: EngineRequest; queryId: string; started: number; kind: QueryKind; sql: string },
    summary: EngineSummary,
    error: EngineError | undefined,
  ): void {
    if (this.closed) return;
    const now = Date.now();
    const { request } = base;
    const settingComment = request.settings?.log_comment;
    this.logBuffer.push({
      event_time: secondsTimestamp(now),
      event_time_microseconds: microsTimestamp(now),
      query_start_time: secondsTimestamp(base.started),
      query_start_time_microseconds: microsTimestamp(base.started),
      query_duration_ms: now - base.started,
      type: error ? (summary.result_bytes > 0 ? 'ExceptionWhileProcessing' : 'ExceptionBeforeStart') : 'QueryFinish',
      query_kind: base.kind === 'Other' ? '' : base.kind,
      query_id: base.queryId,
      query: scrubSecrets(base.sql, this.secrets).slice(0, 100_000),
      current_database: request.database ?? request.session?.handle.database ?? 'default',
      user: request.user ?? 'default',
      read_rows: summary.read_rows,
      read_bytes: summary.read_bytes,
      written_rows: summary.written_rows,
      written_bytes: summary.written_bytes,
      result_rows: summary.result_rows,
      result_bytes: summary.result_bytes,
      exception_code: error?.code ?? 0,
      exception: error ? scrubSecrets(error.message, this.secrets) : '',
      log_comment: settingComment !== undefined ? String(settingComment) : (inlineLogComment(base.sql) ?? ''),
      http_user_agent: request.userAgent ?? '',
      interface: request.interface ?? 'embedded',
    });
    if (!this.logTimer) {
      this.logTimer = setTimeout(() => {
        this.logTimer = undefined;
        void this.flushLog().catch(() => undefined);
      }, LOG_FLUSH_MS);
      this.logTimer.unref();
    }
  }

  private async writeLog(): Promise<void> {
    if (this.logBuffer.length === 0) return;
    const rows = this.logBuffer;
    this.logBuffer = [];
    const body = rows.map((r) => JSON.stringify(r)).join('\n');
    const run = this.anchor.queryAsync(`INSERT INTO ${KIT_DATABASE}.query_log FORMAT JSONEachRow\n${body}`, { format: 'TSV' });
    this.track(run);
    await run;
  }

  private expireSessions(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (!s.busy && now - s.lastUsed > s.timeoutSeconds * 1000) this.closeSession(id);
    }
  }

  private async shutdown(): Promise<void> {
    if (this.closed) return;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.logTimer) clearTimeout(this.logTimer);
    await Promise.allSettled([...this.running]);
    await this.flushLog().catch(() => undefined);
    this.closed = true;
    await drainPending().catch(() => undefined);
    for (const s of this.sessions.values()) s.handle.session.close();
    this.sessions.clear();
    for (const h of this.pool) h.session.close();
    this.pool.length = 0;
    this.anchor.close();
    await this.fifos.close();
    releaseDataFolder(this.dataPath);
  }
}

/** A result that is complete already: its bytes in one chunk (none when empty), its summary settled. */
function wholeResult(queryId: string, kind: QueryKind, format: string, bytes: Uint8Array, summary: EngineSummary): EngineResult {
  return {
    queryId,
    kind,
    format,
    chunks: (async function* () {
      if (bytes.byteLength > 0) yield bytes;
    })(),
    done: Promise.resolve(summary),
  };
}

/** The statement with `INTO OUTFILE <pipe>` before its output format, so its result streams out. */
function intoPipe(sql: string, output: { insertAt: number; format: string | undefined }, pipe: string, format: string): string {
  if (!FORMAT_NAME.test(format)) throw new EngineError(`Unknown format ${JSON.stringify(format.slice(0, 40))}.`, { code: 73, type: 'UNKNOWN_FORMAT' });
  const tail = output.format ? sql.slice(output.insertAt) : `FORMAT ${format}`;
  return `${sql.slice(0, output.insertAt)}\nINTO OUTFILE ${quoteString(pipe)} TRUNCATE ${tail}`;
}

async function* prepend(first: IteratorResult<Uint8Array>, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  let step = first;
  while (!step.done) {
    yield step.value;
    step = await rest.next();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function cancelledError(queryId: string, sql: string): EngineError {
  return new EngineError('Query was cancelled: the client stopped reading the result.', { code: 394, type: 'QUERY_WAS_CANCELLED', queryId, sql });
}

function isLineFormat(format: string): boolean {
  return /^(tabseparated|tsv|csv|jsoneachrow|jsoncompacteachrow|jsonstringseachrow|jsoncompactstringseachrow|tskv|lineasstring|customseparated|ndjson|jsonlines)/i.test(format);
}

function countNewlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

function wantedSettings(request: EngineRequest): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const [k, v] of Object.entries(request.settings ?? {})) {
    if (v === undefined) continue;
    wanted.set(checkSettingName(k), settingLiteral(v));
  }
  return wanted;
}

function emptySummary(): EngineSummary {
  return { read_rows: 0, read_bytes: 0, written_rows: 0, written_bytes: 0, result_rows: 0, result_bytes: 0, elapsed_ns: 0 };
}

const HEADER_LINES: Record<string, number> = { WithNames: 1, WithNamesAndTypes: 2 };

/** Rows in a materialised result, for the log: line formats count lines, JSON reads its `rows`. */
export function countRows(format: string, bytes: Uint8Array): number {
  if (bytes.byteLength === 0) return 0;
  const f = format.toLowerCase();
  if (f === 'json' || f === 'jsoncompact' || f === 'jsonstrings' || f === 'jsoncompactstrings') {
    const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.byteLength - 512))).toString('utf8');
    const m = /"rows":\s*(\d+)/.exec(tail);
    return m ? Number(m[1]) : 0;
  }
  if (/^(tabseparated|tsv|csv|jsoneachrow|jsoncompacteachrow|jsonstringseachrow|jsoncompactstringseachrow|tskv|lineasstring|customseparated|ndjson|jsonlines)/.test(f)) {
    let lines = 0;
    for (let i = 0; i < bytes.byteLength; i++) if (bytes[i] === 10) lines++;
    const suffix = Object.keys(HEADER_LINES).find((s) => format.endsWith(s));
    return Math.max(0, lines - (suffix ? HEADER_LINES[suffix]! : 0));
  }
  return 0;
}

/** Refuses to start (instead of hanging for minutes) when stored tables need an S3 server that is down. */
function assertS3ReachableFor(dataPath: string, endpoint: string): void {
  const tables = tablesNeedingS3(dataPath);
  if (tables.length === 0 || isReachableSync(endpoint)) return;
  const shown = tables.slice(0, 3).join(', ') + (tables.length > 3 ? ` and ${tables.length - 3} more` : '');
  throw new EngineError(
    `The warehouse in ${dataPath} has tables stored in or read from S3 (${shown}), and the S3 server at ${endpoint} is not reachable. ` +
      'Start it first (`npm start`, or `npm run s3:start`), or fix S3_ENDPOINT in .env.',
    { type: 'S3_UNREACHABLE' },
  );
}
