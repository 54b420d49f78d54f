import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { progress } from '../../lib/notebook';
import { runCommand } from './jupyter-process';

/** pip could not install a requirements file; the message says where the full log is. */
export class PipInstallError extends Error {
  override readonly name = 'PipInstallError';
}

export interface PipInstallOptions {
  /** The venv's python. */
  python: string;
  requirementsFile: string;
  /** Holds the hash of the requirements and the python version the venv was last installed with. */
  stampFile: string;
  /** Shown on the progress bar. */
  label: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
}

function stampFor(requirements: string, python: string): string {
  const version = spawnSync(python, ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8' }).stdout.trim();
  return createHash('sha256').update(requirements).update('\0').update(version).digest('hex');
}

/** True when the venv was installed from exactly this requirements file (and python). */
export function isPipInstallCurrent(
  options: Pick<PipInstallOptions, 'python' | 'requirementsFile' | 'stampFile'>,
): boolean {
  if (!existsSync(options.python) || !existsSync(options.stampFile)) return false;
  const stamp = stampFor(readFileSync(options.requirementsFile, 'utf8'), options.python);
  return readFileSync(options.stampFile, 'utf8').trim() === stamp;
}

/**
 * `pip install -r <file>` into the venv with a progress bar, skipped when the stamp says the venv
 * already matches the file. PIP_RETRIES=0 so an unreachable index fails over at once.
 * Returns true when pip ran.
 */
export async function pipInstallRequirements(options: PipInstallOptions): Promise<boolean> {
  const requirements = readFileSync(options.requirementsFile, 'utf8');
  const stamp = stampFor(requirements, options.python);
  if (existsSync(options.stampFile) && readFileSync(options.stampFile, 'utf8').trim() === stamp) return false;
  const count = requirements.split('\n').filter((l) => /^[A-Za-z0-9]/.test(l)).length;
  const bar = progress(options.label, count);
  let seen = 0;
  try {
    await runCommand(
      options.python,
      ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '-r', options.requirementsFile],
      {
        env: { ...options.env, PIP_RETRIES: '0' },
        logFile: options.logFile,
        onLine: (line) => {
          if (/^(Collecting|Processing|Requirement already satisfied|Using cached) /.test(line))
            bar.update(Math.min(++seen, count));
          else if (line.startsWith('Installing collected packages')) bar.update(count, 'installing');
        },
      },
    );
  } catch (err) {
    bar.fail();
    throw new PipInstallError(
      `pip could not install ${options.requirementsFile} (full log: ${options.logFile}). ` +
        `Check that pip reaches a package index (PIP_INDEX_URL / pip.conf).\n${(err as Error).message}`,
    );
  }
  bar.done();
  writeFileSync(options.stampFile, `${stamp}\n`);
  return true;
}
