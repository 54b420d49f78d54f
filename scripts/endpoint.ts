// The local ClickHouse endpoint in the foreground: `npx tsx scripts/endpoint.ts`.
// clickhouse-server's HTTP interface over the embedded engine, on CLICKHOUSE_HTTP_HOST:CLICKHOUSE_HTTP_PORT
// (127.0.0.1:8123), user CLICKHOUSE_USER / CLICKHOUSE_PASSWORD. One line per query goes to
// <storageDir>/logs/clickhouse-endpoint.log; the pid to <storageDir>/run/clickhouse-endpoint.pid.
// SIGTERM / SIGINT stop it gracefully (running queries finish or are cancelled, the query log is
// flushed, the data folder is released). `npm start` runs it in the background (scripts/stack/endpoint.ts).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig } from '../lib/config';
import { endpointPaths, startEndpoint } from '../lib/endpoint';

const config = loadConfig();
const paths = endpointPaths(config);

function removePidFile(): void {
  try {
    if (readFileSync(paths.pidFile, 'utf8').trim() === String(process.pid)) rmSync(paths.pidFile, { force: true });
  } catch {
    /* gone already */
  }
}

try {
  mkdirSync(dirname(paths.pidFile), { recursive: true });
  writeFileSync(paths.pidFile, `${process.pid}\n`);
  const endpoint = await startEndpoint(config);
  console.log(`ClickHouse endpoint on ${endpoint.url} (user ${config.clickhouse.user}, data ${config.clickhouse.dataPath}, pid ${process.pid})`);
  console.log(`query log: ${paths.logFile}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      console.error(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: stopping (running queries get up to 10 s) ...`);
    // A query stuck inside the engine must not keep the process alive: exit after a deadline
    // (acknowledged inserts are on disk; only the last second of the query log may be lost).
    setTimeout(() => {
      console.error('stopping took over 30 s: exiting now');
      removePidFile();
      process.exit(1);
    }, 30_000).unref();
    endpoint
      .close()
      .then(() => {
        removePidFile();
        console.log('stopped');
        process.exit(0);
      })
      .catch((e: unknown) => {
        console.error(`stopping failed: ${e instanceof Error ? e.message : String(e)}`);
        removePidFile();
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (e) {
  removePidFile();
  console.error(`The ClickHouse endpoint could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
