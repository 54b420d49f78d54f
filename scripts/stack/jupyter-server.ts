import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { scrubSecrets, type KitConfig } from '../../lib/config';
import { progress } from '../../lib/notebook';
import { isJupyterInstalled } from './jupyter-install';
import { tslabKernelSpec } from './jupyter-kernelspec';
import { jupyterEnvironment, jupyterPaths } from './jupyter-paths';
import { processCommandLine, readPid } from './jupyter-process';
import { isProcessAlive, sleep } from './process';

/** JupyterLab could not be started or stopped; the message says why and where the log is. */
export class JupyterServerError extends Error {
  override readonly name = 'JupyterServerError';
}

export interface JupyterStartResult {
  /** URL without the token (the token is JUPYTER_TOKEN in .env). */
  url: string;
  pid: number;
  /** An already running server with the same settings was kept. */
  reused: boolean;
  seconds: number;
  logFile: string;
}

export interface JupyterStatus {
  running: boolean;
  /** Answers authenticated API calls. */
  healthy: boolean;
  pid: number | undefined;
  url: string;
  kernels: number | undefined;
  logFile: string;
}

interface ServerState {
  pid: number;
  fingerprint: string;
  startedAt: string;
}

const START_TIMEOUT_MS = 90_000;

/** The JupyterLab URL. With `withToken` it logs in directly: show it only to the user, never in logs. */
export function jupyterUrl(config: KitConfig, options: { withToken?: boolean; path?: string } = {}): string {
  const host = config.jupyter.host.includes(':') ? `[${config.jupyter.host}]` : config.jupyter.host;
  const url = `http://${host}:${config.jupyter.port}${options.path ?? '/lab'}`;
  return options.withToken ? `${url}?token=${encodeURIComponent(config.jupyter.token.reveal())}` : url;
}

/**
 * Starts JupyterLab on config.jupyter.host:port, notebook dir = project root, project-local
 * kernelspecs, log in `<storageDir>/logs/jupyter.log`, pid in `<storageDir>/run/jupyter.pid`.
 * `kernelEnv` is added to the server's environment, which its kernels inherit (e.g. the local
 * stack's CLICKHOUSE_URL). A running server started with the same settings is reused; one with
 * different settings is restarted. The token never goes on a command line or into the log.
 */
export async function startJupyter(
  config: KitConfig,
  kernelEnv: Record<string, string | undefined> = {},
): Promise<JupyterStartResult> {
  const started = Date.now();
  const p = jupyterPaths(config);
  const token = config.jupyter.token.reveal();
  if (token.length < 16) {
    throw new JupyterServerError(
      'JUPYTER_TOKEN is empty or shorter than 16 characters; run `npm run setup` (it writes a random one into .env) or set it.',
    );
  }
  if (!isJupyterInstalled(config)) {
    throw new JupyterServerError(
      'the Jupyter stack is not installed in this checkout; run installJupyter(config) (`npm run setup`) first.',
    );
  }
  const fingerprint = fingerprintOf(config, kernelEnv);

  const state = readState(config);
  if (state && isOurServer(state.pid)) {
    if (state.fingerprint === fingerprint && (await apiGet(config, '/api/status')).ok) {
      return {
        url: jupyterUrl(config),
        pid: state.pid,
        reused: true,
        seconds: (Date.now() - started) / 1000,
        logFile: p.logFile,
      };
    }
    console.log('jupyter: settings or kernel environment changed, restarting JupyterLab');
    await stopJupyter(config);
  }
  if (await portAnswers(config.jupyter.host, config.jupyter.port)) {
    throw new JupyterServerError(
      `port ${config.jupyter.port} on ${config.jupyter.host} is already in use by another program; stop it or set JUPYTER_PORT in .env.`,
    );
  }

  for (const dir of [p.runDir, p.logDir, p.configDir]) mkdirSync(dir, { recursive: true });
  mkdirSync(p.runtimeDir, { recursive: true, mode: 0o700 });
  chmodSync(p.runtimeDir, 0o700);
  writeFileSync(p.tokenFile, token, { mode: 0o600 });
  chmodSync(p.tokenFile, 0o600);

  const env = jupyterEnvironment(config, { ...process.env, ...definedOnly(kernelEnv) });
  env.JUPYTER_TOKEN_FILE = p.tokenFile;
  const logFd = openSync(p.logFile, 'a');
  const args = [
    'lab',
    '--no-browser',
    `--ServerApp.ip=${config.jupyter.host}`,
    `--ServerApp.port=${config.jupyter.port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${config.root}`,
    '--ServerApp.allow_remote_access=False',
    '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
    '--LabServerApp.extension_manager=readonly',
    // Containers and CI run as root; the server still only listens on config.jupyter.host with a token.
    ...(process.getuid?.() === 0 ? ['--ServerApp.allow_root=True'] : []),
  ];
  const child = spawn(p.jupyter, args, { cwd: config.root, env, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new JupyterServerError(`could not start ${p.jupyter}; see ${p.logFile}.`);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();

  const bar = progress(`jupyter: starting JupyterLab on ${jupyterUrl(config)}`, undefined);
  try {
    for (;;) {
      if (exited !== undefined) {
        throw new JupyterServerError(
          `JupyterLab exited with code ${exited} while starting. Last log lines:\n${logTail(config)}`,
        );
      }
      if (Date.now() - started > START_TIMEOUT_MS) {
        process.kill(pid, 'SIGTERM');
        throw new JupyterServerError(
          `JupyterLab did not answer within ${START_TIMEOUT_MS / 1000}s. Last log lines:\n${logTail(config)}`,
        );
      }
      if ((await apiGet(config, '/api/status')).ok) break;
      bar.update(0, 'waiting for the API');
      await sleep(250);
    }
  } catch (err) {
    bar.fail();
    throw err;
  } finally {
    // The server has read it (it answered an authenticated request) or failed: the token stays only in .env.
    rmSync(p.tokenFile, { force: true });
  }
  bar.done();
  writeFileSync(p.pidFile, `${pid}\n`);
  writeFileSync(
    p.stateFile,
    `${JSON.stringify({ pid, fingerprint, startedAt: new Date().toISOString() } satisfies ServerState, null, 2)}\n`,
  );
  return { url: jupyterUrl(config), pid, reused: false, seconds: (Date.now() - started) / 1000, logFile: p.logFile };
}

/** Stops the JupyterLab this checkout started (and, through it, its kernels). No-op when none runs. */
export async function stopJupyter(config: KitConfig): Promise<{ stopped: boolean }> {
  const p = jupyterPaths(config);
  const pid = readPid(p.pidFile);
  const cleanup = (): void => {
    rmSync(p.pidFile, { force: true });
    rmSync(p.stateFile, { force: true });
    rmSync(p.tokenFile, { force: true });
  };
  if (pid === undefined || !isOurServer(pid)) {
    cleanup();
    return { stopped: false };
  }
  process.kill(pid, 'SIGTERM'); // the server shuts its kernels down on SIGTERM
  const deadline = Date.now() + 15_000;
  while (isProcessAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isProcessAlive(pid)) {
    // Its own process group (started detached): the server and any kernel it left behind.
    process.kill(-pid, 'SIGKILL');
    await sleep(200);
  }
  cleanup();
  return { stopped: true };
}

export async function jupyterStatus(config: KitConfig): Promise<JupyterStatus> {
  const p = jupyterPaths(config);
  const pid = readPid(p.pidFile);
  const running = pid !== undefined && isOurServer(pid);
  let healthy = false;
  let kernels: number | undefined;
  if (running) {
    const res = await apiGet(config, '/api/status');
    healthy = res.ok;
    if (res.ok) kernels = (res.body as { kernels?: number }).kernels;
  }
  return { running, healthy, pid: running ? pid : undefined, url: jupyterUrl(config), kernels, logFile: p.logFile };
}

/** The last lines of the server log, secrets removed. */
function logTail(config: KitConfig, lines = 30): string {
  const { logFile } = jupyterPaths(config);
  if (!existsSync(logFile)) return '(no log)';
  const text = readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
  return scrubSecrets(text, [config.jupyter.token, config.clickhouse.password, config.s3.secretAccessKey]);
}

function isOurServer(pid: number): boolean {
  return isProcessAlive(pid) && /jupyter/.test(processCommandLine(pid));
}

function readState(config: KitConfig): ServerState | undefined {
  const { stateFile } = jupyterPaths(config);
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as ServerState;
  } catch {
    return undefined;
  }
}

/** Hash of everything that needs a restart when it changes (secrets only enter hashed). */
function fingerprintOf(config: KitConfig, kernelEnv: Record<string, string | undefined>): string {
  const env = Object.entries(definedOnly(kernelEnv)).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256')
    .update(
      JSON.stringify({
        env,
        host: config.jupyter.host,
        port: config.jupyter.port,
        root: config.root,
        token: config.jupyter.token.reveal(),
        spec: tslabKernelSpec(config),
      }),
    )
    .digest('hex');
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

async function apiGet(config: KitConfig, path: string): Promise<{ ok: boolean; body: unknown }> {
  try {
    const res = await fetch(jupyterUrl(config, { path }), {
      headers: { Authorization: `token ${config.jupyter.token.reveal()}` },
      signal: AbortSignal.timeout(2_000),
    });
    return { ok: res.ok, body: res.ok ? await res.json() : undefined };
  } catch {
    return { ok: false, body: undefined };
  }
}

function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}
