import { quoteIdentifier, quoteString } from '../clickhouse/sql';

export type SettingValue = string | number | boolean;

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A setting name the engine may receive, or an error naming it. */
export function checkSettingName(name: string): string {
  if (!SETTING_NAME.test(name)) throw new Error(`Invalid setting name ${JSON.stringify(name)}.`);
  return name;
}

export function settingLiteral(value: SettingValue): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Setting value ${value} is not a finite number.`);
    return String(value);
  }
  return quoteString(value);
}

/**
 * `SET param_x = '...'` statements binding query parameters. Values are in the text form the
 * HTTP interface takes (`param_x=...`), which is exactly what the engine parses for `{x:Type}`.
 */
export function paramStatements(params: Readonly<Record<string, string>>): string[] {
  return Object.entries(params).map(([name, text]) => `SET ${checkSettingName(`param_${name}`)} = ${quoteString(text)}`);
}

export function useStatement(database: string): string {
  return `USE ${quoteIdentifier(database)}`;
}

const TRAILING_FORMAT = /\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i;

/** The output/input format named by a trailing `FORMAT X` clause. */
export function trailingFormat(sql: string): string | undefined {
  return TRAILING_FORMAT.exec(sql)?.[1];
}

/** Removes trailing semicolons and white space (chDB runs `a; b;` as two statements plus an empty one). */
export function trimStatement(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/**
 * Rewrites `INSERT INTO t [(cols)] [SETTINGS ...] FORMAT X` (data to follow) into
 * `INSERT INTO t [(cols)] FROM INFILE 'file' [COMPRESSION 'c'] [SETTINGS ...] FORMAT X`, so the
 * engine reads the data from a spooled file: binary formats (Parquet, Native) pass untouched and
 * a large body never sits whole in memory. `VALUES` at the end means format Values.
 */
export function insertFromFile(sql: string, file: string, compression?: string): string {
  let head = trimStatement(sql);
  let format = trailingFormat(head);
  if (format) head = head.replace(TRAILING_FORMAT, '');
  else if (/\bVALUES\s*$/i.test(head)) {
    format = 'Values';
    head = head.replace(/\bVALUES\s*$/i, '');
  } else {
    throw new Error('An INSERT with data in the request body must end with FORMAT <name> (or VALUES).');
  }
  head = head.trimEnd();
  const from = `FROM INFILE ${quoteString(file)}${compression ? ` COMPRESSION ${quoteString(compression)}` : ''}`;
  const settingsAt = head.search(/\bSETTINGS\b/i);
  const withFrom = settingsAt >= 0 ? `${head.slice(0, settingsAt)}${from} ${head.slice(settingsAt)}` : `${head} ${from}`;
  return `${withFrom} FORMAT ${format}`;
}

/** Finds a `log_comment` given inline (`SETTINGS log_comment = '...'`). */
export function inlineLogComment(sql: string): string | undefined {
  const m = /\blog_comment\s*=\s*'((?:[^'\\]|\\.)*)'/i.exec(sql);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : undefined;
}
