/** Base class of the tabular warehouse's own errors. */
export class TabularError extends Error {
  override readonly name: string = 'TabularError';
}

/** An operation the table's storage mode cannot do (e.g. UPDATE on an `ENGINE = S3` table). */
export class UnsupportedOperationError extends TabularError {
  override readonly name = 'UnsupportedOperationError';
  constructor(
    readonly operation: string,
    readonly mode: string,
    readonly table: string,
    reason: string,
  ) {
    super(`${operation} is not supported on ${table} (storage mode ${mode}): ${reason}`);
  }
}

/** Input the kit refuses before anything reaches the warehouse: unknown columns, wrong types, not Parquet. */
export class TabularInputError extends TabularError {
  override readonly name = 'TabularInputError';
}

/** The warehouse holds something other than what the bootstrap expected. */
export class BootstrapMismatchError extends TabularError {
  override readonly name: string = 'BootstrapMismatchError';
}

/** The warehouse holds another dataset than the one asked for (refused before anything is written). */
export class DatasetPlanConflictError extends BootstrapMismatchError {
  override readonly name = 'DatasetPlanConflictError';
}
