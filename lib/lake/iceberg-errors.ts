/**
 * @file Error classes of the lake's Iceberg tables, and the one place that turns an engine error
 * about an Iceberg table into one of them (naming the table and, where known, the S3 object).
 */
import { WarehouseError } from '../clickhouse';
import { LakeError } from './errors';

/** Base class of the Iceberg helpers' errors. */
export class IcebergError extends LakeError {
  override readonly name: string = 'IcebergError';
}

/** A metadata file, manifest list, manifest or data file of the table is missing or unreadable. */
export class IcebergMetadataError extends IcebergError {
  override readonly name = 'IcebergMetadataError';
  constructor(
    /** The ClickHouse table (or the table's S3 prefix when no table is involved). */
    readonly table: string,
    /** Key under the bucket of the object that could not be read (a prefix when the whole metadata folder is absent). */
    readonly object: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`Iceberg table ${table}: ${reason} (object ${object}).`, options);
  }
}

/** Time travel asked for a snapshot (id or time) the table's history does not have. */
export class IcebergSnapshotNotFoundError extends IcebergError {
  override readonly name = 'IcebergSnapshotNotFoundError';
  constructor(
    readonly table: string,
    readonly asOf: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `Iceberg table ${table} has no snapshot ${asOf}; list the snapshots with icebergSnapshots() and pick one of them.`,
      options,
    );
  }
}

/** Another writer committed first and the engine could not re-apply this commit on top of it. */
export class IcebergConflictError extends IcebergError {
  override readonly name = 'IcebergConflictError';
}

/** The reader outside ClickHouse (Python: pyarrow + fastavro) could not run or could not read the table. */
export class IcebergExternalReadError extends IcebergError {
  override readonly name = 'IcebergExternalReadError';
}

/** What a failed statement was about: the table's name and its S3 prefix. */
export interface IcebergErrorContext {
  table: string;
  path: string;
  /** The time-travel point of the query, for snapshot errors. */
  asOf?: string;
}

/**
 * Maps an engine error about an Iceberg table to an {@link IcebergError}; anything else is returned
 * unchanged. `unreadableMetadata` names the metadata object when the engine's message does not.
 */
export function icebergErrorOf(e: unknown, ctx: IcebergErrorContext, unreadableMetadata?: string): unknown {
  if (!(e instanceof WarehouseError)) return e;
  const msg = e.message;
  if (/No snapshot found (for id|in snapshot log before requested timestamp)/i.test(msg)) {
    return new IcebergSnapshotNotFoundError(ctx.table, ctx.asOf ?? '(unknown)', { cause: e });
  }
  if (/metadata file for Iceberg table with path .* doesn't exist/i.test(msg)) {
    return new IcebergMetadataError(
      ctx.table,
      `${ctx.path}metadata/`,
      'no metadata file (vN.metadata.json) exists: the table was deleted or the path is wrong',
      { cause: e },
    );
  }
  const avro = /Cannot read Iceberg avro (?:manifest|manifest list) file '\/?([^']+)'/i.exec(msg);
  if (avro)
    return new IcebergMetadataError(ctx.table, stripBucket(avro[1]!), 'a manifest is not valid Avro', { cause: e });
  const reading = /HTTP response code: (\d+).*?while reading '([^']+)'/is.exec(msg);
  if (reading && (reading[2]!.startsWith(ctx.path) || reading[2]!.includes(`/${ctx.path}`))) {
    const what = /\/data\//.test(reading[2]!)
      ? 'a data file the current snapshot lists'
      : 'a metadata object the current snapshot needs';
    return new IcebergMetadataError(
      ctx.table,
      stripBucket(reading[2]!),
      `${what} cannot be read (HTTP ${reading[1]})`,
      { cause: e },
    );
  }
  if (e.type === 'INCORRECT_DATA' && /JSON/i.test(msg)) {
    return new IcebergMetadataError(
      ctx.table,
      unreadableMetadata ?? `${ctx.path}metadata/`,
      `the current metadata file is not valid JSON (${firstLine(msg)})`,
      { cause: e },
    );
  }
  if (/concurrent|conflict|was modified/i.test(msg)) {
    return new IcebergConflictError(
      `Iceberg table ${ctx.table}: another writer committed at the same time and this commit could not be applied (${firstLine(msg)}). Nothing of it is visible; run the append again.`,
      { cause: e },
    );
  }
  return e;
}

function stripBucket(key: string): string {
  return key.replace(/^s3:\/\/[^/]+\//, '').replace(/^\//, '');
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200);
}
