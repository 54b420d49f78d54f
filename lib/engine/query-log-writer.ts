/** @file Writes every query the engine ran into `_kit.query_log` (see query-log-table.ts), batched about once a second. */
import { inlineLogComment, type QueryKind } from '../sql';
import { scrubSecrets } from '../config';
import { KIT_DATABASE, microsTimestamp, secondsTimestamp, type QueryLogEntry } from './query-log-table';
import type { EngineError } from './errors';
import type { EngineRequest, EngineSummary } from './types';

const LOG_FLUSH_MS = 1000;

/** What the log needs to know of a query besides its outcome. */
export interface LoggedQuery {
  request: EngineRequest;
  queryId: string;
  started: number;
  kind: QueryKind;
  sql: string;
}

export class QueryLogWriter {
  private buffer: QueryLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    /** Runs an INSERT on the engine. */
    private readonly run: (sql: string) => Promise<unknown>,
    private readonly secrets: ReadonlyArray<string>,
  ) {}

  record(base: LoggedQuery, summary: EngineSummary, error: EngineError | undefined): void {
    if (this.closed) return;
    const now = Date.now();
    const { request } = base;
    const settingComment = request.settings?.log_comment;
    this.buffer.push({
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
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => undefined);
      }, LOG_FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes buffered entries now (one write at a time, in order). */
  flush(): Promise<void> {
    const next = this.flushing.then(() => this.write());
    this.flushing = next.catch(() => undefined);
    return next;
  }

  /** Writes what is buffered, then records nothing more. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush().catch(() => undefined);
    this.closed = true;
  }

  private async write(): Promise<void> {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    const body = rows.map((r) => JSON.stringify(r)).join('\n');
    await this.run(`INSERT INTO ${KIT_DATABASE}.query_log FORMAT JSONEachRow\n${body}`);
  }
}
