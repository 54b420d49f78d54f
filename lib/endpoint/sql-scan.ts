/**
 * Just enough of ClickHouse's lexer to treat a request like clickhouse-server does without
 * parsing SQL: where inline INSERT data begins, whether a text holds more than one statement,
 * and the client-side-only clauses (INTO OUTFILE, FROM INFILE) a server refuses. Texts may be
 * binary-safe `latin1` decodings of request bytes: offsets are then byte offsets.
 * The lexer itself is lib/sql's.
 */
import { excerpt, isPunct, Lexer, upper } from '../sql';
import { EndpointError } from './errors';

export interface InsertDataScan {
  /** Offset where the inline data of `INSERT ... FORMAT X` / `INSERT ... VALUES` begins. */
  dataStart: number | undefined;
  /** The text is a prefix and the data start may lie beyond it: read more first. */
  needsMore: boolean;
}

/**
 * Where the inline data of an INSERT begins, as ClickHouse's parser finds it: right after
 * `VALUES`, or after `FORMAT <name>`, its trailing blanks and one line break. `final` says the
 * text is complete; otherwise an answer that could change with more text is `needsMore`.
 */
export function findInsertData(text: string, final: boolean): InsertDataScan {
  const lx = new Lexer(text);
  const need: InsertDataScan = { dataStart: undefined, needsMore: !final };
  const none: InsertDataScan = { dataStart: undefined, needsMore: false };
  const first = lx.next();
  if (!first) return need;
  if (upper(text, first) !== 'INSERT') return none;
  let t = lx.next();
  if (!t) return need;
  if (upper(text, t) !== 'INTO') return none;
  t = lx.next();
  if (!t) return need;
  if (upper(text, t) === 'TABLE') t = lx.next();
  if (!t) return need;
  if (upper(text, t) === 'FUNCTION') {
    // A table function: its name, then everything up to the closing parenthesis.
    if (!lx.next() || !lx.next()) return need;
    while (lx.depth > 0) if (!lx.next()) return need;
  } else {
    const before = { pos: lx.pos, depth: lx.depth };
    const dot = lx.next();
    if (!dot) return need;
    if (isPunct(text, dot, '.')) {
      if (!lx.next()) return need;
    } else {
      lx.pos = before.pos;
      lx.depth = before.depth;
    }
  }
  for (;;) {
    const tok = lx.next();
    if (!tok) return need;
    if (tok.depth > 0) continue;
    const word = upper(text, tok);
    if (word === 'SELECT' || word === 'WITH' || word === 'FROM') return none;
    if (word === 'VALUES') {
      if (tok.end >= text.length && !final) return need;
      return { dataStart: tok.end, needsMore: false };
    }
    if (word === 'FORMAT') {
      const name = lx.next();
      if (!name) return need;
      let p = name.end;
      while (p < text.length && (text[p] === ' ' || text[p] === '\t' || text[p] === '\f')) p++;
      if (p >= text.length && !final) return need;
      if (text[p] === '\r') p++;
      if (p >= text.length && !final) return need;
      if (text[p] === '\n') p++;
      return { dataStart: p, needsMore: false };
    }
  }
}

/**
 * What clickhouse-server refuses in a statement text (without its inline data): a second
 * statement, `INTO OUTFILE` (would write files on this machine) and `FROM INFILE` (client-side).
 */
export function statementProblem(text: string): EndpointError | undefined {
  const lx = new Lexer(text);
  let prev = '';
  let semicolonAt = -1;
  for (let t = lx.next(); t; t = lx.next()) {
    if (semicolonAt >= 0) {
      return new EndpointError(
        'SYNTAX_ERROR',
        `Syntax error (Multi-statements are not allowed): failed at position ${semicolonAt + 1} (end of query): ${excerpt(text.slice(semicolonAt), 40)}. Send one statement per request`,
      );
    }
    if (isPunct(text, t, ';') && t.depth === 0) {
      semicolonAt = t.start;
      continue;
    }
    const word = upper(text, t);
    if (prev === 'INTO' && word === 'OUTFILE')
      return new EndpointError('INTO_OUTFILE_NOT_ALLOWED', 'INTO OUTFILE is not allowed');
    if (prev === 'FROM' && word === 'INFILE')
      return new EndpointError('UNKNOWN_TYPE_OF_QUERY', 'Query has infile and was send directly to server');
    prev = word;
  }
  return undefined;
}

/** True when the text holds no statement at all (only white space and comments). */
export function isEmptyQuery(text: string): boolean {
  return new Lexer(text).next() === undefined;
}

/**
 * A one-line excerpt for logs with every string literal replaced by `?` and comments dropped:
 * credentials and other values typed into SQL never reach a log file.
 */
export function maskedExcerpt(text: string, max = 200): string {
  const lx = new Lexer(text);
  const parts: string[] = [];
  let length = 0;
  for (let t = lx.next(); t && length <= max; t = lx.next()) {
    const part =
      t.type === 'string'
        ? '?'
        : t.type === 'quoted'
          ? text.slice(t.start, t.end).replace(/[\r\n\t]/g, ' ')
          : text.slice(t.start, t.end);
    parts.push(part);
    length += part.length + 1;
  }
  return excerpt(parts.join(' '), max);
}
