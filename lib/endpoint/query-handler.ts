/**
 * One query request, from its parameters to its answer, in clickhouse-server's order: credentials,
 * parameters, the statement (parsed before the GET-implies-readonly check), the engine, then the
 * answer held until its first flush (answer.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { formatParamValue, isReadOnlyKind, queryKind, trailingFormat, WarehouseError, type SettingValue } from '../sql';
import { emptySummary, type EmbeddedEngine, type EngineSession } from '../engine';
import type { AccessLog } from './access-log';
import { errorBody, FailedBeforeFlush, MIN_RESPONSE_BUFFER_BYTES, sendAnswer } from './answer';
import { readCredentials, UserCheck } from './auth';
import { prepareQuery } from './body';
import { chooseResponseEncoding, requestEncoding, type ResponseEncoding } from './compression';
import { EndpointError, exceptionText, httpStatusForCode, serverErrorText } from './errors';
import type { FileSandbox } from './file-sandbox';
import { ProgressHeaders } from './progress-headers';
import { parseQueryRequest, type QueryRequestParams, type SessionRequest } from './request';
import { commonHeaders, contentTypeFor, sendError, summaryHeader } from './response';
import { isEmptyQuery, statementProblem } from './sql-scan';

export interface QueryContext {
  engine: EmbeddedEngine;
  sandbox: FileSandbox;
  users: UserCheck;
  version: string;
  timezone: string;
  displayName: string;
  log: AccessLog | undefined;
}

interface ErrorInfo {
  code: number;
  status: number;
  text: string;
}

export function errorInfo(e: unknown, version: string, user?: string): ErrorInfo {
  if (e instanceof EndpointError)
    return { code: e.code, status: httpStatusForCode(e.code), text: exceptionText(e.code, e.type, e.message, version) };
  if (e instanceof WarehouseError && e.code !== undefined) {
    return {
      code: e.code,
      status: httpStatusForCode(e.code),
      text: serverErrorText(e.code, e.type ?? 'UNKNOWN_EXCEPTION', e.message, version, user),
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 1001, status: 500, text: exceptionText(1001, 'STD_EXCEPTION', message, version) };
}

const TAG_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function exceptionTag(): string {
  const bytes = randomBytes(16);
  let tag = '';
  for (const b of bytes) tag += TAG_ALPHABET[b % TAG_ALPHABET.length];
  return tag;
}

function openSession(engine: EmbeddedEngine, s: SessionRequest): EngineSession {
  const session = engine.session(s.id, { create: !s.check, timeoutSeconds: s.timeoutSeconds });
  if (!session) throw new EndpointError('SESSION_NOT_FOUND', `Session ${s.id.slice(0, 128)} not found`);
  return session;
}

/** Parses a statement without running it (formatQuery); throws the engine's syntax error, positions as in `sql`. */
async function parseCheck(engine: EmbeddedEngine, sql: string, user: string): Promise<void> {
  try {
    const r = await engine.execute({
      sql: 'SELECT formatQuery({kit_sql:String}) FORMAT Null',
      params: { kit_sql: formatParamValue(sql) },
      settings: { readonly: 2, log_comment: 'kit:endpoint-parse-check' },
      database: 'default',
      user,
      interface: 'http',
    });
    for await (const _ of r.chunks) void _;
  } catch (e) {
    if (e instanceof WarehouseError && e.code === 62) {
      const message = e.message.replace(/:? In scope SELECT formatQuery\([\s\S]*?(?=\.? \(SYNTAX_ERROR\)|$)/, '');
      throw new WarehouseError(message, { code: e.code, type: e.type, sql });
    }
    // Anything else is for the query itself: the READONLY answer stands.
  }
}

/** True when the request announces a body (Content-Length > 0, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || /chunked/i.test(req.headers['transfer-encoding'] ?? '');
}

export async function runQuery(ctx: QueryContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const started = performance.now();
  const controller = new AbortController();
  let answered = false;
  // The client went away before the answer was complete: its query is cancelled.
  res.on('close', () => {
    if (!res.writableFinished && !answered) controller.abort();
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
  let encoding: ResponseEncoding | undefined;
  let level = 3;
  let progress: ProgressHeaders | undefined;
  try {
    if (
      method === 'POST' &&
      req.headers['content-length'] === undefined &&
      !/chunked/i.test(req.headers['transfer-encoding'] ?? '')
    ) {
      // clickhouse-server's answer to a POST that announces no body length.
      throw new EndpointError(
        'HTTP_LENGTH_REQUIRED',
        'The Transfer-Encoding is not chunked and there is no Content-Length header for POST request',
      );
    }
    const credentials = readCredentials(req.headers, url.searchParams);
    user = credentials.user;
    if (!ctx.users.verify(credentials)) throw UserCheck.failure(credentials);
    const p: QueryRequestParams = parseQueryRequest(url.searchParams, req.headers);
    // Errors are compressed too once the request asked for compression (as on the server).
    encoding = p.compression.enabled ? chooseResponseEncoding(req.headers['accept-encoding']) : undefined;
    level = p.compression.level;
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
    const problem = statementProblem(sql) ?? ctx.sandbox.check(sql, { ...prepared.formParams, ...p.params });
    if (problem) throw problem;
    const statementKind = queryKind(sql);
    kind = statementKind;
    const readonly = method !== 'POST';
    if (readonly && !isReadOnlyKind(statementKind)) {
      // The server parses first: a statement that does not parse is a syntax error, not READONLY.
      await parseCheck(ctx.engine, sql, user);
      throw new EndpointError(
        'READONLY',
        `${user}: Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries`,
      );
    }
    const settings: Record<string, SettingValue> = { ...p.settings };
    // The engine enforces it too: a GET never writes, whatever the statement hides.
    if (readonly && statementKind !== 'Set' && statementKind !== 'Use' && settings.readonly === undefined)
      settings.readonly = 2;
    const session = p.session ? openSession(ctx.engine, p.session) : undefined;
    const runId = randomUUID();
    const isInsert = statementKind === 'Insert';
    const format = trailingFormat(sql) ?? p.defaultFormat ?? 'TabSeparated';
    const headers: Record<string, string> = {
      ...commonHeaders({ displayName: ctx.displayName, queryId, exceptionTag: tag }),
      'Content-Type': isInsert ? 'text/plain; charset=UTF-8' : contentTypeFor(format, p.jsonArrayOfRows),
      'X-ClickHouse-Timezone':
        typeof settings.session_timezone === 'string' && settings.session_timezone
          ? settings.session_timezone
          : ctx.timezone,
    };
    if (!isInsert) headers['X-ClickHouse-Format'] = format;
    if (p.progress.enabled) {
      progress = new ProgressHeaders(res, headers, p.progress.intervalMs, () => ctx.engine.progress(runId));
      progress.start();
    }
    const result = await ctx.engine
      .execute({
        sql,
        params: { ...prepared.formParams, ...p.params },
        settings,
        // Without `database`, a sessionless query runs in `default`, as for a server user.
        database: p.database ?? (session ? undefined : 'default'),
        queryId,
        runId,
        user,
        defaultFormat: p.defaultFormat,
        session,
        // The body streams into the engine as it arrives (spooled first only for formats read by seeking).
        data: prepared.data ? { stream: prepared.data.chunks, compression: prepared.data.compression } : undefined,
        stream: true,
        signal: controller.signal,
        interface: 'http',
        userAgent,
      })
      .catch(async (e: unknown) => {
        // The engine ran a rewritten statement (INTO OUTFILE, FROM INFILE): a syntax error is reported as the user's statement parses.
        if (e instanceof WarehouseError && e.code === 62) await parseCheck(ctx.engine, sql, user);
        throw e;
      });

    if (!isInsert && result.format !== format) {
      // The engine read the format from a clause the quick look above missed (FORMAT before SETTINGS).
      headers['Content-Type'] = contentTypeFor(result.format, p.jsonArrayOfRows);
      headers['X-ClickHouse-Format'] = result.format;
    }
    const outcome = await sendAnswer(res, result, {
      headers,
      encoding,
      level,
      bufferBytes: Math.max(p.bufferSize, MIN_RESPONSE_BUFFER_BYTES),
      waitEnd: p.waitEndOfQuery,
      progress,
      startedAt: started,
      progressNow: () => ctx.engine.progress(runId),
      describe: (e) => errorInfo(e, ctx.version, user),
    });
    answered = true;
    code = outcome.code;
    resultBytes = outcome.resultBytes;
    writtenRows = outcome.writtenRows;
  } catch (e) {
    await progress?.stop();
    const info = errorInfo(e instanceof FailedBeforeFlush ? e.original : e, ctx.version, user);
    status = info.status;
    code = info.code;
    answered = true;
    const base = commonHeaders({ displayName: ctx.displayName, queryId, exceptionTag: tag });
    if (progress?.started) {
      // The status line went out with the first progress header: the code follows as a header.
      progress.fail(info.code, info.text, summaryHeader(emptySummary(Math.round((performance.now() - started) * 1e6))));
    } else {
      const body = await errorBody(info.text, encoding, level);
      sendError(res, info.status, info.code, body.body, base, body.encoding);
    }
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
