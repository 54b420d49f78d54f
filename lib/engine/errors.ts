/** @file The engine's error type and how chDB's failures map onto ClickHouse's codes. */
import { parseClickHouseErrorText, WarehouseError } from '../sql';
import { MARKER_SHIFT, userPositions } from './run-marker';

/** A failure inside the engine, with ClickHouse's code and name. */
export class EngineError extends WarehouseError {
  override readonly name = 'EngineError';
}

/** A failure of the INSERT data's source (the client's upload); rethrown as is, not as an engine error. */
export class DataSourceError extends Error {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** Whatever a chDB run threw, as an EngineError with ClickHouse's code and name. */
export function toEngineError(e: unknown, queryId: string, sql: string, secrets: ReadonlyArray<string>): EngineError {
  if (e instanceof EngineError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const parsed = parseClickHouseErrorText(message);
  if (parsed) {
    return new EngineError(
      `Code: ${parsed.code}. DB::Exception: ${userPositions(parsed.message, MARKER_SHIFT)} (${parsed.type})`,
      { code: parsed.code, type: parsed.type, queryId, sql, cause: e, secrets },
    );
  }
  if (/abort|cancel/i.test(message))
    return new EngineError(`Query was cancelled. (QUERY_WAS_CANCELLED)`, {
      code: 394,
      type: 'QUERY_WAS_CANCELLED',
      queryId,
      sql,
      cause: e,
    });
  return new EngineError(message, { code: 1001, type: 'STD_EXCEPTION', queryId, sql, cause: e, secrets });
}

export function cancelledError(queryId: string, sql: string): EngineError {
  return new EngineError('Query was cancelled: the client stopped reading the result.', {
    code: 394,
    type: 'QUERY_WAS_CANCELLED',
    queryId,
    sql,
  });
}

/** The error logged (and, for the engine's own clients, thrown) when the INSERT data could not be read. */
export function dataSourceFailure(e: unknown, queryId: string, sql: string): { original: unknown; error: EngineError } {
  const original = e instanceof DataSourceError ? e.original : e;
  const message = original instanceof Error ? original.message : String(original);
  return { original, error: new EngineError(`The INSERT data could not be read: ${message}`, { queryId, sql }) };
}
