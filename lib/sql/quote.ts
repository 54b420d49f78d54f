/** @file The one place names and literals are quoted into SQL text. */
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
  if (name.length > MAX_IDENTIFIER_LENGTH)
    throw new InvalidIdentifierError(name.slice(0, 40) + '…', `longer than ${MAX_IDENTIFIER_LENGTH} characters.`);
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
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
