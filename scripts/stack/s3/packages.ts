import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { S3ServerError } from './errors';

/** Debian packages of a single-node Ceph cluster with the S3 gateway (about 60 MB). */
export const CEPH_PACKAGES = ['radosgw', 'ceph-mon', 'ceph-osd', 'ceph-common'] as const;

/** The programs the kit runs; all of them come with {@link CEPH_PACKAGES}. */
export const CEPH_PROGRAMS = [
  'ceph-mon',
  'ceph-osd',
  'radosgw',
  'radosgw-admin',
  'ceph-authtool',
  'monmaptool',
  'ceph',
] as const;

const BIN_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/bin', '/sbin'];

export function missingCephPrograms(): string[] {
  return CEPH_PROGRAMS.filter((p) => !BIN_DIRS.some((d) => existsSync(`${d}/${p}`)));
}

export interface InstallOptions {
  /** Progress lines (default: stderr). Nothing is printed when the packages are present. */
  log?: (line: string) => void;
}

/**
 * Installs Ceph (mon, osd, RGW) from Debian with apt-get when any program is missing; does
 * nothing, quietly, when all are present. Needs root (or passwordless sudo).
 */
export async function installS3ServerPackages(options: InstallOptions = {}): Promise<{ installed: boolean }> {
  if (missingCephPrograms().length === 0) return { installed: false };
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  if (sudo.length > 0 && !BIN_DIRS.some((d) => existsSync(`${d}/sudo`))) {
    throw new S3ServerError(
      `Ceph is not installed and installing it needs root. Run as root: apt-get install -y --no-install-recommends ${CEPH_PACKAGES.join(' ')}`,
    );
  }
  const started = Date.now();
  log(`Installing ${CEPH_PACKAGES.join(', ')} with apt-get (about 15-70 s)...`);
  const install = ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...CEPH_PACKAGES];
  const first = await aptGet([...sudo, ...install], log);
  if (first !== 0) {
    // Usually stale or missing package lists on a fresh machine.
    log('apt-get install failed; updating package lists and retrying...');
    const update = await aptGet([...sudo, 'apt-get', 'update', '-q'], log);
    if (update !== 0 || (await aptGet([...sudo, ...install], log)) !== 0) {
      throw new S3ServerError(
        `apt-get could not install ${CEPH_PACKAGES.join(' ')}. Check that apt sources are reachable, then run as root: apt-get update && apt-get install -y --no-install-recommends ${CEPH_PACKAGES.join(' ')}`,
      );
    }
  }
  const still = missingCephPrograms();
  if (still.length > 0)
    throw new S3ServerError(`apt-get finished but these programs are still missing: ${still.join(', ')}.`);
  log(`Ceph installed in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return { installed: true };
}

/** Runs apt-get showing a one-line ticker of its progress; returns the exit code. */
function aptGet(argv: string[], log: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv as [string, ...string[]];
    const child = spawn(cmd, args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tty = process.stderr.isTTY === true;
    let errors = '';
    let last = '';
    const show = (chunk: Buffer) => {
      const line = chunk.toString('utf8').trim().split('\n').pop() ?? '';
      if (!line || line === last) return;
      last = line;
      if (tty) process.stderr.write(`\r\x1b[2K  ${line.slice(0, (process.stderr.columns ?? 100) - 4)}`);
    };
    child.stdout.on('data', show);
    child.stderr.on('data', (b: Buffer) => {
      errors += b.toString('utf8');
      show(b);
    });
    child.on('error', () => resolve(127));
    child.on('close', (code) => {
      if (tty) process.stderr.write('\r\x1b[2K');
      if (code !== 0 && errors.trim()) log(errors.trim().split('\n').slice(-5).join('\n'));
      resolve(code ?? 1);
    });
  });
}
