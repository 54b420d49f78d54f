/**
 * An endpoint process of its own for a test file: a temporary storage folder (data, logs, pid),
 * a free port, and fresh credentials, all passed through the environment.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type KitConfig } from '../../lib/config';
import { startEndpointProcess, stopEndpointProcess } from '../../scripts/stack/endpoint';
import { freePort } from '../../scripts/stack/ports';

export interface TestEndpoint {
  config: KitConfig;
  /** The environment that reproduces `config` (for child processes). */
  env: Record<string, string>;
  url: string;
  pid: number | undefined;
  user: string;
  password: string;
  /** Authorization header value for raw requests. */
  basic: string;
  stop(): Promise<void>;
  /** Stops the process and removes the temporary folder. */
  dispose(): Promise<void>;
}

export async function testEndpointConfig(
  name: string,
): Promise<{ config: KitConfig; env: Record<string, string>; dir: string; user: string; password: string }> {
  const dir = mkdtempSync(join(tmpdir(), `kit-endpoint-${name}-`));
  const user = `ep_${name.replace(/\W/g, '_')}`;
  const password = randomBytes(12).toString('hex');
  const env: Record<string, string> = {
    KIT_STORAGE_DIR: dir,
    CLICKHOUSE_DATA_PATH: join(dir, 'clickhouse'),
    CLICKHOUSE_HTTP_HOST: '127.0.0.1',
    CLICKHOUSE_HTTP_PORT: String(await freePort()),
    CLICKHOUSE_USER: user,
    CLICKHOUSE_PASSWORD: password,
    CLICKHOUSE_DATABASE: 'warehouse',
    CLICKHOUSE_URL: '',
  };
  const config = loadConfig({ env: { ...process.env, ...env } });
  return { config, env, dir, user, password };
}

export async function startTestEndpoint(name: string): Promise<TestEndpoint> {
  const { config, env, dir, user, password } = await testEndpointConfig(name);
  const started = await startEndpointProcess(config, { timeoutMs: 120_000 });
  const stop = async (): Promise<void> => {
    await stopEndpointProcess(config);
  };
  return {
    config,
    env,
    url: started.url,
    pid: started.pid,
    user,
    password,
    basic: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    stop,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw request to the endpoint (fetch), with Basic auth unless `auth: false`. */
export async function raw(
  ep: TestEndpoint,
  pathAndQuery: string,
  init: { method?: string; body?: string | Uint8Array; headers?: Record<string, string>; auth?: boolean } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth !== false) headers.Authorization = ep.basic;
  const res = await fetch(`${ep.url}${pathAndQuery}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    body: init.body,
    headers,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export function q(sql: string, extra: Record<string, string> = {}): string {
  return `/?${new URLSearchParams({ query: sql, ...extra }).toString()}`;
}
