/**
 * The local ClickHouse HTTP endpoint: clickhouse-server's HTTP interface over the embedded
 * engine, so every notebook kernel, script and test of the machine shares one data folder
 * through the same protocol, clients and tools they would use against a server.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { KitConfig } from '../config';
import { secretsOf } from '../config';
import { advertiseDataFolderUrl, EmbeddedEngine, emptySummary, engineOptionsFor, withdrawDataFolderUrl, type EngineSession, type EngineSummary } from '../engine';
import { isReadOnlyKind, queryKind, WarehouseError, type SettingValue } from '../sql';
import { AccessLog } from './access-log';
import { readCredentials, UserCheck } from './auth';
import { prepareQuery } from './body';
import { chooseResponseEncoding, requestEncoding } from './compression';
import { EndpointConfigError, EndpointError, exceptionText, httpStatusForCode, withVersion } from './errors';
import { endpointFlags, endpointPaths } from './paths';
import { parseQueryRequest, type SessionRequest } from './request';
import { commonHeaders, contentTypeFor, ResultWriter, sendError, summaryHeader } from './response';
import { isEmptyQuery, statementProblem } from './sql-scan';

export interface EndpointOptions {
  /** Address to bind (default CLICKHOUSE_HTTP_HOST, 127.0.0.1). */
  host?: string;
  /** Port (default CLICKHOUSE_HTTP_PORT, 8123); 0 picks a free one. */
  port?: number;
  /** Allow a non-loopback address (default: CLICKHOUSE_HTTP_ALLOW_REMOTE=1). */
  allowRemote?: boolean;
  /** Accept an empty password (default: CLICKHOUSE_ALLOW_EMPTY_PASSWORD=1). */
  allowEmptyPassword?: boolean;
  /** Per-query log file (default `<storageDir>/logs/clickhouse-endpoint.log`); false: none. */
  logFile?: string | false;
  /** X-ClickHouse-Server-Display-Name (default: the host name). */
  displayName?: string;
  /** How long close() lets running requests finish before cutting them (default 10 s). */
  shutdownGraceMs?: number;
  /** Sessionless queries that run at once (default 16: clients of a server expect many). */
  poolSize?: number;
}

export interface EndpointHandle {
  url: string;
  host: string;
  port: number;
  /** Stops accepting, lets running requests finish (then cancels them), flushes the query log, releases the engine. */
  close(): Promise<void>;
}

interface Context {
  engine: EmbeddedEngine;
  users: UserCheck;
  version: string;
  timezone: string;
  displayName: string;
  log: AccessLog | undefined;
  closing: boolean;
}

// Large enough for the URLs clickhouse-server accepts (http_max_uri_size, 1 MiB): vectors travel as param_ values.
const MAX_HEADER_BYTES = (1 << 20) + (64 << 10);
const KEEP_ALIVE_MS = 10_000;
// Each running query holds a libuv thread: the endpoint process gets more of them (scripts/stack/endpoint.ts).
const DEFAULT_POOL_SIZE = 16;

/** Starts the endpoint in this process (tests, benchmarks); `scripts/endpoint.ts` runs it as a service. */
export async function startEndpoint(config: KitConfig, options: EndpointOptions = {}): Promise<EndpointHandle> {
  const flags = endpointFlags(config);
  const host = options.host ?? config.clickhouse.httpHost;
  const port = options.port ?? config.clickhouse.httpPort;
  if (!isLoopback(host) && !(options.allowRemote ?? flags.allowRemote)) {
    throw new EndpointConfigError(
      `CLICKHOUSE_HTTP_HOST=${host} would expose the warehouse beyond this machine. The local endpoint binds to 127.0.0.1 by default; set CLICKHOUSE_HTTP_ALLOW_REMOTE=1 as well if you really mean to serve other machines.`,
    );
  }
  if (config.clickhouse.password.isEmpty && !(options.allowEmptyPassword ?? flags.allowEmptyPassword)) {
    throw new EndpointConfigError(
      'CLICKHOUSE_PASSWORD is empty: the endpoint would accept anyone on this machine. Run `npm run setup` (it writes a random password into .env) or set CLICKHOUSE_PASSWORD; set CLICKHOUSE_ALLOW_EMPTY_PASSWORD=1 only if an open endpoint is really what you want.',
    );
  }

  const paths = endpointPaths(config);
  const engine = EmbeddedEngine.acquire({ ...engineOptionsFor(config), poolSize: options.poolSize ?? DEFAULT_POOL_SIZE });
  let log: AccessLog | undefined;
  let server: Server | undefined;
  try {
    const version = engine.version();
    const timezone = await engineTimezone(engine);
    const logFile = options.logFile ?? paths.logFile;
    log = logFile === false ? undefined : new AccessLog(logFile, secretsOf(config));
    const ctx: Context = {
      engine,
      users: new UserCheck(config.clickhouse.user, config.clickhouse.password.reveal()),
      version,
      timezone,
      displayName: options.displayName ?? hostname(),
      log,
      closing: false,
    };
    const inflight = new Set<Promise<void>>();
    const srv = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
      if (ctx.closing) res.shouldKeepAlive = false;
      const p = handle(ctx, req, res).catch(() => {
        if (!res.headersSent) res.destroy();
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    });
    server = srv;
    // Uploads of any size: no overall request deadline, only one for the headers.
    srv.requestTimeout = 0;
    srv.headersTimeout = 60_000;
    srv.keepAliveTimeout = KEEP_ALIVE_MS;
    await listen(srv, host, port);
    const address = srv.address() as AddressInfo;
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    advertiseDataFolderUrl(config.clickhouse.dataPath, url);
    log?.note(`endpoint listening on ${url} (engine ${version}, data ${config.clickhouse.dataPath}, pid ${process.pid})`);

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        ctx.closing = true;
        srv.close();
        srv.closeIdleConnections();
        const grace = new Promise((r) => setTimeout(r, options.shutdownGraceMs ?? 10_000).unref());
        await Promise.race([Promise.allSettled([...inflight]), grace]);
        // Whatever still runs is cut: its client sees the connection close and its query is cancelled.
        srv.closeAllConnections();
        await Promise.allSettled([...inflight]);
        withdrawDataFolderUrl(config.clickhouse.dataPath);
        log?.note(`endpoint stopped (${url})`);
        await engine.release();
        await log?.close();
      })();
      return closing;
    };
    return { url, host: address.address, port: address.port, close };
  } catch (e) {
    server?.close();
    await log?.close();
    await engine.release();
    throw e;
  }
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') {
        reject(new EndpointConfigError(`Port ${port} on ${host} is already in use. Stop what listens there (\`ss -ltnp | grep :${port}\`) or set CLICKHOUSE_HTTP_PORT to a free port.`));
      } else reject(e);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

async function engineTimezone(engine: EmbeddedEngine): Promise<string> {
  const result = await engine.execute({ sql: 'SELECT timezone()', interface: 'http', user: 'endpoint' });
  let text = '';
  for await (const c of result.chunks) text += Buffer.from(c).toString('utf8');
  return text.trim() || 'UTC';
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Bad request URL\n');
    return;
  }
  const method = req.method ?? 'GET';
  const path = url.pathname;
  if (method === 'OPTIONS') {
    res.writeHead(204).end();
    return;
  }
  const isGet = method === 'GET' || method === 'HEAD';
  if (isGet && (path === '/ping' || path === '/replicas_status')) {
    okText(res);
    return;
  }
  if (path !== '/') {
    const body = `There is no handle ${path.slice(0, 200)}\n\nUse / or /ping for health checks.\nOr /replicas_status for more sophisticated health checks.\n\nSend queries from your program with POST method or GET /?query=...\n`;
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Server-Display-Name': ctx.displayName }).end(body);
    return;
  }
  if (isGet && !url.searchParams.has('query') && !hasBody(req)) {
    okText(res);
    return;
  }
  await runQuery(ctx, req, res, url);
}

function okText(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': '4' }).end('Ok.\n');
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || /chunked/i.test(req.headers['transfer-encoding'] ?? '');
}

function exceptionTag(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
}

interface ErrorInfo {
  code: number;
  status: number;
  text: string;
}

function errorInfo(e: unknown, version: string): ErrorInfo {
  if (e instanceof EndpointError) return { code: e.code, status: httpStatusForCode(e.code), text: exceptionText(e.code, e.type, e.message, version) };
  if (e instanceof WarehouseError && e.code !== undefined) {
    const text = /^Code: \d+\./.test(e.message) ? e.message : exceptionText(e.code, e.type ?? 'UNKNOWN_EXCEPTION', e.message, version);
    return { code: e.code, status: httpStatusForCode(e.code), text: withVersion(text, version) };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 1001, status: 500, text: exceptionText(1001, 'STD_EXCEPTION', message, version) };
}

function openSession(engine: EmbeddedEngine, s: SessionRequest): EngineSession {
  const session = engine.session(s.id, { create: !s.check, timeoutSeconds: s.timeoutSeconds });
  if (!session) throw new EndpointError('SESSION_NOT_FOUND', `Session ${s.id.slice(0, 128)} not found`);
  return session;
}

/** Resolves with the value of a promise that has settled already, else with undefined, without waiting. */
function settledValue<T>(p: Promise<T>): Promise<T | undefined> {
  return new Promise((resolve) => {
    p.then(resolve, () => resolve(undefined));
    queueMicrotask(() => queueMicrotask(() => resolve(undefined)));
  });
}

async function runQuery(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const started = performance.now();
  const controller = new AbortController();
  // The client went away before the answer was complete: its query is cancelled.
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const tag = exceptionTag();
  const method = req.method ?? 'GET';
  const userAgent = req.headers['user-agent'];
  let queryId: string | undefined;
  let user = '';
  let kind: string = 'Unknown';
  let sql = url.searchParams.get('query') ?? '';
  let status = 200;
  let code = 0;
  let resultBytes = 0;
  let writtenRows = 0;
  let sessionRequest: SessionRequest | undefined;
  try {
    if (method === 'POST' && req.headers['content-length'] === undefined && !/chunked/i.test(req.headers['transfer-encoding'] ?? '')) {
      // clickhouse-server's answer to a POST that announces no body length.
      throw new EndpointError('HTTP_LENGTH_REQUIRED', 'The Transfer-Encoding is not chunked and there is no Content-Length header for POST request');
    }
    const credentials = readCredentials(req.headers, url.searchParams);
    user = credentials.user;
    if (!ctx.users.verify(credentials)) throw UserCheck.failure(credentials);
    const p = parseQueryRequest(url.searchParams, req.headers);
    queryId = p.queryId ?? randomUUID();
    sessionRequest = p.session;
    const prepared = await prepareQuery(p.query, {
      stream: req,
      present: hasBody(req),
      contentType: req.headers['content-type'],
      encoding: requestEncoding(req.headers['content-encoding']),
    });
    sql = prepared.sql;
    if (isEmptyQuery(sql)) throw new EndpointError('SYNTAX_ERROR', 'Empty query');
    const problem = statementProblem(sql);
    if (problem) throw problem;
    const statementKind = queryKind(sql);
    kind = statementKind;
    const readonly = method !== 'POST';
    if (readonly && !isReadOnlyKind(statementKind)) {
      throw new EndpointError(
        'READONLY',
        `${user}: Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries`,
      );
    }
    const settings: Record<string, SettingValue> = { ...p.settings };
    // The engine enforces it too: a GET never writes, whatever the statement hides.
    if (readonly && statementKind !== 'Set' && statementKind !== 'Use' && settings.readonly === undefined) settings.readonly = 2;
    const session = p.session ? openSession(ctx.engine, p.session) : undefined;
    const result = await ctx.engine.execute({
      sql,
      params: { ...prepared.formParams, ...p.params },
      settings,
      // Without `database`, a sessionless query runs in `default`, as for a server user.
      database: p.database ?? (session ? undefined : 'default'),
      queryId,
      user,
      defaultFormat: p.defaultFormat,
      session,
      // The body streams into the engine as it arrives (spooled first only for formats read by seeking).
      data: prepared.data ? { stream: prepared.data.chunks, compression: prepared.data.compression } : undefined,
      stream: !p.waitEndOfQuery,
      signal: controller.signal,
      interface: 'http',
      userAgent,
    });

    const isInsert = result.kind === 'Insert';
    const encoding = p.compression.enabled ? chooseResponseEncoding(req.headers['accept-encoding']) : undefined;
    const headers: Record<string, string> = {
      ...commonHeaders({ displayName: ctx.displayName, queryId: result.queryId, exceptionTag: tag }),
      'Content-Type': isInsert ? 'text/plain; charset=UTF-8' : contentTypeFor(result.format),
      'X-ClickHouse-Timezone': typeof settings.session_timezone === 'string' && settings.session_timezone ? settings.session_timezone : ctx.timezone,
    };
    if (!isInsert) headers['X-ClickHouse-Format'] = result.format;
    if (encoding) headers['Content-Encoding'] = encoding;
    const iterator = result.chunks[Symbol.asyncIterator]();
    const summary: EngineSummary | undefined = await settledValue(result.done);
    const startedSummary: EngineSummary = summary ?? emptySummary(Math.round((performance.now() - started) * 1e6));
    headers['X-ClickHouse-Summary'] = summaryHeader(startedSummary);

    if (summary && !encoding) {
      // A finished (materialised) result: one chunk at most, sent with its length.
      const first = await iterator.next();
      const body = first.done ? Buffer.alloc(0) : Buffer.from(first.value.buffer, first.value.byteOffset, first.value.byteLength);
      res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
      res.end(body);
      resultBytes = body.length;
      writtenRows = summary.written_rows;
      return;
    }
    res.writeHead(200, headers);
    const writer = new ResultWriter(res, encoding, p.compression.level);
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done) break;
        await writer.write(step.value);
        if (writer.closed) {
          await iterator.return?.(undefined);
          break;
        }
      }
      const final = await result.done;
      writtenRows = final.written_rows;
      resultBytes = writer.written;
      await writer.end();
    } catch (e) {
      const info = errorInfo(e, ctx.version);
      code = info.code;
      resultBytes = writer.written;
      await writer.end({ text: info.text, tag });
    }
  } catch (e) {
    const info = errorInfo(e, ctx.version);
    status = info.status;
    code = info.code;
    sendError(res, info.status, info.code, info.text, commonHeaders({ displayName: ctx.displayName, queryId, exceptionTag: tag }));
  } finally {
    if (sessionRequest?.close) ctx.engine.closeSession(sessionRequest.id);
    if (controller.signal.aborted && code === 0) code = 394;
    ctx.log?.write({
      queryId: queryId ?? '-',
      user,
      method,
      kind,
      status,
      code,
      ms: Math.round(performance.now() - started),
      resultBytes,
      writtenRows,
      session: sessionRequest?.id,
      userAgent,
      sql,
    });
  }
}
