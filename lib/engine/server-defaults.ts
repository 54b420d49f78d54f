/**
 * Settings whose default in the embedded engine (clickhouse-local, which chDB is) differs from
 * clickhouse-server's, with the server's value. Measured on chDB 3.4 / ClickHouse 26.7:
 * `SELECT name, value, default FROM system.settings WHERE changed` in a fresh engine lists what
 * clickhouse-local changes on top of the built-in defaults a server starts from (the server's
 * default profile is empty). The endpoint gives every query these values unless the request sets
 * its own, so a client of the endpoint sees a server's behaviour.
 */
import type { SettingValue } from './statement';

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

/** The server's values under the request's own settings (the request wins). */
export function withServerDefaults(settings: Readonly<Record<string, SettingValue>>): Record<string, SettingValue> {
  return { ...SERVER_DEFAULTS, ...settings };
}
