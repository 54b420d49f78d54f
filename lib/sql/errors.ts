import { scrubCredentialsInText, scrubSecrets } from '../config';

/**
 * The one error type of the kit's ClickHouse access. Keeps ClickHouse's numeric code and
 * error name (e.g. 62 / SYNTAX_ERROR), the query id and a short excerpt of the SQL. Messages
 * are scrubbed of credentials before they are stored, so printing the error is always safe.
 */
export class WarehouseError extends Error {
  override readonly name: string = 'WarehouseError';
  /** ClickHouse error code (e.g. 60 for UNKNOWN_TABLE); undefined for transport errors. */
  readonly code: number | undefined;
  /** ClickHouse error name (e.g. `UNKNOWN_TABLE`), or a kit name such as `CONNECTION_REFUSED`. */
  readonly type: string | undefined;
  readonly queryId: string | undefined;
  /** The first 300 characters of the SQL, scrubbed. */
  readonly sql: string | undefined;

  constructor(
    message: string,
    options: {
      code?: number | undefined;
      type?: string | undefined;
      queryId?: string | undefined;
      sql?: string | undefined;
      cause?: unknown;
      secrets?: ReadonlyArray<string>;
    } = {},
  ) {
    const secrets = options.secrets ?? [];
    const clean = (t: string): string => scrubSecrets(scrubCredentialsInText(t), secrets);
    super(clean(message));
    this.code = options.code;
    this.type = options.type;
    this.queryId = options.queryId;
    this.sql = options.sql === undefined ? undefined : clean(excerpt(options.sql));
    if (options.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }
}

/** The data folder is held by another process (chDB allows one process per folder). */
export class WarehouseLockedError extends WarehouseError {
  override readonly name = 'WarehouseLockedError';
  constructor(
    readonly dataPath: string,
    readonly ownerPid: number | undefined,
    readonly ownerUrl: string | undefined,
  ) {
    const who = ownerPid ? `process ${ownerPid}` : 'another process';
    const instead = ownerUrl
      ? `That process serves it at ${ownerUrl}: connect there (set CLICKHOUSE_URL=${ownerUrl}, or just leave CLICKHOUSE_URL empty and the kit finds it).`
      : 'Stop that process, or start the local stack (`npm start`) and let every notebook and script share its endpoint, or point CLICKHOUSE_DATA_PATH at another folder.';
    super(
      `The ClickHouse data folder ${dataPath} is already in use by ${who}; the embedded engine allows one process per data folder. ${instead}`,
      {
        type: 'DATA_FOLDER_LOCKED',
      },
    );
  }
}

const ERROR_TEXT =
  /Code:\s*(\d+)\.\s*(?:DB::Exception:\s*)?([\s\S]*?)\s*\(([A-Z][A-Z0-9_]+)\)(?:\s*\(version [^)]*\))?\s*$/;

/** Parses ClickHouse's text error form `Code: N. DB::Exception: message (NAME) (version ...)`. */
export function parseClickHouseErrorText(text: string): { code: number; type: string; message: string } | undefined {
  const m = ERROR_TEXT.exec(text.trim());
  if (!m) return undefined;
  return { code: Number(m[1]), type: m[3]!, message: m[2]!.trim() };
}

/** The first 300 characters of a SQL text on one line. */
export function excerpt(sql: string, max = 300): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

interface ErrorWithCode {
  code?: unknown;
  type?: unknown;
  message?: unknown;
  query_id?: unknown;
}

/**
 * Turns anything a ClickHouse call threw (the client's ClickHouseError, a chDB error, a socket
 * error) into a {@link WarehouseError}, adding what to do for the common transport failures.
 */
export function toWarehouseError(
  err: unknown,
  context: {
    sql?: string | undefined;
    queryId?: string | undefined;
    url?: string | undefined;
    secrets?: ReadonlyArray<string>;
  } = {},
): WarehouseError {
  if (err instanceof WarehouseError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorWithCode;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const base = {
    sql: context.sql,
    queryId: context.queryId ?? (typeof e.query_id === 'string' ? e.query_id : undefined),
    cause: err,
    secrets: context.secrets ?? [],
  };

  const parsed = parseClickHouseErrorText(message);
  const numericCode =
    typeof e.code === 'string' && /^\d+$/.test(e.code)
      ? Number(e.code)
      : typeof e.code === 'number'
        ? e.code
        : undefined;
  if (numericCode !== undefined || parsed) {
    const code = numericCode ?? parsed!.code;
    const type = typeof e.type === 'string' ? e.type : parsed?.type;
    const text = parsed ? parsed.message : message;
    return new WarehouseError(`${type ?? 'ClickHouse error'} (code ${code}): ${text}${hintFor(code)}`, {
      ...base,
      code,
      type,
    });
  }

  const sysCode = typeof e.code === 'string' ? e.code : undefined;
  const where = context.url ? ` at ${context.url}` : '';
  if (
    sysCode === 'ECONNREFUSED' ||
    sysCode === 'ENOTFOUND' ||
    sysCode === 'EHOSTUNREACH' ||
    sysCode === 'ECONNRESET' ||
    /ECONNREFUSED|ENOTFOUND|socket hang up/.test(message)
  ) {
    return new WarehouseError(
      `Cannot reach ClickHouse${where} (${sysCode ?? message}). Is the server running? Start the local stack with \`npm start\`, or check CLICKHOUSE_URL.`,
      { ...base, type: 'CONNECTION_FAILED' },
    );
  }
  if (/timeout/i.test(message)) {
    return new WarehouseError(`ClickHouse${where} did not answer in time: ${message}`, { ...base, type: 'TIMEOUT' });
  }
  return new WarehouseError(message, { ...base, type: sysCode });
}

function hintFor(code: number): string {
  switch (code) {
    case 516:
      return ' Check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD in .env.';
    case 81:
      return ' Create it first (npm run bootstrap creates the kit database).';
    default:
      return '';
  }
}
