/**
 * Errors the endpoint raises itself (before or around the engine), with ClickHouse's numeric
 * codes and names, and the HTTP status clickhouse-server answers each code with.
 */

/** ClickHouse error codes the endpoint produces (numbers as in ClickHouse 26.7, `errorCodeToName`). */
export const Codes = {
  NOT_IMPLEMENTED: 48,
  SYNTAX_ERROR: 62,
  UNKNOWN_TYPE_OF_QUERY: 78,
  UNKNOWN_COMPRESSION_METHOD: 89,
  UNKNOWN_SETTING: 115,
  READONLY: 164,
  QUERY_IS_TOO_LARGE: 229,
  ZLIB_INFLATE_FAILED: 354,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  SESSION_NOT_FOUND: 372,
  INVALID_SESSION_TIMEOUT: 374,
  HTTP_LENGTH_REQUIRED: 381,
  QUERY_WAS_CANCELLED: 394,
  PATH_ACCESS_DENIED: 481,
  UNKNOWN_ROLE: 511,
  AUTHENTICATION_FAILED: 516,
  STD_EXCEPTION: 1001,
} as const;

export type CodeName = keyof typeof Codes;

/** A request the endpoint refuses, in ClickHouse's terms (code, name, message). */
export class EndpointError extends Error {
  override readonly name = 'EndpointError';
  readonly code: number;
  constructor(
    readonly type: CodeName,
    message: string,
  ) {
    super(message);
    this.code = Codes[type];
  }
}

/** The endpoint cannot start as configured (unsafe or missing settings); the message says what to do. */
export class EndpointConfigError extends Error {
  override readonly name = 'EndpointConfigError';
}

// clickhouse-server's exceptionCodeToHTTPStatus (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp).
const STATUS_BY_CODE = new Map<number, number>();
const statusFor = (status: number, codes: number[]): void => codes.forEach((c) => STATUS_BY_CODE.set(c, status));
statusFor(401, [194]); // REQUIRED_PASSWORD
statusFor(403, [192, 193, 516, 512, 497]); // UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED, SET_NON_GRANTED_ROLE, ACCESS_DENIED
// BAD_ARGUMENTS, CANNOT_COMPILE_REGEXP, CANNOT_PARSE_* , DUPLICATE_COLUMN, ILLEGAL_COLUMN, UNKNOWN_ELEMENT_IN_AST,
// UNKNOWN_TYPE_OF_AST_NODE, THERE_IS_NO_COLUMN, TOO_DEEP_AST, TOO_BIG_AST, UNEXPECTED_AST_STRUCTURE, SYNTAX_ERROR,
// INCORRECT_DATA, TYPE_MISMATCH, VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
statusFor(
  400,
  [36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223, 62, 117, 53, 321],
);
// UNKNOWN_TABLE, _FUNCTION, _IDENTIFIER, _TYPE, _STORAGE, _DATABASE, _SETTING, _DIRECTION_OF_SORTING,
// _AGGREGATE_FUNCTION, _FORMAT, _DATABASE_ENGINE, _TYPE_OF_QUERY, _ROLE
statusFor(404, [60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511]);
statusFor(413, [229]); // QUERY_IS_TOO_LARGE
statusFor(501, [48]); // NOT_IMPLEMENTED
statusFor(503, [209, 76, 439]); // SOCKET_TIMEOUT, CANNOT_OPEN_FILE, CANNOT_SCHEDULE_TASK
statusFor(411, [381]); // HTTP_LENGTH_REQUIRED
statusFor(408, [159]); // TIMEOUT_EXCEEDED
statusFor(415, [779]); // UNSUPPORTED_MEDIA_TYPE

/** The HTTP status clickhouse-server uses for an exception code (500 for the rest, e.g. READONLY). */
export function httpStatusForCode(code: number): number {
  return STATUS_BY_CODE.get(code) ?? 500;
}

/** ClickHouse's text form: `Code: 62. DB::Exception: <message>. (SYNTAX_ERROR) (version 26.7.2.1)`. */
export function exceptionText(code: number, type: string, message: string, version: string): string {
  const body = message.endsWith('.') ? message : `${message}.`;
  return `Code: ${code}. DB::Exception: ${body} (${type}) (version ${version})`;
}

// The engine's own temporary files (INSERT data pipes and spools, result pipes): never shown.
const INTERNAL_PATH = /'?\/[^\s'"]*\/kit-(?:fifo|ingest)-[^\s'"]*'?/g;

/**
 * An engine error in clickhouse-server's text form, said once: `Code: N. DB::Exception: <message>.
 * (NAME) (version V)`. Prefixes the engine's layers added again are dropped, and so is any mention
 * of the endpoint's internals (its temporary files).
 */
export function serverErrorText(code: number, type: string, message: string, version: string, user?: string): string {
  let body = message.trim();
  body = body.replace(/^(?:Code:\s*\d+\.\s*(?:DB::Exception:\s*)?)+/, '');
  // The engine repeats `(NAME) (version V)` once per layer: the text ends at the first.
  body = body.replace(/\.?\s*\([A-Z][A-Z0-9_]+\)\s*\(version [^)]*\)[\s\S]*$/, '');
  body = body.replace(/\s*\([A-Z][A-Z0-9_]+\)\s*$/, '');
  body = body.replace(/(?:Code:\s*\d+\.\s*DB::Exception:\s*)+/g, '');
  // INSERT data reaches the engine as a file: what names that file is the endpoint's business.
  body = body.replace(/\s*\(in file\/uri [^)]*\)?/g, '');
  body = body.replace(/[:.,]?\s*While reading from:\s*(?:'[^']*'|\S+)/g, '');
  body = body.replace(/:?\s*While executing File/g, '');
  body = body.replace(/:?\s*data for INSERT was parsed from file/g, '');
  body = body.replace(INTERNAL_PATH, 'the request body');
  // The engine runs every query as its `default` user; the client logged in as `user`.
  if (user) body = body.replace(/^default: /, `${user}: `);
  return exceptionText(code, type, body.trim(), version);
}

/** Appends the version to an engine error text (`Code: N. DB::Exception: ... (NAME)`). */
export function withVersion(text: string, version: string): string {
  return /\(version [^)]*\)\s*$/.test(text) ? text : `${text} (version ${version})`;
}

/**
 * The block clickhouse-server (25.11+) writes into a response whose body had already started
 * when the query failed; clients find it through the `X-ClickHouse-Exception-Tag` header.
 */
export function inBandException(text: string, tag: string): Buffer {
  const message = `${text}\n`;
  const length = Buffer.byteLength(message);
  return Buffer.from(`\r\n__exception__\r\n${tag}\r\n${message}${length} ${tag}\r\n__exception__\r\n`);
}
