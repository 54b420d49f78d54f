/** @file Rows in result bytes, for the query log and the summary: line formats count lines, JSON reads its `rows`. */

const LINE_FORMAT =
  /^(tabseparated|tsv|csv|jsoneachrow|jsoncompacteachrow|jsonstringseachrow|jsoncompactstringseachrow|tskv|lineasstring|customseparated|ndjson|jsonlines)/i;
const HEADER_LINES: Record<string, number> = { WithNames: 1, WithNamesAndTypes: 2 };

/** True for formats with one row per line (plus header lines, see {@link headerLines}). */
export function isLineFormat(format: string): boolean {
  return LINE_FORMAT.test(format);
}

/** Lines before the first row: the names (and types) header of `...WithNames[AndTypes]` formats. */
export function headerLines(format: string): number {
  const suffix = Object.keys(HEADER_LINES).find((s) => format.endsWith(s));
  return suffix ? HEADER_LINES[suffix]! : 0;
}

export function countNewlines(bytes: Uint8Array): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Rows from the lines of a line format: its lines less the header lines. */
export function rowsFromLines(format: string, lines: number): number {
  return Math.max(0, lines - headerLines(format));
}

/** Rows in a materialised result. */
export function countResultRows(format: string, bytes: Uint8Array): number {
  if (bytes.byteLength === 0) return 0;
  const f = format.toLowerCase();
  if (f === 'json' || f === 'jsoncompact' || f === 'jsonstrings' || f === 'jsoncompactstrings') {
    const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.byteLength - 512))).toString('utf8');
    const m = /"rows":\s*(\d+)/.exec(tail);
    return m ? Number(m[1]) : 0;
  }
  return isLineFormat(format) ? rowsFromLines(format, countNewlines(bytes)) : 0;
}
