/** Something the observability helpers were asked for that the connected ClickHouse cannot give. */
export class ObservabilityError extends Error {
  override readonly name: string = 'ObservabilityError';
}

/** Neither `system.query_log` nor the kit's `_kit.query_log` exists on this ClickHouse. */
export class QueryLogUnavailableError extends ObservabilityError {
  override readonly name = 'QueryLogUnavailableError';
  constructor() {
    super(
      'No query log here: neither system.query_log nor _kit.query_log exists. On a server, enable <query_log> in the server config ' +
        '(it is on by default) and make sure the user may run SYSTEM FLUSH LOGS; the embedded engine creates _kit.query_log when it starts.',
    );
  }
}

/** A filter or option value that cannot be used. */
export class ObservabilityInputError extends ObservabilityError {
  override readonly name = 'ObservabilityInputError';
}
