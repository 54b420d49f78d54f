import type { KitConfig } from '../../lib/config';
import { startStack, stopStack, type Log } from '../stack/stack';
import { runNotebooks, type RunNotebooksOptions, type RunNotebooksSummary } from './runner';

/**
 * Runs notebooks against the configured stack: a server named by CLICKHOUSE_URL as it is, else
 * the local stack (S3 server and ClickHouse endpoint), started if needed and stopped afterwards
 * when this call started it. Kernels reach ClickHouse through the endpoint, as under `npm start`.
 */
export async function runNotebooksOnStack(config: KitConfig, options: RunNotebooksOptions & { log?: Log } = {}): Promise<RunNotebooksSummary> {
  const log = options.log ?? console.log;
  if (config.clickhouse.url) return runNotebooks({ ...options, config });
  const stack = await startStack(config, { jupyter: false, log });
  try {
    return await runNotebooks({ ...options, config, env: { CLICKHOUSE_URL: stack.clickhouseUrl, ...options.env } });
  } finally {
    const ours = stack.started.filter((s) => s !== 'jupyter');
    if (ours.length > 0) await stopStack(config, ours, log);
  }
}
