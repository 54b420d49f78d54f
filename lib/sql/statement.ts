/**
 * @file What the kit needs to know about one statement's text, read with the lexer (never with
 * regular expressions over raw text, which see keywords inside names, strings and comments):
 * its kind, its trailing FORMAT, where INSERT data or INTO OUTFILE goes, an inline log_comment.
 */
import { isPunct, tokenize, upper, type Token } from './lexer';
import { quoteString } from './quote';

export type QueryKind =
  | 'Select'
  | 'Insert'
  | 'Create'
  | 'Alter'
  | 'Drop'
  | 'Rename'
  | 'System'
  | 'Set'
  | 'Use'
  | 'Show'
  | 'Describe'
  | 'Explain'
  | 'Optimize'
  | 'Truncate'
  | 'Delete'
  | 'Update'
  | 'Kill'
  | 'Exists'
  | 'Check'
  | 'Grant'
  | 'Other';

const KIND_BY_KEYWORD: Record<string, QueryKind> = {
  SELECT: 'Select',
  WITH: 'Select',
  INSERT: 'Insert',
  CREATE: 'Create',
  ATTACH: 'Create',
  ALTER: 'Alter',
  DROP: 'Drop',
  DETACH: 'Drop',
  RENAME: 'Rename',
  EXCHANGE: 'Rename',
  SYSTEM: 'System',
  SET: 'Set',
  USE: 'Use',
  SHOW: 'Show',
  DESCRIBE: 'Describe',
  DESC: 'Describe',
  EXPLAIN: 'Explain',
  OPTIMIZE: 'Optimize',
  TRUNCATE: 'Truncate',
  DELETE: 'Delete',
  UPDATE: 'Update',
  KILL: 'Kill',
  EXISTS: 'Exists',
  CHECK: 'Check',
  GRANT: 'Grant',
  REVOKE: 'Grant',
  UNDROP: 'Create',
};

/** The first `n` words of a statement, upper-cased, past comments and opening parentheses. */
export function leadingWords(sql: string, n: number): string[] {
  const out: string[] = [];
  for (const t of tokenize(sql)) {
    if (out.length === 0 && isPunct(sql, t, '(')) continue;
    if (t.type !== 'word' || out.length >= n) break;
    out.push(upper(sql, t));
  }
  return out;
}

/** The kind of a statement from its first keyword, with the names system.query_log uses. */
export function queryKind(sql: string): QueryKind {
  const letters = /^[A-Z]+/.exec(leadingWords(sql, 1)[0] ?? '')?.[0];
  return (letters && KIND_BY_KEYWORD[letters]) || 'Other';
}

/** True for statements that only read (what a GET request or a read-only user may run). */
export function isReadOnlyKind(kind: QueryKind): boolean {
  return (
    kind === 'Select' ||
    kind === 'Show' ||
    kind === 'Describe' ||
    kind === 'Explain' ||
    kind === 'Exists' ||
    kind === 'Set' ||
    kind === 'Use' ||
    kind === 'Check'
  );
}

/** `SYSTEM FLUSH LOGS`, which must also flush the kit's own query log. */
export function isFlushLogs(sql: string): boolean {
  return leadingWords(sql, 3).join(' ') === 'SYSTEM FLUSH LOGS';
}

/** Removes trailing semicolons and white space (chDB runs `a; b;` as two statements plus an empty one). */
export function trimStatement(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/** The tokens of a statement without its trailing semicolons. */
function statementTokens(sql: string): Token[] {
  const tokens = tokenize(sql);
  while (tokens.length > 0 && isPunct(sql, tokens[tokens.length - 1]!, ';')) tokens.pop();
  return tokens;
}

interface FormatClause {
  /** Where the clause begins. */
  start: number;
  format: string;
}

/** A top-level `FORMAT <name>` that ends the statement. */
function trailingFormatClause(sql: string, tokens: ReadonlyArray<Token>): FormatClause | undefined {
  const keyword = tokens[tokens.length - 2];
  const name = tokens[tokens.length - 1];
  if (!keyword || !name || keyword.depth !== 0 || upper(sql, keyword) !== 'FORMAT' || name.type !== 'word')
    return undefined;
  return { start: keyword.start, format: sql.slice(name.start, name.end) };
}

/** The output/input format named by a trailing `FORMAT X` clause. */
export function trailingFormat(sql: string): string | undefined {
  return trailingFormatClause(sql, statementTokens(sql))?.format;
}

/** Where an INSERT's data clause begins and the format of its data: `FORMAT X`, or `VALUES` (format Values). */
function insertDataClause(sql: string, tokens: ReadonlyArray<Token>): FormatClause | undefined {
  const clause = trailingFormatClause(sql, tokens);
  if (clause) return clause;
  const last = tokens[tokens.length - 1];
  if (last && last.depth === 0 && upper(sql, last) === 'VALUES') return { start: last.start, format: 'Values' };
  return undefined;
}

/** The format of the data that follows an INSERT statement (`FORMAT X`, or Values after `VALUES`). */
export function insertInputFormat(sql: string): string | undefined {
  return insertDataClause(sql, statementTokens(sql))?.format;
}

/** A top-level `SETTINGS name = ...` clause (not a column, table or database named `settings`). */
function settingsClauseStart(sql: string, tokens: ReadonlyArray<Token>): number | undefined {
  for (let i = 1; i + 2 < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.depth !== 0 || upper(sql, t) !== 'SETTINGS' || isPunct(sql, tokens[i - 1]!, '.')) continue;
    if (tokens[i + 1]!.type === 'word' && isPunct(sql, tokens[i + 2]!, '=')) return t.start;
  }
  return undefined;
}

/**
 * Rewrites `INSERT INTO t [(cols)] [SETTINGS ...] FORMAT X` (data to follow) into
 * `INSERT INTO t [(cols)] FROM INFILE 'file' [COMPRESSION 'c'] [SETTINGS ...] FORMAT X`, so the
 * engine reads the data from a spooled file: binary formats (Parquet, Native) pass untouched and
 * a large body never sits whole in memory. `VALUES` at the end means format Values.
 */
export function insertFromFile(sql: string, file: string, compression?: string): string {
  const tokens = statementTokens(sql);
  const data = insertDataClause(sql, tokens);
  if (!data) throw new Error('An INSERT with data in the request body must end with FORMAT <name> (or VALUES).');
  const head = sql.slice(0, data.start).trimEnd();
  const from = `FROM INFILE ${quoteString(file)}${compression ? ` COMPRESSION ${quoteString(compression)}` : ''}`;
  const settingsAt = settingsClauseStart(
    sql,
    tokens.filter((t) => t.start < data.start),
  );
  const withFrom =
    settingsAt !== undefined ? `${head.slice(0, settingsAt)}${from} ${head.slice(settingsAt)}` : `${head} ${from}`;
  return `${withFrom} FORMAT ${data.format}`;
}

export interface OutputClause {
  /** Offset where an INTO OUTFILE clause goes: before a trailing `FORMAT x`, else after the last token. */
  insertAt: number;
  /** The format named by a trailing `FORMAT x [SETTINGS ...]` clause. */
  format: string | undefined;
}

/**
 * Where a SELECT's output clauses begin. A trailing top-level `FORMAT <name>`, optionally followed
 * by `SETTINGS ...`, is the output format; INTO OUTFILE must precede it. Trailing comments and
 * semicolons are left out, so text inserted at `insertAt` is never commented out.
 */
export function outputClause(sql: string): OutputClause {
  const tokens = statementTokens(sql);
  const last = tokens.length - 1;
  for (let i = last - 1; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.depth !== 0 || upper(sql, t) !== 'FORMAT') continue;
    const name = tokens[i + 1]!;
    if (name.type !== 'word') continue;
    const after = tokens[i + 2];
    if (i + 1 === last || (after && after.depth === 0 && upper(sql, after) === 'SETTINGS')) {
      return { insertAt: t.start, format: sql.slice(name.start, name.end) };
    }
  }
  return { insertAt: last >= 0 ? tokens[last]!.end : 0, format: undefined };
}

/** A `log_comment` given inline (`SETTINGS log_comment = '...'`), unescaped. */
export function inlineLogComment(sql: string): string | undefined {
  const tokens = tokenize(sql);
  for (let i = 0; i + 2 < tokens.length; i++) {
    const value = tokens[i + 2]!;
    if (
      upper(sql, tokens[i]!) !== 'LOG_COMMENT' ||
      !isPunct(sql, tokens[i + 1]!, '=') ||
      value.type !== 'string' ||
      sql[value.start] !== "'"
    )
      continue;
    return sql
      .slice(value.start + 1, value.end - 1)
      .replace(/\\(.)|''/g, (m: string, c: string | undefined) => c ?? "'");
  }
  return undefined;
}
