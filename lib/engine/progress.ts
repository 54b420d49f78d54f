/**
 * A running query's progress, as clickhouse-server's X-ClickHouse-Progress carries it, read from
 * system.processes by the run marker the engine puts in front of every statement.
 */
import type { Session } from 'chdb';
import { quoteString } from '../sql';

export interface RunProgress {
  read_rows: number;
  read_bytes: number;
  written_rows: number;
  written_bytes: number;
  total_rows_to_read: number;
  elapsed_ns: number;
}

/** The leading comment that names one run in system.processes (KILL QUERY, progress). */
export function runMarker(runId: string): string {
  return `/* kit-q:${runId} */`;
}

/** What the marker and its following space add in front of a statement. */
export const MARKER_SHIFT = runMarker('00000000-0000-0000-0000-000000000000').length + 1;

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

/**
 * Error positions as the user's statement has them: the engine reports them in the text it ran,
 * which starts with the run marker (and for some checks a further prefix).
 */
export function userPositions(message: string, shift: number): string {
  // clickhouse-server quotes the failing token: "failed at position 1 ('SELEC')" (chDB 26.7 does not);
  // clients find the error name as the first all-caps word in parentheses, which a bare token would be.
  const quoted = message.replace(/(failed at position \d+ )\((?!end of query\))([^)']*)\)/g, "$1('$2')");
  // formatQuery() errors (the endpoint's parse check) count from the start of the checked text already.
  if (shift <= 0 || /In scope SELECT formatQuery\(/.test(message)) return quoted;
  return quoted.replace(/(failed at position |at position |position )(\d+)/g, (all, lead: string, n: string) => {
    const p = Number(n) - shift;
    return p >= 1 ? `${lead}${p}` : all;
  });
}
