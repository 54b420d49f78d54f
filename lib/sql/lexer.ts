/**
 * @file Just enough of ClickHouse's lexer to find statement boundaries and clauses in SQL text without
 * parsing it: literals, quoted identifiers, heredocs, comments and bracket depth. Texts may be
 * binary-safe `latin1` decodings of bytes: offsets are then byte offsets.
 */

export type TokenType = 'word' | 'quoted' | 'string' | 'number' | 'punct';

export interface Token {
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

export class Lexer {
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

/** The upper-cased text of a word token ('' for other tokens). */
export function upper(text: string, t: Token): string {
  return t.type === 'word' ? text.slice(t.start, t.end).toUpperCase() : '';
}

export function isPunct(text: string, t: Token, ch: string): boolean {
  return t.type === 'punct' && text[t.start] === ch;
}

/** All tokens of a text, in order. */
export function tokenize(text: string): Token[] {
  const lx = new Lexer(text);
  const out: Token[] = [];
  for (let t = lx.next(); t; t = lx.next()) out.push(t);
  return out;
}
