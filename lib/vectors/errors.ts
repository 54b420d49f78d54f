/** Base class of the errors lib/vectors throws itself (ClickHouse failures stay WarehouseErrors). */
export class VectorStoreError extends Error {
  override readonly name: string = 'VectorStoreError';
}

/** A vector whose length is not the table's dimension. */
export class VectorDimensionError extends VectorStoreError {
  override readonly name = 'VectorDimensionError';
}

/** A filter names a column the table does not have, or gives it a value of the wrong kind. */
export class InvalidFilterError extends VectorStoreError {
  override readonly name = 'InvalidFilterError';
}
