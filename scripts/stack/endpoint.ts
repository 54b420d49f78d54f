/**
 * The local ClickHouse endpoint as a background service of the stack: start (or re-use the one
 * running), stop, status. The service is `scripts/endpoint.ts` in its own detached process; it
 * writes its pid to `<storageDir>/run/clickhouse-endpoint.pid` and advertises its URL in the data
 * folder's owner file, so `connect()` anywhere on the machine finds it.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { configEnvironment, type KitConfig } from '../../lib/config';
import { endpointPaths } from '../../lib/endpoint';
import { readDataFolderOwner } from '../../lib/engine';
import { ENGINE_THREADPOOL_SIZE, engineMallocEnv, isProcessAlive, sleep } from './process';

export class EndpointProcessError extends Error {
  override readonly name = 'EndpointProcessError';
}

export interface EndpointProcess {
  url: string;
  pid: number | undefined;
  /** True when a running, healthy endpoint was found and used as is. */
  reused: boolean;
}

export interface EndpointStatus {
  /** The endpoint process is alive. */
  running: boolean;
  /** It answers /ping. */
  healthy: boolean;
  pid: number | undefined;
  url: string;
  dataPath: string;
  logFile: string;
}

export interface StartEndpointOptions {
  log?: (line: string) => void;
  /** How long to wait for /ping (default 120 s: a first start creates the data folder). */
  timeoutMs?: number;
  /** Extra environment for the process (e.g. CLICKHOUSE_ALLOW_EMPTY_PASSWORD). */
  env?: Readonly<Record<string, string>>;
}

const SCRIPT = join('scripts', 'endpoint.ts');
const OWNER_EXIT_WAIT_MS = 10_000;

/** The URL the configuration says the endpoint listens on. */
export function configuredEndpointUrl(config: KitConfig): string {
  const host = config.clickhouse.httpHost;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${config.clickhouse.httpPort}`;
}

/** What the endpoint of this configuration is doing. */
export async function endpointStatus(config: KitConfig): Promise<EndpointStatus> {
  const paths = endpointPaths(config);
  const pid = runningEndpointPid(paths.pidFile);
  const owner = readDataFolderOwner(config.clickhouse.dataPath);
  const url = (owner && owner.pid === pid && owner.url) || configuredEndpointUrl(config);
  return {
    running: pid !== undefined,
    healthy: pid !== undefined && (await ping(url)),
    pid,
    url,
    dataPath: config.clickhouse.dataPath,
    logFile: paths.logFile,
  };
}

/**
 * Starts the endpoint in the background and waits until it answers /ping, or re-uses the one
 * already running for this data folder.
 */
export async function startEndpointProcess(
  config: KitConfig,
  options: StartEndpointOptions = {},
): Promise<EndpointProcess> {
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const paths = endpointPaths(config);
  const status = await endpointStatus(config);
  if (status.running) {
    if (!status.healthy) await waitUntilHealthy(status.url, status.pid, timeoutMs, paths.consoleLog);
    return { url: status.url, pid: status.pid, reused: true };
  }
  // A process that is exiting (stopped, or killed a moment ago) still owns the folder for a while.
  let owner = readDataFolderOwner(config.clickhouse.dataPath);
  for (let waited = 0; owner && owner.pid !== process.pid && waited < OWNER_EXIT_WAIT_MS; waited += 100) {
    if (owner.url && (await ping(owner.url))) return { url: owner.url, pid: owner.pid, reused: true };
    await sleep(100);
    owner = readDataFolderOwner(config.clickhouse.dataPath);
  }
  if (owner) {
    const who = owner.pid === process.pid ? 'this process (it has the embedded engine open)' : `process ${owner.pid}`;
    throw new EndpointProcessError(
      `Cannot start the ClickHouse endpoint: its data folder ${config.clickhouse.dataPath} is held by ${who}, which uses the embedded engine directly. Stop it (or close its client) and run \`npm start\` again; afterwards notebooks and scripts share the endpoint.`,
    );
  }

  mkdirSync(dirname(paths.consoleLog), { recursive: true });
  const out = openSync(paths.consoleLog, 'a');
  const logStart = statSync(paths.consoleLog).size;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  try {
    // CLICKHOUSE_URL empty: the endpoint process is the one that opens the embedded engine.
    const child = spawn(process.execPath, ['--import', 'tsx', join(config.root, SCRIPT)], {
      cwd: config.root,
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        UV_THREADPOOL_SIZE: ENGINE_THREADPOOL_SIZE,
        ...process.env,
        ...engineMallocEnv(),
        ...configEnvironment(config),
        CLICKHOUSE_URL: '',
        ...options.env,
      },
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
    });
    child.unref();
    log(`starting the ClickHouse endpoint (pid ${child.pid}) on ${configuredEndpointUrl(config)} ...`);
  } finally {
    closeSync(out);
  }
  const url = configuredEndpointUrl(config);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      throw new EndpointProcessError(
        `The ClickHouse endpoint exited during start (code ${exited.code ?? exited.signal}):\n${tail(paths.consoleLog, logStart)}`,
      );
    }
    const pid = runningEndpointPid(paths.pidFile);
    if (pid !== undefined && (await ping(url))) {
      log(`ClickHouse endpoint ready on ${url}`);
      return { url, pid, reused: false };
    }
    await sleep(100);
  }
  throw new EndpointProcessError(
    `The ClickHouse endpoint did not answer on ${url} within ${Math.round(timeoutMs / 1000)} s. Its output:\n${tail(paths.consoleLog, logStart)}`,
  );
}

/** Stops the endpoint gracefully (SIGTERM: queries finish or are cancelled, the log is flushed), SIGKILL after `timeoutMs`. */
export async function stopEndpointProcess(
  config: KitConfig,
  options: { timeoutMs?: number } = {},
): Promise<{ stopped: boolean; pid: number | undefined }> {
  const paths = endpointPaths(config);
  const pid = runningEndpointPid(paths.pidFile);
  if (pid === undefined) {
    rmSync(paths.pidFile, { force: true });
    return { stopped: false, pid: undefined };
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (isProcessAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isProcessAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (isProcessAlive(pid)) await sleep(50);
  }
  rmSync(paths.pidFile, { force: true });
  return { stopped: true, pid };
}

/** The pid in the pid file when that process is alive and is the endpoint (pid files go stale). */
function runningEndpointPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(SCRIPT) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) });
    return res.ok && (await res.text()) === 'Ok.\n';
  } catch {
    return false;
  }
}

async function waitUntilHealthy(
  url: string,
  pid: number | undefined,
  timeoutMs: number,
  consoleLog: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(url)) return;
    if (pid !== undefined && !isProcessAlive(pid)) break;
    await sleep(200);
  }
  throw new EndpointProcessError(
    `The running ClickHouse endpoint (pid ${pid}) does not answer on ${url}. Its output:\n${tail(consoleLog, 0)}`,
  );
}

function tail(file: string, from: number): string {
  try {
    const text = readFileSync(file, 'utf8').slice(from);
    return text.split('\n').slice(-30).join('\n').trim() || '(no output)';
  } catch {
    return '(no output)';
  }
}
