/**
 * Reads what a request asks for from its URL parameters and headers, as clickhouse-server's
 * dynamic query handler does: `query`, `database`, `default_format`, `query_id`, sessions,
 * `param_<name>` query parameters, and every other parameter as a setting.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { EndpointError } from './errors';

export interface SessionRequest {
  id: string;
  timeoutSeconds: number;
  /** `session_check=1`: the session must exist already. */
  check: boolean;
  /** `close_session=1`: close it after this request. */
  close: boolean;
}

export interface QueryRequestParams {
  /** The `query` parameter (the body may continue it or carry INSERT data). */
  query: string | undefined;
  database: string | undefined;
  defaultFormat: string | undefined;
  queryId: string | undefined;
  session: SessionRequest | undefined;
  /** `param_<name>` values in the HTTP text form. */
  params: Record<string, string>;
  /** Settings for this query, as given (text). */
  settings: Record<string, string>;
  /** `enable_http_compression` and the zlib level, for the response. */
  compression: { enabled: boolean; level: number };
  /** `wait_end_of_query=1`: answer only after the query finished (no partial result before an error). */
  waitEndOfQuery: boolean;
  /** `buffer_size` / `http_response_buffer_size`: bytes held before the first flush (0: the default). */
  bufferSize: number;
  /** `send_progress_in_http_headers=1`: X-ClickHouse-Progress every `intervalMs` (default 100). */
  progress: { enabled: boolean; intervalMs: number };
  /** `output_format_json_array_of_rows=1` turns the JSONEachRow family's Content-Type into application/json. */
  jsonArrayOfRows: boolean;
}

export const DEFAULT_SESSION_TIMEOUT_S = 60;
export const MAX_SESSION_TIMEOUT_S = 3600;

// Parameters clickhouse-server never treats as settings (HTTPHandler reserved_param_names and friends).
const RESERVED = new Set([
  'query',
  'database',
  'default_format',
  'compress',
  'decompress',
  'user',
  'password',
  'quota_key',
  'query_id',
  'stacktrace',
  'buffer_size',
  'wait_end_of_query',
  'session_id',
  'session_timeout',
  'session_check',
  'client_protocol_version',
  'close_session',
  'role',
]);

// Settings about the HTTP exchange itself: the endpoint honours or ignores them; the engine never sees them.
const HTTP_SETTINGS = new Set([
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_wait_end_of_query',
  'http_response_buffer_size',
  'add_http_cors_header',
  'cancel_http_readonly_queries_on_client_close',
  'http_write_exception_in_output_format',
  'http_native_compression_disable_checksumming_on_decompress',
]);

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function flag(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/** Parses a request's parameters; throws {@link EndpointError} for values clickhouse-server rejects. */
export function parseQueryRequest(search: URLSearchParams, headers: IncomingHttpHeaders): QueryRequestParams {
  if (flag(search.get('compress')) || flag(search.get('decompress'))) {
    throw new EndpointError(
      'NOT_IMPLEMENTED',
      "ClickHouse's native block compression (compress=1 / decompress=1) is not supported by the local endpoint; use HTTP compression instead (Content-Encoding: gzip for the body, enable_http_compression=1 with Accept-Encoding for the result)",
    );
  }
  const role = search.get('role');
  if (role)
    throw new EndpointError(
      'UNKNOWN_ROLE',
      `There is no role \`${role.slice(0, 64)}\` in user directories: the local endpoint has one user and no roles`,
    );

  const params: Record<string, string> = {};
  const settings: Record<string, string> = {};
  let compressionEnabled = false;
  let level = 3;
  let waitEnd = false;
  let bufferSize = 0;
  let progress = false;
  let intervalMs = 100;
  for (const [key, value] of search) {
    if (key === '' || RESERVED.has(key)) continue;
    if (key.startsWith('param_')) {
      const name = key.slice('param_'.length);
      // The first value wins, as on clickhouse-server.
      if (!(name in params)) params[name] = value;
      continue;
    }
    if (!SETTING_NAME.test(key)) throw new EndpointError('UNKNOWN_SETTING', `Unknown setting '${key.slice(0, 64)}'`);
    if (key === 'enable_http_compression') compressionEnabled = flag(value);
    else if (key === 'http_zlib_compression_level') level = clampLevel(value);
    else if (key === 'http_wait_end_of_query') waitEnd = flag(value);
    else if (key === 'http_response_buffer_size') bufferSize = count(value, bufferSize);
    else if (key === 'send_progress_in_http_headers') progress = flag(value);
    else if (key === 'http_headers_progress_interval_ms') intervalMs = count(value, intervalMs);
    if (HTTP_SETTINGS.has(key)) continue;
    settings[key] = value;
  }
  if (search.has('wait_end_of_query')) waitEnd = flag(search.get('wait_end_of_query'));
  // The URL's buffer_size wins over the setting, as in HTTPHandler.
  if (search.has('buffer_size')) bufferSize = count(search.get('buffer_size') ?? '', bufferSize);

  const sessionId = search.get('session_id');
  return {
    query: search.get('query') ?? undefined,
    database: header(headers, 'x-clickhouse-database') ?? (search.get('database') || undefined),
    defaultFormat: header(headers, 'x-clickhouse-format') ?? (search.get('default_format') || undefined),
    queryId: search.get('query_id') || header(headers, 'x-clickhouse-query-id') || undefined,
    session: sessionId
      ? {
          id: sessionId,
          timeoutSeconds: parseSessionTimeout(search.get('session_timeout')),
          check: flag(search.get('session_check')),
          close: flag(search.get('close_session')),
        }
      : undefined,
    params,
    settings,
    compression: { enabled: compressionEnabled, level },
    waitEndOfQuery: waitEnd,
    bufferSize,
    progress: { enabled: progress, intervalMs },
    jsonArrayOfRows: flag(settings.output_format_json_array_of_rows),
  };
}

function parseSessionTimeout(text: string | null): number {
  if (text === null) return DEFAULT_SESSION_TIMEOUT_S;
  if (!/^\d+$/.test(text))
    throw new EndpointError('INVALID_SESSION_TIMEOUT', `Invalid session timeout: '${text.slice(0, 32)}'`);
  const seconds = Number(text);
  if (seconds > MAX_SESSION_TIMEOUT_S) {
    throw new EndpointError(
      'INVALID_SESSION_TIMEOUT',
      `Session timeout '${text}' is larger than max_session_timeout: ${MAX_SESSION_TIMEOUT_S}`,
    );
  }
  return seconds;
}

function count(text: string, fallback: number): number {
  const n = Number(text.trim());
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

function clampLevel(text: string): number {
  const n = Number(text);
  return Number.isInteger(n) ? Math.min(9, Math.max(1, n)) : 3;
}
