/**
 * @file Raw NDJSON objects on the lake: one gzip-compressed object per day, Hive-style
 * (`<prefix>day=YYYY-MM-DD/<name>.ndjson.gz`), written with the SDK exactly as given, broken lines
 * included: the lake keeps what arrived; reading decides what is valid.
 */
import { gzipSync } from 'node:zlib';
import { putObject } from '../s3';
import type { KitS3 } from '../s3';
import { LakeError } from './errors';
import { checkLakePath } from './source';

/** The lines of one day, e.g. a `PayloadDay` of the tabular generator. */
export interface JsonLinesDay {
  /** `YYYY-MM-DD`. */
  readonly day: string;
  readonly lines: readonly string[];
}

export interface WriteJsonLinesOptions {
  /** Prefix ending with "/", e.g. `lake/warehouse/raw_events/`. */
  prefix: string;
  /** Object name inside each day folder (default `events.ndjson.gz`); must end with `.ndjson.gz`. */
  name?: string;
}

export type JsonLinesObject = {
  key: string;
  day: string;
  lines: number;
  /** Compressed size. */
  bytes: number;
};

/** Default prefix of the raw event payloads of a database: `lake/<database>/raw_events/`. */
export function rawEventsPrefix(database: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(database))
    throw new LakeError(`database "${database}" cannot be part of an object prefix (letters, digits, "_", ".", "-").`);
  return `lake/${database}/raw_events/`;
}

/** The key of one day's object. */
export function jsonLinesKey(prefix: string, day: string, name = 'events.ndjson.gz'): string {
  checkLakePath(prefix);
  if (!prefix.endsWith('/')) throw new LakeError(`The prefix must end with "/" (got "${prefix}").`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new LakeError(`day must be YYYY-MM-DD (got "${day}").`);
  if (!/^[A-Za-z0-9_.-]+\.ndjson\.gz$/.test(name))
    throw new LakeError(
      `The object name "${name}" must be a plain file name ending with .ndjson.gz (ClickHouse picks gzip from it).`,
    );
  return `${prefix}day=${day}/${name}`;
}

/**
 * Writes each day as one gzip NDJSON object (replacing an earlier object of the same day, so a
 * re-run gives the same objects). Lines must not contain a newline: one line, one record.
 */
export async function writeJsonLines(
  s3: KitS3,
  days: Iterable<JsonLinesDay>,
  options: WriteJsonLinesOptions,
  onObject?: (o: JsonLinesObject) => void,
): Promise<JsonLinesObject[]> {
  const written: JsonLinesObject[] = [];
  for (const { day, lines } of days) {
    const key = jsonLinesKey(options.prefix, day, options.name);
    const bad = lines.findIndex((l) => l.includes('\n'));
    if (bad >= 0)
      throw new LakeError(
        `Line ${bad + 1} of ${day} contains a newline; NDJSON holds one record per line. Serialize it with JSON.stringify.`,
      );
    const body = gzipSync(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    await putObject(s3, key, body, { contentType: 'application/x-ndjson' });
    const o = { key, day, lines: lines.length, bytes: body.byteLength };
    written.push(o);
    onObject?.(o);
  }
  return written;
}
