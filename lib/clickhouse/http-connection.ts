/**
 * The kit's HTTP transport to its own local endpoint, plugged into the official client with
 * `createClient({ connection })` (as the embedded engine is): same ClickHouseClient, result sets,
 * ClickHouseError and HTTP interface, one timer tick less per request.
 *
 * Why: @clickhouse/client's Node transport waits `setTimeout(0)` (at least 1 ms) before every
 * request, a guard against reusing a keep-alive socket the server is about to close under high CPU
 * load (clickhouse-js #294). Against the local endpoint that wait was over half of a small query's
 * whole cost. Here the guard is the server's own hint instead: Node's agent retires a kept-alive
 * socket before the `Keep-Alive: timeout` the endpoint announces, and a request whose reused
 * socket was closed under it before any answer is sent once more (only bodies held in memory).
 * Servers other than the kit's endpoint always get the official transport (TLS, JWT, compression).
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { parseError, type ClickHouseSettings } from '@clickhouse/client';
import type {
  ClientCommandParams as CommandParams,
  ClientConnection,
  ClientExecParams as ExecParams,
  ClientExecResult as ExecResult,
  ClientInsertParams as InsertParams,
  ClientQueryParams as QueryParams,
  ClientQueryResult as QueryResult,
  ClientSummary as ClickHouseSummary,
} from '../engine';
import { formatParamValue } from '../sql';

type ResponseHeaders = QueryResult['response_headers'];

export interface KitHttpConnectionOptions {
  /** The endpoint's base URL (http://127.0.0.1:8123). */
  url: string;
  username: string;
  password: string;
  database: string;
  /** Socket idle time after which a request fails (as the official client's request_timeout). */
  requestTimeoutMs: number;
  /** Part of the User-Agent, so the endpoint's log names the caller. */
  application: string;
  /** Requests running at once (the official client's max_open_connections default). */
  maxSockets?: number;
}

interface Sent {
  response: IncomingMessage;
  stream: Readable;
}

export class KitHttpConnection implements ClientConnection {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: KitHttpConnectionOptions) {
    this.base = new URL(options.url);
    if (this.base.protocol !== 'http:')
      throw new TypeError(`The kit's HTTP transport is for the local endpoint (http://), not ${this.base.protocol}`);
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 10, scheduling: 'lifo' });
    this.headers = {
      Authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`,
      'User-Agent': `${options.application} (kit-http; node ${process.version})`,
    };
  }

  async ping(): Promise<{ success: true } | { success: false; error: Error }> {
    try {
      const { stream } = await this.send({
        method: 'GET',
        path: '/ping',
        search: new URLSearchParams(),
        body: undefined,
        headers: {},
      });
      await drain(stream);
      return { success: true };
    } catch (e) {
      return { success: false, error: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  async query(params: QueryParams): Promise<QueryResult> {
    const queryId = params.query_id ?? randomUUID();
    const { response, stream } = await this.send(this.requestFor(params, queryId, params.query));
    return {
      query_id: queryId,
      stream,
      response_headers: responseHeaders(response.headers),
      http_status_code: response.statusCode,
    };
  }

  async command(params: CommandParams): Promise<Awaited<ReturnType<ClientConnection['command']>>> {
    const queryId = params.query_id ?? randomUUID();
    const { response, stream } = await this.send({
      ...this.requestFor(params, queryId, params.query),
      ignoreError: params.ignore_error_response,
    });
    await drain(stream);
    return {
      query_id: queryId,
      summary: summaryOf(response.headers),
      response_headers: responseHeaders(response.headers),
      http_status_code: response.statusCode,
    };
  }

  async exec(params: ExecParams): Promise<ExecResult> {
    const queryId = params.query_id ?? randomUUID();
    const req =
      params.values === undefined
        ? this.requestFor(params, queryId, params.query)
        : this.requestFor(params, queryId, params.values, params.query);
    const { response, stream } = await this.send({
      ...req,
      ignoreError: params.ignore_error_response,
      decompress: params.decompress_response_stream ?? true,
    });
    return {
      query_id: queryId,
      stream,
      summary: summaryOf(response.headers),
      response_headers: responseHeaders(response.headers),
      http_status_code: response.statusCode,
    };
  }

  async insert(params: InsertParams): Promise<Awaited<ReturnType<ClientConnection['insert']>>> {
    const queryId = params.query_id ?? randomUUID();
    const { response, stream } = await this.send(this.requestFor(params, queryId, params.values, params.query));
    await drain(stream);
    return {
      query_id: queryId,
      summary: summaryOf(response.headers),
      response_headers: responseHeaders(response.headers),
      http_status_code: response.statusCode,
    };
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  /** The URL parameters and body of a statement; with data, the statement travels in the URL. */
  private requestFor(params: QueryParams, queryId: string, body: string | Readable, statement?: string): Request {
    const search = new URLSearchParams();
    search.set('database', this.options.database);
    search.set('query_id', queryId);
    if (statement !== undefined) search.set('query', statement);
    if (params.session_id) search.set('session_id', params.session_id);
    for (const role of [params.role ?? []].flat()) search.append('role', role);
    const settings: ClickHouseSettings = params.clickhouse_settings ?? {};
    for (const [k, v] of Object.entries(settings)) {
      if (v !== undefined) search.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    }
    for (const [k, v] of Object.entries(params.query_params ?? {})) search.set(`param_${k}`, formatParamValue(v));
    const headers: Record<string, string> = { ...params.http_headers };
    if (params.auth) {
      if (!('username' in params.auth))
        throw new TypeError('The local endpoint authenticates users by password; JWT is for ClickHouse Cloud.');
      headers.Authorization = `Basic ${Buffer.from(`${params.auth.username}:${params.auth.password}`).toString('base64')}`;
    }
    if (Number(settings.enable_http_compression) === 1) headers['Accept-Encoding'] = 'gzip, deflate, br';
    return { method: 'POST', path: '/', search, body, headers, signal: params.abort_signal };
  }

  private async send(req: Request): Promise<Sent> {
    try {
      return await this.sendOnce(req);
    } catch (e) {
      // A kept-alive socket closed by the server just as we reused it: nothing was answered, send again.
      if (e instanceof StaleSocketError && typeof req.body !== 'object') return this.sendOnce(req);
      throw e instanceof StaleSocketError ? e.original : e;
    }
  }

  private sendOnce(req: Request): Promise<Sent> {
    return new Promise<Sent>((resolve, reject) => {
      if (req.signal?.aborted) return reject(abortError());
      const query = req.search.toString();
      const url = `${this.base.origin}${req.path}${query ? `?${query}` : ''}`;
      const headers: Record<string, string> = { ...this.headers, ...req.headers };
      if (typeof req.body === 'string') headers['Content-Length'] = String(Buffer.byteLength(req.body));
      else if (req.body) headers['Transfer-Encoding'] = 'chunked';
      let settled = false;
      const fail = (e: unknown): void => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      const client = httpRequest(url, { method: req.method, agent: this.agent, headers });
      const onAbort = (): void => {
        fail(abortError());
        client.destroy();
      };
      const cleanup = (): void => req.signal?.removeEventListener('abort', onAbort);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      client.setTimeout(this.options.requestTimeoutMs, () => {
        client.destroy(
          new Error(`Timeout error: no answer from ${this.base.origin} within ${this.options.requestTimeoutMs} ms.`),
        );
      });
      client.on('error', (e: NodeJS.ErrnoException) => {
        const stale = client.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE');
        fail(stale ? new StaleSocketError(e) : e);
      });
      client.on('response', (response) => {
        const failed =
          (response.statusCode ?? 500) >= 300 || response.headers['x-clickhouse-exception-code'] !== undefined;
        // An abort while the result streams ends the stream with the abort error (listener gone with the response).
        const onStreamAbort = (): void => void response.destroy(abortError());
        req.signal?.addEventListener('abort', onStreamAbort, { once: true });
        response.once('close', () => req.signal?.removeEventListener('abort', onStreamAbort));
        if (failed && !req.ignoreError) {
          readText(decoded(response))
            .then((text) => fail(parseError(text.trim() || `HTTP ${response.statusCode} from ${this.base.origin}`)))
            .catch(fail);
          return;
        }
        if (settled) return void response.destroy();
        settled = true;
        cleanup();
        resolve({ response, stream: req.decompress === false ? response : decoded(response) });
      });
      if (req.body === undefined || typeof req.body === 'string') client.end(req.body);
      else {
        req.body.on('error', (e) => client.destroy(e));
        req.body.pipe(client);
      }
    });
  }
}

interface Request {
  method: 'GET' | 'POST';
  path: string;
  search: URLSearchParams;
  body: string | Readable | undefined;
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
  ignoreError?: boolean | undefined;
  decompress?: boolean | undefined;
}

class StaleSocketError extends Error {
  constructor(readonly original: Error) {
    super(original.message);
  }
}

function abortError(): Error {
  return new Error('The user aborted a request.');
}

function decoded(response: IncomingMessage): Readable {
  const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
  const codec =
    encoding === 'gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (!codec) return response;
  response.on('error', (e) => codec.destroy(e));
  return response.pipe(codec);
}

async function readText(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream) void _;
}

function responseHeaders(headers: IncomingHttpHeaders): ResponseHeaders {
  return { ...headers };
}

function summaryOf(headers: IncomingHttpHeaders): ClickHouseSummary | undefined {
  const raw = headers['x-clickhouse-summary'];
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as ClickHouseSummary;
  } catch {
    return undefined;
  }
}
