/**
 * Settings whose default in the embedded engine (clickhouse-local, which chDB is) differs from
 * clickhouse-server's, with the server's value. Measured on chDB 3.4 / ClickHouse 26.7:
 * `SELECT name, value, default FROM system.settings WHERE changed` in a fresh engine lists what
 * clickhouse-local changes on top of the built-in defaults a server starts from (the server's
 * default profile is empty). Every Session the engine opens for queries starts with these values,
 * so a client of the endpoint (and of the engine in-process) sees a server's behaviour; they are the
 * built-in defaults, so `SET x = DEFAULT` and system.settings `changed` agree with a server too.
 */
import type { Session } from 'chdb';
import { settingLiteral, type SettingValue } from '../sql';

export const SERVER_DEFAULTS: Readonly<Record<string, SettingValue>> = Object.freeze({
  // clickhouse-local runs `1 + 1` as `SELECT 1 + 1`; a server answers SYNTAX_ERROR (62).
  implicit_select: 0,
  // Local allows addressToLine() & co.; a server refuses them (446 FUNCTION_NOT_ALLOWED) by default.
  allow_introspection_functions: 0,
  // Local reads files with mmap; a server with pread (results are the same, the I/O differs).
  storage_file_read_method: 'pread',
  // Local writes Arrow through the Arrow library's writer; a server uses its native one.
  output_format_arrow_use_native_writer: 1,
});

const SET_DEFAULTS = Object.entries(SERVER_DEFAULTS)
  .map(([k, v]) => `SET ${k} = ${settingLiteral(v)}`)
  .join(';\n');

/** A new Session with the server's defaults set (once, before its first query). */
export function withServerDefaults(session: Session): Session {
  session.query(SET_DEFAULTS, 'TSV');
  return session;
}
