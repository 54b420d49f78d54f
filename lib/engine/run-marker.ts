/**
 * @file The run marker: a unique leading comment that names one run in system.processes (KILL
 * QUERY, progress), and the bookkeeping that keeps it out of what the user sees: error positions
 * count from the start of the user's statement, as on clickhouse-server.
 */

/** The leading comment that names one run in system.processes (KILL QUERY, progress). */
export function runMarker(runId: string): string {
  return `/* kit-q:${runId} */`;
}

/** What the marker and its following space add in front of a statement. */
export const MARKER_SHIFT = runMarker('00000000-0000-0000-0000-000000000000').length + 1;

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
