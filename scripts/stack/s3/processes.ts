import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { execa } from 'execa';
import { S3ServerError } from './errors';
import { isProcessAlive, sleep } from '../process';

export type DaemonKind = 'mon' | 'osd' | 'rgw';

export const DAEMON_BINARIES: Record<DaemonKind, string> = { mon: 'ceph-mon', osd: 'ceph-osd', rgw: 'radosgw' };

/**
 * A small, fixed environment for Ceph tools and daemons: the kit's own process may hold
 * secrets in its environment, and daemons outlive it.
 */
export function toolEnv(): NodeJS.ProcessEnv {
  return {
    PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    LANG: 'C.UTF-8',
    HOME: process.env.HOME ?? '/root',
  };
}

/**
 * The running daemons of the cluster whose ceph.conf is `confFile`, found in /proc by their
 * command line (pid files go stale after a crash or a reboot; the command line does not).
 */
export function findDaemons(confFile: string): Partial<Record<DaemonKind, number>> {
  const found: Partial<Record<DaemonKind, number>> = {};
  const byBinary = new Map(Object.entries(DAEMON_BINARIES).map(([kind, bin]) => [bin, kind as DaemonKind]));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    const kind = byBinary.get(basename(argv[0] ?? ''));
    if (!kind) continue;
    const c = argv.indexOf('-c');
    if (c >= 0 && argv[c + 1] === confFile) found[kind] = Number(entry);
  }
  return found;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a Ceph tool to completion. `input` goes to its stdin (how secrets reach the tool: never
 * on the command line, where `ps` shows them). Errors name the tool and the tail of its stderr.
 */
// execa here (timeout + SIGKILL, stdin input, env not extended): 12 lines instead of 25; the detached daemons and streamed
// runs below keep node:child_process, where execa's buffering and promise add nothing.
export async function runTool(
  command: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const r = await execa(command, args, {
    env: toolEnv(),
    extendEnv: false,
    input: options.input ?? '',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    stripFinalNewline: false,
    reject: false,
  });
  if (r.exitCode === 0) return { stdout: r.stdout, stderr: r.stderr };
  if (r.exitCode === undefined && r.signal === undefined) {
    const cause = r.cause instanceof Error ? r.cause : undefined;
    throw new S3ServerError(
      `Could not run ${command}: ${cause?.message ?? r.shortMessage}. Is Ceph installed (npm run s3:start installs it)?`,
      { cause },
    );
  }
  const why = r.signal
    ? `was killed (${r.signal}${r.timedOut ? `, timeout ${timeoutMs} ms` : ''})`
    : `exited with code ${r.exitCode}`;
  throw new S3ServerError(`${command} ${args[0] ?? ''} ${why}:\n${tail(r.stderr || r.stdout, 12)}`);
}

/**
 * Starts a Ceph daemon, which forks into the background by itself; resolves when the
 * foreground part exits. Its early output goes to `logFile` (the daemon's own log has the rest).
 */
export function startDaemon(command: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(command, args, { env: toolEnv(), stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    child.on('error', (e) =>
      reject(
        new S3ServerError(
          `Could not start ${command}: ${e.message}. Is Ceph installed (npm run s3:start installs it)?`,
          { cause: e },
        ),
      ),
    );
    // 'exit', not 'close': the forked daemon may keep the output descriptors.
    child.on('exit', (code) => {
      if (code === 0) return resolve();
      reject(
        new S3ServerError(
          `${command} failed to start (exit code ${code}). Last lines of ${logFile}:\n${tailOfFile(logFile, 15)}`,
        ),
      );
    });
  });
}

/** SIGTERM, then SIGKILL after `timeoutMs`. Resolves once the process is gone. */
export async function stopProcess(pid: number, timeoutMs = 30_000): Promise<'terminated' | 'killed'> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'terminated';
  }
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await waitFor(() => !isProcessAlive(pid), 5_000);
      return 'killed';
    }
    await sleep(100);
  }
  return 'terminated';
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** The last lines of a log file (reads only its end: Ceph logs grow large). */
export function tailOfFile(path: string, lines: number): string {
  if (!existsSync(path)) return '(no log yet)';
  const size = statSync(path).size;
  const length = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return tail(buf.toString('utf8'), lines);
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
