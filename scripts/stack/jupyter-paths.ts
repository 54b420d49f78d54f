import { join } from 'node:path';
import type { KitConfig } from '../../lib/config';

/** Where the project-local Jupyter stack lives. Everything is inside the checkout or its storage dir. */
export interface JupyterPaths {
  venvDir: string;
  python: string;
  jupyter: string;
  /** Project-local Jupyter home (git-ignored): kernelspecs, settings, workspaces, notary db. */
  homeDir: string;
  /** On JUPYTER_PATH: holds kernels/tslab/kernel.json. */
  dataDir: string;
  kernelDir: string;
  configDir: string;
  /** Connection files and server info files (they hold keys/tokens): under storage, mode 0700. */
  runtimeDir: string;
  runDir: string;
  pidFile: string;
  stateFile: string;
  tokenFile: string;
  logDir: string;
  logFile: string;
  installLogFile: string;
  requirementsFile: string;
  installStamp: string;
}

export function jupyterPaths(config: KitConfig): JupyterPaths {
  const venvDir = join(config.root, '.venv');
  const homeDir = join(config.root, '.jupyter');
  const dataDir = join(homeDir, 'share', 'jupyter');
  const runDir = join(config.storageDir, 'run');
  const logDir = join(config.storageDir, 'logs');
  return {
    venvDir,
    python: join(venvDir, 'bin', 'python'),
    jupyter: join(venvDir, 'bin', 'jupyter'),
    homeDir,
    dataDir,
    kernelDir: join(dataDir, 'kernels', 'tslab'),
    configDir: join(homeDir, 'config'),
    runtimeDir: join(runDir, 'jupyter-runtime'),
    runDir,
    pidFile: join(runDir, 'jupyter.pid'),
    stateFile: join(runDir, 'jupyter.json'),
    tokenFile: join(runDir, 'jupyter-token'),
    logDir,
    logFile: join(logDir, 'jupyter.log'),
    installLogFile: join(logDir, 'jupyter-install.log'),
    requirementsFile: join(config.root, 'scripts', 'stack', 'jupyter-requirements.txt'),
    installStamp: join(venvDir, '.kit-jupyter-stamp'),
  };
}

/**
 * Environment for every Jupyter process of the kit (server, nbclient runner, `jupyter` CLI):
 * project-local kernelspecs, config, data and runtime dirs, so neither ~/.jupyter nor a global
 * kernel named `tslab` can interfere, and the venv first on PATH.
 */
export function jupyterEnvironment(config: KitConfig, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const p = jupyterPaths(config);
  const env: NodeJS.ProcessEnv = {
    ...base,
    JUPYTER_PATH: p.dataDir,
    JUPYTER_DATA_DIR: p.dataDir,
    JUPYTER_CONFIG_DIR: p.configDir,
    JUPYTER_RUNTIME_DIR: p.runtimeDir,
    JUPYTER_PLATFORM_DIRS: '1',
    PATH: `${join(p.venvDir, 'bin')}:${base.PATH ?? '/usr/bin:/bin'}`,
    VIRTUAL_ENV: p.venvDir,
    KIT_ROOT: config.root,
    PYTHONNOUSERSITE: '1',
    PIP_RETRIES: '0',
  };
  // The server gets its token from a file (see jupyter-server.ts); kernels inherit the server's
  // environment and must not see it.
  delete env.JUPYTER_TOKEN;
  delete env.PYTHONPATH;
  return env;
}
