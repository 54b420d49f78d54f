import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KitConfig } from '../../lib/config';
import { ensureKernelSpec } from './jupyter-kernelspec';
import { jupyterEnvironment, jupyterPaths } from './jupyter-paths';
import { runCommand } from './jupyter-process';
import { pipInstallRequirements } from './pip-install';

/** Python or pip could not set up the Jupyter venv; the message says what to install or where the log is. */
export class JupyterInstallError extends Error {
  override readonly name = 'JupyterInstallError';
}

export interface JupyterInstallResult {
  venvCreated: boolean;
  packagesInstalled: boolean;
  kernelSpecWritten: boolean;
  seconds: number;
}

/** Python interpreters tried for the venv, in order: `KIT_PYTHON`, Debian's, then PATH's. */
function pythonCandidates(): string[] {
  return [process.env.KIT_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
}

function findVenvCapablePython(): string {
  const tried: string[] = [];
  for (const py of pythonCandidates()) {
    const r = spawnSync(
      py,
      ['-c', 'import sys, venv, ensurepip; assert sys.version_info >= (3, 9); print(sys.version.split()[0])'],
      {
        encoding: 'utf8',
      },
    );
    if (r.status === 0) return py;
    tried.push(`${py}: ${(r.error?.message ?? r.stderr).trim().split('\n').pop() ?? 'failed'}`);
  }
  throw new JupyterInstallError(
    `no Python >= 3.9 with the venv module was found (tried ${tried.join('; ')}). ` +
      'Install it with `apt-get install -y python3 python3-venv`, or set KIT_PYTHON to a suitable python3.',
  );
}

/**
 * Sets up JupyterLab 4 + nbclient + nbconvert + ipykernel in `<root>/.venv` (pip, pinned in
 * scripts/stack/jupyter-requirements.txt) and registers the tslab kernel inside the project
 * (`<root>/.jupyter/share/jupyter/kernels/tslab`). Idempotent: when the venv matches the
 * requirements and the kernelspec is current it returns in well under a second.
 * pip output goes to `<storageDir>/logs/jupyter-install.log`.
 */
export async function installJupyter(config: KitConfig): Promise<JupyterInstallResult> {
  const started = Date.now();
  const p = jupyterPaths(config);
  mkdirSync(p.logDir, { recursive: true });
  const result: JupyterInstallResult = {
    venvCreated: false,
    packagesInstalled: false,
    kernelSpecWritten: false,
    seconds: 0,
  };

  if (!existsSync(p.python)) {
    const base = findVenvCapablePython();
    console.log(`jupyter: creating the Python venv ${p.venvDir} (with ${base})`);
    await runCommand(base, ['-m', 'venv', p.venvDir], { logFile: p.installLogFile }).catch((err: Error) => {
      throw new JupyterInstallError(
        `creating ${p.venvDir} failed: ${err.message}\nOn Debian: apt-get install -y python3-venv`,
      );
    });
    result.venvCreated = true;
  }

  // A venv whose jupyter went missing is reinstalled even if its stamp is current.
  if (!existsSync(p.jupyter)) rmSync(p.installStamp, { force: true });
  try {
    result.packagesInstalled = await pipInstallRequirements({
      python: p.python,
      requirementsFile: p.requirementsFile,
      stampFile: p.installStamp,
      label: 'jupyter: pip install (JupyterLab, nbclient, nbconvert, ipykernel)',
      logFile: p.installLogFile,
      env: jupyterEnvironment(config),
    });
  } catch (err) {
    throw new JupyterInstallError((err as Error).message);
  }
  ensureCommonJsBoundary(p.venvDir);
  ensureLabSettingsOverrides(p.venvDir);
  result.kernelSpecWritten = ensureKernelSpec(config);
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/**
 * The venv lies inside this `"type": "module"` package, so node would load the `.js` files
 * JupyterLab ships (its bundled yarn.js, run to read the npm registry setting) as ESM, and they
 * crash. A package.json in the venv marks everything below it as CommonJS again.
 */
function ensureCommonJsBoundary(venvDir: string): void {
  const file = join(venvDir, 'package.json');
  const wanted = '{ "private": true, "type": "commonjs" }\n';
  if (!existsSync(file) || readFileSync(file, 'utf8') !== wanted) writeFileSync(file, wanted);
}

/**
 * JupyterLab defaults for an offline, local kit: no news feed or update check (they call out
 * to the internet and show a pop-up on first start).
 */
function ensureLabSettingsOverrides(venvDir: string): void {
  const dir = join(venvDir, 'share', 'jupyter', 'lab', 'settings');
  const file = join(dir, 'overrides.json');
  const wanted = `${JSON.stringify({ '@jupyterlab/apputils-extension:notification': { fetchNews: 'false', checkForUpdates: false } }, null, 2)}\n`;
  if (existsSync(file) && readFileSync(file, 'utf8') === wanted) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, wanted);
}

/** True when the venv is set up for the current requirements and the kernelspec is present. */
export function isJupyterInstalled(config: KitConfig): boolean {
  const p = jupyterPaths(config);
  return existsSync(p.jupyter) && existsSync(p.installStamp) && existsSync(`${p.kernelDir}/kernel.json`);
}
