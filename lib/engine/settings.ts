/**
 * @file Settings that must not leak: what runs before a query on its Session (the database, this
 * query's settings, the previous query's settings reverted) and how a Session's state is recorded
 * after it, so per-query settings never stick, as on clickhouse-server (chDB otherwise keeps every SET).
 */
import { checkSettingName, paramStatements, quoteString, settingLiteral, useStatement, type QueryKind } from '../sql';
import type { Handle } from './sessions';
import type { EngineRequest } from './types';

/** Runs a statement on a Session, tracked by the engine. */
export type SessionRunner = (handle: Handle, sql: string, format: string) => Promise<{ text(): string }>;

function wantedSettings(request: EngineRequest): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const [k, v] of Object.entries(request.settings ?? {})) {
    if (v === undefined) continue;
    wanted.set(checkSettingName(k), settingLiteral(v));
  }
  return wanted;
}

/** The per-query settings a query leaves applied on its Session (none after a named session's own SET). */
function settingsAfter(request: EngineRequest, kind: QueryKind): Map<string, string> {
  // A session's own SET runs on its clean state, so what it sets becomes the new baseline.
  return request.session && kind === 'Set' ? new Map<string, string>() : wantedSettings(request);
}

/**
 * Statements run before the query on its Session: the database, this query's settings, and
 * the settings of the previous query reverted (to DEFAULT, or in a named session to what its
 * own SET statements left), then the bound parameters.
 */
export function statementsBefore(handle: Handle, request: EngineRequest, kind: QueryKind): string[] {
  const out: string[] = [];
  if (request.database && handle.database !== request.database) out.push(useStatement(request.database));
  const wanted = settingsAfter(request, kind);
  for (const [k, lit] of wanted) if (handle.applied.get(k) !== lit) out.push(`SET ${k} = ${lit}`);
  for (const k of handle.applied.keys())
    if (!wanted.has(k)) out.push(`SET ${k} = ${handle.baseline.get(k) ?? 'DEFAULT'}`);
  if (request.params) out.push(...paramStatements(request.params));
  return out;
}

/** Records what a successful query left on its Session. */
export function recordSessionState(handle: Handle, request: EngineRequest, kind: QueryKind): void {
  if (request.database) handle.database = request.database;
  // After `USE x` the Session's database is no longer the one recorded.
  if (kind === 'Use') handle.database = undefined;
  handle.applied = settingsAfter(request, kind);
}

/** The settings names a query may leave behind on a Session: those applied before it and its own. */
export function touchedSettings(handle: Handle, request: EngineRequest): Set<string> {
  return new Set([...handle.applied.keys(), ...Object.keys(request.settings ?? {})]);
}

/** The settings a Session has changed (its own SETs, the engine profile), as SQL literals. */
export async function changedSettings(handle: Handle, run: SessionRunner): Promise<Map<string, string>> {
  const text = (await run(handle, 'SELECT name, value FROM system.settings WHERE changed', 'JSONEachRow')).text();
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as { name: string; value: string };
    out.set(row.name, quoteString(row.value));
  }
  return out;
}

/** Puts a named session's settings back to its baseline after a failed query, one by one. */
export async function resetSessionState(handle: Handle, names: ReadonlySet<string>, run: SessionRunner): Promise<void> {
  for (const k of names) {
    try {
      checkSettingName(k);
      await run(handle, `SET ${k} = ${handle.baseline.get(k) ?? 'DEFAULT'}`, 'TSV');
    } catch {
      /* an unknown setting name never got set */
    }
  }
  handle.applied = new Map();
  handle.database = undefined;
}
