/**
 * @file The embedded ClickHouse engine of one data folder, shared by everything in this process:
 * the in-process client connection and the local HTTP endpoint both run their queries here.
 * This file routes one statement; each job it hands off has its own module (see index.ts).
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { drainPending, type Session } from 'chdb';
import {
  insertFromFile,
  isFlushLogs,
  outputClause,
  queryKind,
  quoteString,
  trailingFormat,
  trimStatement,
  type QueryKind,
} from '../sql';
import { DataSourceError, dataSourceFailure, EngineError, toEngineError } from './errors';
import { FifoPool } from './fifo';
import { prepareInput, type PreparedInput } from './insert-input';
import { releaseDataFolder } from './lock';
import { QueryLogWriter, type LoggedQuery } from './query-log-writer';
import { acquireShared, releaseShared } from './registry';
import type { RunContext, RunHost } from './run-context';
import { intoPipe, runIntoPipe } from './run-into-pipe';
import { runMaterialised } from './run-materialised';
import { readProgress, type RunProgress } from './progress';
import { runMarker } from './run-marker';
import { RunningQueries } from './running';
import { SessionPool, type EngineSession, type Handle } from './sessions';
import { resetSessionState, statementsBefore, touchedSettings, type SessionRunner } from './settings';
import { startEngine } from './start';
import { elapsedNsSince, emptySummary, type EngineOptions, type EngineRequest, type EngineResult } from './types';

// Results stream through INTO OUTFILE, which only SELECTs take.
const STREAMABLE_KINDS = new Set<QueryKind>(['Select']);

/**
 * - Sessionless queries run on a small pool of chDB Sessions (they run concurrently); a query's
 *   settings are applied to the Session it gets and reverted before the next query, so they
 *   never leak (chDB otherwise keeps every SET).
 * - Parameters travel as `SET param_x = '...'`, the engine's own binding, with the HTTP text
 *   form of values; nothing is interpolated into the statement.
 * - Every query is written to `_kit.query_log` (see query-log-writer.ts).
 */
export class EmbeddedEngine implements RunHost {
  /** The engine of a data folder, opened on first use and shared within the process. */
  static acquire(options: EngineOptions): EmbeddedEngine {
    return acquireShared(options.dataPath, () => new EmbeddedEngine(options));
  }

  readonly dataPath: string;
  readonly secrets: ReadonlyArray<string>;
  readonly running = new RunningQueries();
  readonly fifos = new FifoPool();
  /** Runs a statement on a Session, tracked so shutdown waits for it. */
  readonly runOn: SessionRunner = (handle, sql, format) =>
    this.running.track(handle.session.queryAsync(sql, { format }));
  private readonly anchor: Session;
  private readonly sessions: SessionPool;
  private readonly log: QueryLogWriter;
  readonly spoolDir: string;
  private readonly sweepTimer: NodeJS.Timeout;
  private closed = false;
  private versionText: string | undefined;

  private constructor(options: EngineOptions) {
    this.dataPath = options.dataPath;
    this.secrets = options.secrets ?? [];
    this.spoolDir = options.spoolDir ?? tmpdir();
    this.anchor = startEngine(options);
    this.sessions = new SessionPool(this.dataPath, Math.max(1, options.poolSize ?? 4));
    this.log = new QueryLogWriter((sql) => this.anchorQuery(sql), this.secrets);
    this.sweepTimer = setInterval(() => this.sessions.expireSessions(), 5000);
    this.sweepTimer.unref();
  }

  /** Releases this user's reference; the last one flushes the log and stops the engine. */
  async release(): Promise<void> {
    if (releaseShared(this.dataPath, this)) await this.shutdown();
  }

  version(): string {
    this.versionText ??= this.anchor.query('SELECT version()', 'TSV').trim();
    return this.versionText;
  }

  /** Opens (or finds) a named session. `create: false` returns undefined for an unknown id. */
  session(id: string, options: { create: boolean; timeoutSeconds?: number }): EngineSession | undefined {
    return this.sessions.session(id, options);
  }

  /** chDB Sessions this engine has opened for queries so far (diagnostics and tests). */
  get sessionsOpened(): number {
    return this.sessions.opened;
  }

  closeSession(id: string): void {
    this.sessions.closeSession(id);
  }

  /** Writes buffered query-log entries now (also done every second and on SYSTEM FLUSH LOGS). */
  flushLog(): Promise<void> {
    return this.log.flush();
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
    const logged: LoggedQuery = { request, queryId, started, kind, sql };

    if (isFlushLogs(sql)) await this.flushLog();

    // Data and the result pipe are set up before a Session is taken: an upload may take a while.
    let data: PreparedInput | undefined;
    try {
      data = request.data ? await prepareInput(request.data, sql, this) : undefined;
    } catch (e) {
      const { original, error } = dataSourceFailure(e, queryId, sql);
      this.log.record(logged, emptySummary(elapsedNsSince(started)), error);
      throw original;
    }
    const pipe = output ? await this.fifos.acquire().catch(() => undefined) : undefined;
    /** Gives back what was set up for a run that does not happen. */
    const dropInputs = (): void => {
      data?.cleanup(false);
      if (pipe) this.fifos.release(pipe);
    };

    let handle: Handle;
    try {
      handle = request.session
        ? await this.sessions.lock(request.session)
        : await this.sessions.take(sql, request.params);
    } catch (e) {
      dropInputs();
      if (e instanceof EngineError) this.log.record(logged, emptySummary(), e);
      throw e;
    }
    const finish = this.finisher(handle, request, kind, logged);

    if (request.signal?.aborted) {
      const err = new EngineError('Query was cancelled before it started: the client went away.', {
        code: 394,
        type: 'QUERY_WAS_CANCELLED',
        queryId,
        sql,
      });
      finish(true, emptySummary(), err);
      dropInputs();
      throw err;
    }

    let ctx: RunContext;
    try {
      let body = sql;
      if (data) body = insertFromFile(sql, data.file, data.compression);
      else if (output && pipe) body = intoPipe(sql, output, pipe, format);
      // A unique leading comment names this run in system.processes, so a cancel kills exactly it.
      const marker = runMarker(request.runId ?? randomUUID());
      const text = [...statementsBefore(handle, request, kind), `${marker} ${body}`].join(';\n');
      for (const name of Object.keys(request.params ?? {})) handle.params.add(name);
      ctx = { handle, text, marker, format, queryId, kind, request, started, finish };
    } catch (e) {
      const err =
        e instanceof EngineError
          ? e
          : new EngineError(e instanceof Error ? e.message : String(e), {
              code: 62,
              type: 'SYNTAX_ERROR',
              queryId,
              sql,
              cause: e,
            });
      finish(true, emptySummary(), err);
      dropInputs();
      throw err;
    }

    try {
      if (output && pipe) return await runIntoPipe(ctx, this, pipe);
      const result = await runMaterialised(ctx, this, data?.feed);
      data?.cleanup(true);
      return result;
    } catch (e) {
      data?.cleanup(false);
      if (e instanceof DataSourceError) {
        const { original, error } = dataSourceFailure(e, queryId, sql);
        finish(false, emptySummary(elapsedNsSince(started)), error);
        throw original;
      }
      const err = toEngineError(e, queryId, sql, this.secrets);
      finish(false, emptySummary(elapsedNsSince(started)), err);
      throw err;
    }
  }

  /**
   * The once-only end of a run: records it in the log and gives its Session back. A sessionless
   * SET or USE changes the pooled Session for good: such a Session is replaced afterwards. Bound
   * parameters cannot be unset either, but replacing the Session after each of them cost ~2 ms per
   * parameterised query (bench:vectors): the Session keeps them, named in `handle.params`, and
   * `SessionPool.take` hands it only to a query that rebinds or never mentions each of them.
   */
  private finisher(handle: Handle, request: EngineRequest, kind: QueryKind, logged: LoggedQuery): RunContext['finish'] {
    const changesState = kind === 'Set' || kind === 'Use';
    const touched = touchedSettings(handle, request);
    let finished = false;
    return (ok, summary, error) => {
      if (finished) return;
      finished = true;
      this.log.record(logged, summary, error);
      const session = request.session;
      if (!session) return this.sessions.giveBack(handle, ok && !changesState);
      // After a failure the per-query settings may be half applied: put the session back as its own SETs left it.
      if (ok) return this.sessions.unlock(session);
      handle.settling = resetSessionState(handle, touched, this.runOn).finally(() => {
        handle.settling = undefined;
        this.sessions.unlock(session);
      });
    };
  }

  /** Progress of a running query started with `runId` (undefined when it is not running). */
  progress(runId: string): Promise<RunProgress | undefined> {
    return readProgress(this.anchor, runId);
  }

  /** Cancels the run whose text carries `marker` (best effort: it may have finished). */
  async kill(marker: string): Promise<void> {
    try {
      // The marker may follow the statements run before the query (USE, SET) in the same text.
      const text = `SET param_kit_q = ${quoteString(marker)};\nKILL QUERY WHERE position(query, {kit_q:String}) > 0 ASYNC`;
      await this.anchorQuery(text);
    } catch {
      /* best effort: the query may have finished */
    }
  }

  private anchorQuery(sql: string): Promise<unknown> {
    return this.running.track(this.anchor.queryAsync(sql, { format: 'TSV' }));
  }

  private async shutdown(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.sweepTimer);
    await this.running.settled();
    await this.log.close();
    this.closed = true;
    await drainPending().catch(() => undefined);
    this.sessions.closeAll();
    this.anchor.close();
    await this.fifos.close();
    releaseDataFolder(this.dataPath);
  }
}
