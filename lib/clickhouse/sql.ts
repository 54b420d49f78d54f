/** An identifier (database, table, column, index name) that cannot be used safely. */
export class InvalidIdentifierError extends Error {
  override readonly name = 'InvalidIdentifierError';
  constructor(
    readonly identifier: string,
    reason: string,
  ) {
    super(`Invalid identifier ${JSON.stringify(identifier)}: ${reason}`);
  }
}

const MAX_IDENTIFIER_LENGTH = 255;

/**
 * The one place identifiers enter SQL. Validates (non-empty, bounded, no control characters)
 * and quotes with backticks, escaping backslashes and backticks, so any name, including one
 * written to break out (`x\`; DROP TABLE y`), stays a single identifier.
 */
export function quoteIdentifier(name: string): string {
  if (typeof name !== 'string') throw new InvalidIdentifierError(String(name), 'expected a string.');
  if (name.length === 0) throw new InvalidIdentifierError(name, 'it is empty.');
  if (name.length > MAX_IDENTIFIER_LENGTH) throw new InvalidIdentifierError(name.slice(0, 40) + '…', `longer than ${MAX_IDENTIFIER_LENGTH} characters.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new InvalidIdentifierError(name, 'it contains control characters.');
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** `db`.`table`, both parts through {@link quoteIdentifier}. */
export function qualifiedName(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

/** A ClickHouse string literal, for the rare places a literal must be inlined (engine-level DDL). */
export function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

export type QueryKind = 'Select' | 'Insert' | 'Create' | 'Alter' | 'Drop' | 'Rename' | 'System' | 'Set' | 'Use' | 'Show' | 'Describe' | 'Explain' | 'Optimize' | 'Truncate' | 'Delete' | 'Update' | 'Kill' | 'Exists' | 'Check' | 'Grant' | 'Other';

const KIND_BY_KEYWORD: Record<string, QueryKind> = {
  SELECT: 'Select', WITH: 'Select', INSERT: 'Insert', CREATE: 'Create', ATTACH: 'Create', ALTER: 'Alter', DROP: 'Drop',
  DETACH: 'Drop', RENAME: 'Rename', EXCHANGE: 'Rename', SYSTEM: 'System', SET: 'Set', USE: 'Use', SHOW: 'Show', DESCRIBE: 'Describe',
  DESC: 'Describe', EXPLAIN: 'Explain', OPTIMIZE: 'Optimize', TRUNCATE: 'Truncate', DELETE: 'Delete', UPDATE: 'Update',
  KILL: 'Kill', EXISTS: 'Exists', CHECK: 'Check', GRANT: 'Grant', REVOKE: 'Grant', UNDROP: 'Create',
};

/** Removes leading whitespace, `-- comments` and `/* comments *\/` (and an opening parenthesis). */
export function stripLeadingComments(sql: string): string {
  let s = sql;
  for (;;) {
    const before = s;
    s = s.replace(/^\s+/, '');
    if (s.startsWith('--') || s.startsWith('#!') || s.startsWith('# ')) {
      const nl = s.indexOf('\n');
      s = nl < 0 ? '' : s.slice(nl + 1);
    } else if (s.startsWith('/*')) {
      const end = s.indexOf('*/');
      s = end < 0 ? '' : s.slice(end + 2);
    } else if (s.startsWith('(')) {
      s = s.slice(1);
    }
    if (s === before) return s;
  }
}

/** The kind of a statement from its first keyword, with the names system.query_log uses. */
export function queryKind(sql: string): QueryKind {
  const m = /^([A-Za-z]+)/.exec(stripLeadingComments(sql));
  return (m && KIND_BY_KEYWORD[m[1]!.toUpperCase()]) || 'Other';
}

/** True for statements that only read (what a GET request or a read-only user may run). */
export function isReadOnlyKind(kind: QueryKind): boolean {
  return kind === 'Select' || kind === 'Show' || kind === 'Describe' || kind === 'Explain' || kind === 'Exists' || kind === 'Set' || kind === 'Use' || kind === 'Check';
}
