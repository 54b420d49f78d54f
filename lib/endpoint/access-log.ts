/**
 * One line per query in `<storageDir>/logs/clickhouse-endpoint.log`: who, what kind, how it
 * ended, how long, how much. The SQL appears only as a short excerpt with every string literal
 * masked, so credentials typed into a query (s3('...', 'key', 'secret')) never reach the file.
 */
import { createWriteStream, existsSync, mkdirSync, openSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { scrubSecrets } from '../config';
import { maskedExcerpt } from './sql-scan';

export interface AccessLogEntry {
  queryId: string;
  user: string;
  method: string;
  kind: string;
  status: number;
  /** ClickHouse error code (0 on success). */
  code: number;
  ms: number;
  resultBytes: number;
  writtenRows: number;
  session: string | undefined;
  userAgent: string | undefined;
  sql: string;
}

export function formatAccessLine(e: AccessLogEntry, secrets: ReadonlyArray<string>): string {
  const fields = [
    new Date().toISOString(),
    `query_id=${e.queryId}`,
    `user=${JSON.stringify(e.user.slice(0, 64))}`,
    `method=${e.method}`,
    `kind=${e.kind}`,
    `status=${e.status}`,
    `code=${e.code}`,
    `ms=${e.ms}`,
    `result_bytes=${e.resultBytes}`,
    `written_rows=${e.writtenRows}`,
  ];
  if (e.session) fields.push(`session=${JSON.stringify(e.session.slice(0, 64))}`);
  if (e.userAgent) fields.push(`ua=${JSON.stringify(e.userAgent.slice(0, 80))}`);
  fields.push(`sql=${JSON.stringify(maskedExcerpt(e.sql, 160))}`);
  return scrubSecrets(fields.join(' '), secrets);
}

export interface AccessLogOptions {
  /** Size at which the file is rotated (default 64 MiB): `x.log` becomes `x.log.1`, `x.log.1` becomes `x.log.2`... */
  maxBytes?: number;
  /** Rotated files kept besides the current one (default 3). */
  keep?: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_KEEP = 3;

/**
 * An append-only log file written in the background, rotated by size so that an endpoint left
 * running for weeks keeps a bounded log (about maxBytes x (keep + 1)).
 */
export class AccessLog {
  private stream: WriteStream;
  private bytes: number;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(
    readonly file: string,
    private readonly secrets: ReadonlyArray<string>,
    options: AccessLogOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.keep = Math.max(1, options.keep ?? DEFAULT_KEEP);
    mkdirSync(dirname(file), { recursive: true });
    this.bytes = existsSync(file) ? statSync(file).size : 0;
    this.stream = this.open();
  }

  write(entry: AccessLogEntry): void {
    this.append(`${formatAccessLine(entry, this.secrets)}\n`);
  }

  note(text: string): void {
    this.append(`${new Date().toISOString()} ${scrubSecrets(text, this.secrets)}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }

  private open(): WriteStream {
    // Opened at once (not when the stream gets to it), so a rotation right after finds the file.
    const stream = createWriteStream(this.file, { fd: openSync(this.file, 'a', 0o600) });
    stream.on('error', () => undefined);
    return stream;
  }

  private append(line: string): void {
    if (this.bytes > 0 && this.bytes + line.length > this.maxBytes) this.rotate();
    this.stream.write(line);
    this.bytes += Buffer.byteLength(line);
  }

  /** Renames under the open stream (its queued lines still land in the renamed file), then starts a new file. */
  private rotate(): void {
    try {
      for (let i = this.keep - 1; i >= 1; i--) {
        if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      }
      renameSync(this.file, `${this.file}.1`);
    } catch {
      return; // cannot rotate (permissions, file gone): keep appending rather than lose lines
    }
    const old = this.stream;
    this.stream = this.open();
    this.bytes = 0;
    old.end();
  }
}
