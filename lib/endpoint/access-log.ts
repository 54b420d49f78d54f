/**
 * One line per query in `<storageDir>/logs/clickhouse-endpoint.log`: who, what kind, how it
 * ended, how long, how much. The SQL appears only as a short excerpt with every string literal
 * masked, so credentials typed into a query (s3('...', 'key', 'secret')) never reach the file.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { scrubSecrets } from '../config/secret';
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

/** An append-only log file written in the background. */
export class AccessLog {
  private readonly stream: WriteStream;

  constructor(
    readonly file: string,
    private readonly secrets: ReadonlyArray<string>,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
    this.stream.on('error', () => undefined);
  }

  write(entry: AccessLogEntry): void {
    this.stream.write(`${formatAccessLine(entry, this.secrets)}\n`);
  }

  note(text: string): void {
    this.stream.write(`${new Date().toISOString()} ${scrubSecrets(text, this.secrets)}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
