/**
 * @file Why a line of an NDJSON object does not become a `JSON` value, said in SQL so the reason is
 * computed where the line is read (no line travels to Node), plus the engine's own message for a
 * few of them.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryOne } from '../clickhouse';
import { checkJsonPath, jsonTypeSql } from './json-source';
import type { JsonPathTypes } from './json-source';

/** A line (or, with line 0, a whole object) that was not loaded, and why. */
export type JsonReject = {
  /** Object key under the bucket. */
  object: string;
  /** 1-based line number; 0 when the object as a whole could not be read. */
  line: number;
  reason: string;
  /** The line as stored (empty for a whole object). */
  raw: string;
};

/**
 * A `multiIf` naming the first thing wrong with the line in column `raw`, for lines that did not
 * parse as the JSON type of `typedPaths`. Parameters go into `params` under names from `p`.
 */
export function rejectReasonSql(
  typedPaths: JsonPathTypes | undefined,
  params: Record<string, string>,
  p: string,
): string {
  const keysOf = (path: string): string => {
    return checkJsonPath(path)
      .split('.')
      .map((key) => {
        const name = `${p}_k${Object.keys(params).length}`;
        params[name] = key;
        return `{${name}:String}`;
      })
      .join(', ');
  };
  const branches: string[] = [
    `NOT isValidJSON(raw)`,
    `'not valid JSON (cut off, a stray comma, or not JSON at all)'`,
    `NOT startsWith(trimLeft(raw), '{')`,
    `concat('valid JSON but not an object: the line holds ', if(startsWith(trimLeft(raw), '['), 'an array', 'a scalar'))`,
  ];
  const typed = Object.entries(typedPaths ?? {});
  const parents = new Map<string, string[]>();
  for (const [path] of typed) {
    const keys = path.split('.');
    for (let i = 1; i < keys.length; i++) {
      const parent = keys.slice(0, i).join('.');
      parents.set(parent, [...(parents.get(parent) ?? []), path]);
    }
  }
  for (const [parent, children] of parents) {
    const keys = keysOf(parent);
    const pName = `${p}_parent${Object.keys(params).length}`;
    params[pName] = `path "${parent}" holds `;
    const cName = `${p}_child${Object.keys(params).length}`;
    params[cName] =
      ` where the typed path ${children.map((c) => `"${c}"`).join(', ')} expects an object; loading it would drop the value`;
    branches.push(
      `JSONType(raw, ${keys}) NOT IN ('Object', 'Null')`,
      `concat({${pName}:String}, toString(JSONType(raw, ${keys})), {${cName}:String})`,
    );
  }
  for (const [path, type] of typed) {
    const tName = `${p}_t${Object.keys(params).length}`;
    params[tName] = jsonTypeSql({ typedPaths: { [path]: type } });
    const mName = `${p}_m${Object.keys(params).length}`;
    params[mName] = `path "${path}" does not fit its typed hint ${type}: `;
    branches.push(
      `isNull(accurateCastOrNull(raw, {${tName}:String}))`,
      `concat({${mName}:String}, substring(JSONExtractRaw(raw, ${keysOf(path)}), 1, 200))`,
    );
  }
  branches.push(
    `isNull(accurateCastOrNull(raw, 'JSON'))`,
    `'a JSON object the JSON type refuses (e.g. a key that appears twice)'`,
  );
  return `multiIf(${branches.join(', ')}, 'does not fit the column type')`;
}

/**
 * ClickHouse's own message for a line that does not parse as `jsonType` (e.g. "Cannot parse JSON
 * object here: ..." or "cannot parse Int64 value here: "abc" (while reading path price)"), or
 * undefined when it parses.
 */
export async function engineRejectMessage(
  client: ClickHouseClient,
  raw: string,
  jsonType: string,
): Promise<string | undefined> {
  try {
    await queryOne(
      client,
      'SELECT toTypeName(CAST({raw:String}, {type:String})) AS t',
      { raw, type: jsonType },
      { logComment: 'kit:lake' },
    );
    return undefined;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const text = message
      .replace(/^[A-Z_]+ \(code \d+\): /, '')
      .replace(/: In scope SELECT[\s\S]*$/, '')
      .replace(/^Cannot insert data into JSON column: /, '');
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  }
}
