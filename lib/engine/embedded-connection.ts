import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ClickHouseError } from '@clickhouse/client';
import { formatParamValue, type SettingValue } from '../sql';
import type {
  ClientCommandParams,
  ClientCommandResult,
  ClientConnection,
  ClientExecParams,
  ClientExecResult,
  ClientInsertParams,
  ClientInsertResult,
  ClientQueryParams,
  ClientQueryResult,
  ClientSummary,
} from './client-contract';
import type { EmbeddedEngine } from './engine';
import { EngineError } from './errors';
import { spool } from './spool';
import { emptySummary, type EngineRequest, type EngineResult, type EngineSummary } from './types';

// clickhouse-js sends these to the HTTP server; they mean nothing in-process.
const HTTP_ONLY = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
  'default_format',
]);

/**
 * Plugs the embedded engine into the official client: `createClient({ connection })` then
 * behaves as it does against a server (typed results, ClickHouseError-compatible codes,
 * per-query settings that do not stick, streaming inserts of any format).
 */
export class EmbeddedConnection implements ClientConnection {
  private closed = false;

  constructor(
    private readonly engine: EmbeddedEngine,
    private readonly options: { database: string; user: string; onClose?: () => Promise<void> },
  ) {}

  async ping(): Promise<{ success: true } | { success: false; error: Error }> {
    try {
      await this.command({ query: 'SELECT 1' });
      return { success: true };
    } catch (e) {
      return { success: false, error: e as Error };
    }
  }

  async query(params: ClientQueryParams): Promise<ClientQueryResult> {
    const { result } = await this.start(params);
    return { query_id: result.queryId, stream: toReadable(result.chunks), response_headers: {}, http_status_code: 200 };
  }

  async command(params: ClientCommandParams): Promise<ClientCommandResult> {
    const { result } = await this.start(params);
    for await (const _ of result.chunks) void _;
    return {
      query_id: result.queryId,
      summary: toSummary(await result.done),
      response_headers: {},
      http_status_code: 200,
    };
  }

  async exec(params: ClientExecParams): Promise<ClientExecResult> {
    if (params.values === undefined) {
      const { result } = await this.start(params);
      const summary = toSummary(await settledSummary(result.done));
      return {
        query_id: result.queryId,
        stream: toReadable(result.chunks),
        summary,
        response_headers: {},
        http_status_code: 200,
      };
    }
    const values = params.values;
    return this.withData(
      values,
      async (data) => {
        const { result } = await this.start(params, data);
        for await (const _ of result.chunks) void _;
        return {
          query_id: result.queryId,
          stream: Readable.from([]),
          summary: toSummary(await result.done),
          response_headers: {},
          http_status_code: 200,
        };
      },
      () => ({
        query_id: params.query_id ?? randomUUID(),
        stream: Readable.from([]),
        summary: toSummary(emptySummary()),
        response_headers: {},
        http_status_code: 200,
      }),
    );
  }

  async insert(params: ClientInsertParams): Promise<ClientInsertResult> {
    return this.withData(
      params.values,
      async (data) => {
        const { result } = await this.start(params, data);
        for await (const _ of result.chunks) void _;
        return {
          query_id: result.queryId,
          summary: toSummary(await result.done),
          response_headers: {},
          http_status_code: 200,
        };
      },
      () => ({
        query_id: params.query_id ?? randomUUID(),
        summary: toSummary(emptySummary()),
        response_headers: {},
        http_status_code: 200,
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.options.onClose?.();
  }

  /** Spools the body to a file for the engine; an empty body is a no-op, as on the server. */
  private async withData<T>(
    values: string | Readable,
    run: (data: { file: string }) => Promise<T>,
    empty: () => T,
  ): Promise<T> {
    const spooled = await spool(values);
    try {
      return spooled.bytes === 0 ? empty() : await run({ file: spooled.file });
    } finally {
      await spooled.remove();
    }
  }

  private async start(
    params: ClientQueryParams | ClientCommandParams,
    data?: { file: string },
  ): Promise<{ result: EngineResult }> {
    if (this.closed) throw new EngineError('The client is closed.', { type: 'CLIENT_CLOSED' });
    const request: EngineRequest = {
      sql: params.query,
      params: formatParams(params.query_params),
      settings: cleanSettings(params.clickhouse_settings),
      database: this.options.database,
      queryId: params.query_id ?? randomUUID(),
      user: this.options.user,
      data,
      signal: params.abort_signal,
      interface: 'embedded',
    };
    try {
      if (params.session_id) request.session = this.engine.session(params.session_id, { create: true });
      return { result: await this.engine.execute(request) };
    } catch (e) {
      throw asClientError(e);
    }
  }
}

/** The client's own error type, so `catch (e) { e instanceof ClickHouseError }` works in every mode. */
function asClientError(e: unknown): unknown {
  if (!(e instanceof EngineError) || e.code === undefined) return e;
  const err = new ClickHouseError({
    message: e.message.replace(/^Code: \d+\. DB::Exception: /, '').replace(/ \([A-Z_]+\)$/, ''),
    code: String(e.code),
    type: e.type,
  });
  Object.defineProperty(err, 'query_id', { value: e.queryId, enumerable: false });
  return err;
}

function formatParams(params: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!params) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[k] = formatParamValue(v);
  return out;
}

function cleanSettings(settings: ClientQueryParams['clickhouse_settings']): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const [k, v] of Object.entries(settings ?? {})) {
    if (v === undefined || HTTP_ONLY.has(k)) continue;
    out[k] = typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : String(v);
  }
  return out;
}

function toReadable(chunks: AsyncIterable<Uint8Array>): Readable {
  return Readable.from(
    (async function* () {
      for await (const c of chunks) yield Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    })(),
    { objectMode: false },
  );
}

async function settledSummary(done: Promise<EngineSummary>): Promise<EngineSummary> {
  // exec hands the stream to the caller: the summary is only known once it is read.
  const pending = emptySummary();
  const timeout = new Promise<EngineSummary>((r) => setImmediate(() => r(pending)));
  return Promise.race([done.catch(() => pending), timeout]);
}

function toSummary(s: EngineSummary): ClientSummary {
  return {
    read_rows: String(s.read_rows),
    read_bytes: String(s.read_bytes),
    written_rows: String(s.written_rows),
    written_bytes: String(s.written_bytes),
    result_rows: String(s.result_rows),
    result_bytes: String(s.result_bytes),
    total_rows_to_read: String(s.read_rows),
    elapsed_ns: String(s.elapsed_ns),
  };
}
