/**
 * A running query's progress, as clickhouse-server's X-ClickHouse-Progress carries it, read from
 * system.processes by the run marker the engine puts in front of every statement.
 */
import type { Session } from 'chdb';
import { quoteString } from '../sql';
import { runMarker } from './run-marker';

export interface RunProgress {
  read_rows: number;
  read_bytes: number;
  written_rows: number;
  written_bytes: number;
  total_rows_to_read: number;
  elapsed_ns: number;
}

/** Progress of the run named by `runId`, or undefined when it is not (or no longer) running. */
export async function readProgress(session: Session, runId: string): Promise<RunProgress | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) return undefined;
  const marker = quoteString(runMarker(runId));
  const sql =
    'SELECT read_rows, read_bytes, written_rows, written_bytes, total_rows_approx AS total_rows_to_read, toUInt64(elapsed * 1e9) AS elapsed_ns ' +
    `FROM system.processes WHERE startsWith(trimLeft(query), ${marker}) LIMIT 1`;
  const text = (await session.queryAsync(sql, { format: 'JSONEachRow' })).text().trim();
  if (!text) return undefined;
  const row = JSON.parse(text) as Record<string, string | number>;
  return {
    read_rows: Number(row.read_rows),
    read_bytes: Number(row.read_bytes),
    written_rows: Number(row.written_rows),
    written_bytes: Number(row.written_bytes),
    total_rows_to_read: Number(row.total_rows_to_read),
    elapsed_ns: Number(row.elapsed_ns),
  };
}
