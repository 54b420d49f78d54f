/**
 * Just enough of ClickHouse's lexer to treat a request like clickhouse-server does without
 * parsing SQL: where inline INSERT data begins, whether a text holds more than one statement,
 * and the client-side-only clauses (INTO OUTFILE, FROM INFILE) a server refuses. Texts may be
 * binary-safe `latin1` decodings of request bytes: offsets are then byte offsets.
 */
import { EndpointError } from './errors';

type TokenType = 'word' | 'quoted' | 'string' | 'number' | 'punct';

interface Token {
  type: TokenType;
  start: number;
  end: number;
  /** Bracket depth before the token. */
  depth: number;
}

const WS = new Set([32, 9, 10, 13, 12, 11]);

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

function isWordChar(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

class Lexer {
  pos = 0;
  depth = 0;
  /** The text ended inside a literal or comment. */
  unterminated = false;

  constructor(private readonly text: string) {}

  next(): Token | undefined {
    const t = this.text;
    const n = t.length;
    for (;;) {
      while (this.pos < n && WS.has(t.charCodeAt(this.pos))) this.pos++;
      if (this.pos >= n) return undefined;
      const c = t.charCodeAt(this.pos);
      const c2 = this.pos + 1 < n ? t.charCodeAt(this.pos + 1) : -1;
      if ((c === 45 && c2 === 45) || (c === 35 && (c2 === 32 || c2 === 33))) {
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl < 0 ? n : nl + 1;
        continue;
      }
      if (c === 47 && c2 === 42) {
        this.skipBlockComment();
        continue;
      }
      break;
    }
    const start = this.pos;
    const c = t.charCodeAt(start);
    const depth = this.depth;
    if (c === 39) return this.quotedToken('string', 39, start, depth);
    if (c === 34 || c === 96) return this.quotedToken('quoted', c, start, depth);
    if (c === 36) {
      const heredoc = /^\$([A-Za-z0-9_]*)\$/.exec(t.slice(start, start + 258));
      if (heredoc) {
        const close = t.indexOf(heredoc[0], start + heredoc[0].length);
        this.unterminated = close < 0;
        this.pos = close < 0 ? t.length : close + heredoc[0].length;
        return { type: 'string', start, end: this.pos, depth };
      }
    }
    if (isWordStart(c)) {
      let p = start + 1;
      while (p < t.length && isWordChar(t.charCodeAt(p))) p++;
      this.pos = p;
      return { type: 'word', start, end: p, depth };
    }
    if (isDigit(c)) {
      let p = start + 1;
      while (p < t.length) {
        const d = t.charCodeAt(p);
        const prev = t.charCodeAt(p - 1) | 32;
        if (isWordChar(d) || d === 46 || ((d === 43 || d === 45) && (prev === 101 || prev === 112))) p++;
        else break;
      }
      this.pos = p;
      return { type: 'number', start, end: p, depth };
    }
    this.pos = start + 1;
    if (c === 40 || c === 91 || c === 123) this.depth++;
    else if ((c === 41 || c === 93 || c === 125) && this.depth > 0) this.depth--;
    return { type: 'punct', start, end: start + 1, depth: c === 41 || c === 93 || c === 125 ? this.depth : depth };
  }

  private quotedToken(type: TokenType, quote: number, start: number, depth: number): Token {
    const t = this.text;
    let p = start + 1;
    for (;;) {
      if (p >= t.length) {
        this.unterminated = true;
        break;
      }
      const c = t.charCodeAt(p);
      if (c === 92) {
        p += 2;
        continue;
      }
      if (c === quote) {
        if (t.charCodeAt(p + 1) === quote) {
          p += 2;
          continue;
        }
        p++;
        break;
      }
      p++;
    }
    this.pos = Math.min(p, t.length);
    return { type, start, end: this.pos, depth };
  }

  private skipBlockComment(): void {
    const t = this.text;
    let level = 0;
    let p = this.pos;
    while (p < t.length) {
      if (t.charCodeAt(p) === 47 && t.charCodeAt(p + 1) === 42) {
        level++;
        p += 2;
      } else if (t.charCodeAt(p) === 42 && t.charCodeAt(p + 1) === 47) {
        level--;
        p += 2;
        if (level === 0) break;
      } else p++;
    }
    if (level > 0) this.unterminated = true;
    this.pos = Math.min(p, t.length);
  }
}

function upper(text: string, t: Token): string {
  return t.type === 'word' ? text.slice(t.start, t.end).toUpperCase() : '';
}

function isPunct(text: string, t: Token, ch: string): boolean {
  return t.type === 'punct' && text[t.start] === ch;
}

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
    if (prev === 'INTO' && word === 'OUTFILE') return new EndpointError('INTO_OUTFILE_NOT_ALLOWED', 'INTO OUTFILE is not allowed');
    if (prev === 'FROM' && word === 'INFILE') return new EndpointError('UNKNOWN_TYPE_OF_QUERY', 'Query has infile and was send directly to server');
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
    const part = t.type === 'string' ? '?' : t.type === 'quoted' ? text.slice(t.start, t.end).replace(/[\r\n\t]/g, ' ') : text.slice(t.start, t.end);
    parts.push(part);
    length += part.length + 1;
  }
  return excerpt(parts.join(' '), max);
}

function excerpt(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}
