/**
 * send_progress_in_http_headers=1: like clickhouse-server, the status line and headers go out as
 * soon as progress is known, then one `X-ClickHouse-Progress` line every
 * http_headers_progress_interval_ms until the body starts; the summary (and an exception code, if
 * the query failed before its body) close the header block. Node cannot add header lines after
 * sending the head, so this answer is written on the socket itself and ends the connection
 * (`Connection: close`): the body is delimited by the close.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RunProgress } from '../engine';
import type { ResponseEncoding } from './compression';
import { ResultWriter } from './response';

/** Progress counters as the server's X-ClickHouse-Progress JSON carries them (as strings). */
export type ProgressCounters = RunProgress;

export function progressJson(p: ProgressCounters, extra: Record<string, number> = {}): string {
  const all: Record<string, number> = { ...p, ...extra };
  const order = [
    'read_rows',
    'read_bytes',
    'written_rows',
    'written_bytes',
    'total_rows_to_read',
    'result_rows',
    'result_bytes',
    'elapsed_ns',
  ];
  const out: Record<string, string> = {};
  for (const k of order) if (all[k] !== undefined) out[k] = String(all[k]);
  return JSON.stringify(out);
}

export class ProgressHeaders {
  private timer: NodeJS.Timeout | undefined;
  private headSent = false;
  private stopped = false;
  private polling: Promise<void> = Promise.resolve();
  private last: ProgressCounters | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
    private readonly intervalMs: number,
    private readonly read: () => Promise<ProgressCounters | undefined>,
  ) {}

  /** True once the status line went out: the answer must then be finished through this object. */
  get started(): boolean {
    return this.headSent;
  }

  start(): void {
    // The server checks at every progress event; here the engine is asked at the interval (10 ms at least).
    const every = Math.max(10, this.intervalMs);
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.tick());
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  /** Ends a held answer: the last headers, then the whole body. */
  finish(headers: Record<string, string>, body: Buffer): void {
    this.closeHead(headers, ['X-ClickHouse-Summary', 'Content-Encoding']);
    const socket = this.socket();
    socket.end(body);
  }

  /** The query failed before its body: the code goes in as a header (the status is 200 already). */
  fail(code: number, text: string, summary: string): void {
    this.closeHead({ 'X-ClickHouse-Summary': summary, 'X-ClickHouse-Exception-Code': String(code) }, [
      'X-ClickHouse-Summary',
      'X-ClickHouse-Exception-Code',
    ]);
    this.socket().end(`${text}\n`);
  }

  /** Starts a streamed body after the progress lines. */
  startStreaming(headers: Record<string, string>, encoding: ResponseEncoding | undefined, level: number): ResultWriter {
    this.closeHead(headers, ['X-ClickHouse-Summary', 'Content-Encoding']);
    return new ResultWriter(this.socket(), encoding, level);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const p = await this.read().catch(() => undefined);
    if (!p || this.stopped) return;
    // As on the server, a line goes out only when there is news (an unchanged line would only fill the client's header limit).
    if (this.last && this.last.read_rows === p.read_rows && this.last.written_rows === p.written_rows) return;
    this.last = p;
    const socket = this.socket();
    if (!this.headSent) {
      this.headSent = true;
      const lines = ['HTTP/1.1 200 OK', `Date: ${new Date().toUTCString()}`, 'Connection: close'];
      for (const [k, v] of Object.entries(this.headers)) lines.push(`${k}: ${v}`);
      socket.write(`${lines.join('\r\n')}\r\n`);
    }
    socket.write(`X-ClickHouse-Progress: ${progressJson(p)}\r\n`);
  }

  private closeHead(headers: Record<string, string>, names: string[]): void {
    if (this.timer) clearInterval(this.timer);
    this.stopped = true;
    const lines = names.filter((n) => headers[n] !== undefined).map((n) => `${n}: ${headers[n]}`);
    this.socket().write(`${lines.map((l) => `${l}\r\n`).join('')}\r\n`);
  }

  private socket(): Socket {
    const s = this.res.socket;
    if (!s) throw new Error('the connection is gone');
    return s;
  }

  /** The counters seen last (for the summary). */
  get latest(): ProgressCounters | undefined {
    return this.last;
  }
}
