/**
 * The local ClickHouse HTTP endpoint: clickhouse-server's HTTP interface over the embedded
 * engine, so every notebook kernel, script and test of the machine shares one data folder
 * through the same protocol, clients and tools they would use against a server.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { KitConfig } from '../config';
import { secretsOf } from '../config';
import { advertiseDataFolderUrl, EmbeddedEngine, engineOptionsFor, withdrawDataFolderUrl } from '../engine';
import { AccessLog } from './access-log';
import { UserCheck } from './auth';
import { EndpointConfigError } from './errors';
import { FileSandbox } from './file-sandbox';
import { endpointFlags, endpointPaths } from './paths';
import { hasBody, runQuery, type QueryContext } from './query-handler';

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

interface Context extends QueryContext {
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
  const engine = EmbeddedEngine.acquire({
    ...engineOptionsFor(config),
    poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
  });
  let log: AccessLog | undefined;
  let server: Server | undefined;
  try {
    const version = engine.version();
    const timezone = await engineTimezone(engine);
    const logFile = options.logFile ?? paths.logFile;
    log = logFile === false ? undefined : new AccessLog(logFile, secretsOf(config));
    mkdirSync(paths.userFiles, { recursive: true });
    const ctx: Context = {
      engine,
      sandbox: new FileSandbox(paths.userFiles),
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
    log?.note(
      `endpoint listening on ${url} (engine ${version}, data ${config.clickhouse.dataPath}, pid ${process.pid})`,
    );

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
        reject(
          new EndpointConfigError(
            `Port ${port} on ${host} is already in use. Stop what listens there (\`ss -ltnp | grep :${port}\`) or set CLICKHOUSE_HTTP_PORT to a free port.`,
          ),
        );
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
    res
      .writeHead(404, {
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Server-Display-Name': ctx.displayName,
      })
      .end(body);
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
