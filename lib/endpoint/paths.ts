import { join } from 'node:path';
import { readDotenvFile, type KitConfig } from '../config';

/** Where the endpoint keeps its pid file and logs (under storageDir). */
export function endpointPaths(config: KitConfig): {
  pidFile: string;
  logFile: string;
  consoleLog: string;
  userFiles: string;
} {
  return {
    // clickhouse-server's user_files_path: file(), INFILE/OUTFILE and local table engines stay in it.
    userFiles: join(config.storageDir, 'user_files'),
    pidFile: join(config.storageDir, 'run', 'clickhouse-endpoint.pid'),
    logFile: join(config.storageDir, 'logs', 'clickhouse-endpoint.log'),
    consoleLog: join(config.storageDir, 'logs', 'clickhouse-endpoint.console.log'),
  };
}

export interface EndpointFlags {
  /** CLICKHOUSE_ALLOW_EMPTY_PASSWORD=1: accept the configured user with an empty password. */
  allowEmptyPassword: boolean;
  /** CLICKHOUSE_HTTP_ALLOW_REMOTE=1: allow CLICKHOUSE_HTTP_HOST to be a non-loopback address. */
  allowRemote: boolean;
}

/** The endpoint's opt-in flags, from the environment or `<root>/.env` (the environment wins). */
export function endpointFlags(
  config: KitConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): EndpointFlags {
  const file = readDotenvFile(join(config.root, '.env'));
  const on = (name: string): boolean => /^(1|true|yes|on)$/i.test((env[name] ?? file[name] ?? '').trim());
  return { allowEmptyPassword: on('CLICKHOUSE_ALLOW_EMPTY_PASSWORD'), allowRemote: on('CLICKHOUSE_HTTP_ALLOW_REMOTE') };
}
