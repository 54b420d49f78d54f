// The local ClickHouse endpoint in the foreground: `npx tsx scripts/endpoint.ts`.
// clickhouse-server's HTTP interface over the embedded engine, on CLICKHOUSE_HTTP_HOST:CLICKHOUSE_HTTP_PORT
// (127.0.0.1:8123), user CLICKHOUSE_USER / CLICKHOUSE_PASSWORD. One line per query goes to
// <storageDir>/logs/clickhouse-endpoint.log; the pid to <storageDir>/run/clickhouse-endpoint.pid.
// SIGTERM / SIGINT stop it gracefully (running queries finish or are cancelled, the query log is
// flushed, the data folder is released). `npm start` runs it in the background (scripts/stack/endpoint.ts).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig } from '../lib/config';
import { endpointPaths, startEndpoint } from '../lib/endpoint';
import { ENGINE_THREADPOOL_SIZE, engineMallocEnv } from './stack/process';

// UV_THREADPOOL_SIZE is read when the pool starts (before this code runs), the MALLOC_ settings when the process starts:
// without them the script runs itself again with them.

function relaunchWithThreads(): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...engineMallocEnv(), UV_THREADPOOL_SIZE: ENGINE_THREADPOOL_SIZE },
  });
  // Ctrl-C reaches both processes from the terminal; a SIGTERM sent here is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function serve(): Promise<void> {
  const config = loadConfig();
  const paths = endpointPaths(config);
  const removePidFile = (): void => {
    try {
      if (readFileSync(paths.pidFile, 'utf8').trim() === String(process.pid)) rmSync(paths.pidFile, { force: true });
    } catch {
      /* gone already */
    }
  };
  try {
    mkdirSync(dirname(paths.pidFile), { recursive: true });
    writeFileSync(paths.pidFile, `${process.pid}\n`);
    const endpoint = await startEndpoint(config);
    // The engine resolves relative file paths from its working directory: there they mean the
    // user-files folder, as relative paths do on clickhouse-server (user_files_path). Only after
    // the engine started: it reads ./config.xml from the directory it starts in, and that must
    // never be a file a query can write.
    process.chdir(paths.userFiles);
    console.log(
      `ClickHouse endpoint on ${endpoint.url} (user ${config.clickhouse.user}, data ${config.clickhouse.dataPath}, pid ${process.pid})`,
    );
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
}

if (process.env.UV_THREADPOOL_SIZE) await serve();
else relaunchWithThreads();
