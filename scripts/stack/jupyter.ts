/** The Jupyter side of the kit: install (venv + tslab kernelspec), start/stop/status of JupyterLab. */
export { installJupyter, isJupyterInstalled, JupyterInstallError, type JupyterInstallResult } from './jupyter-install';
export {
  startJupyter,
  stopJupyter,
  jupyterStatus,
  jupyterUrl,
  JupyterServerError,
  type JupyterStartResult,
  type JupyterStatus,
} from './jupyter-server';
export { jupyterEnvironment, jupyterPaths, type JupyterPaths } from './jupyter-paths';
export { KERNEL_NAME, tslabKernelSpec, ensureKernelSpec } from './jupyter-kernelspec';
