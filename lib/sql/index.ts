/**
 * @module sql — SQL text, the kit's leaf layer (imports nothing of the kit but lib/config):
 * quoting, the lexer, statement scanning on that lexer, setting/parameter statements, parameter
 * values in the HTTP text form, and the kit's error type with ClickHouse's error-text parser.
 */
export { InvalidIdentifierError, qualifiedName, quoteIdentifier, quoteString } from './quote';
export { isPunct, Lexer, tokenize, upper } from './lexer';
export type { Token, TokenType } from './lexer';
export {
  inlineLogComment,
  insertFromFile,
  insertInputFormat,
  isFlushLogs,
  isReadOnlyKind,
  leadingWords,
  outputClause,
  queryKind,
  trailingFormat,
  trimStatement,
} from './statement';
export type { OutputClause, QueryKind } from './statement';
export { checkSettingName, paramStatements, settingLiteral, useStatement } from './settings';
export type { SettingValue } from './settings';
export { formatParamValue } from './params';
export { excerpt, parseClickHouseErrorText, toWarehouseError, WarehouseError, WarehouseLockedError } from './errors';
