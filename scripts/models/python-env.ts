/**
 * The project venv's model packages (torch CPU, transformers, sentence-transformers, tokenizers, onnx,
 * onnxruntime, huggingface_hub), pinned in scripts/models/python/requirements.txt. `npm run setup` installs
 * them; the twins builder and `models:export` install them on demand when they are missing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KitConfig } from '../../lib/config';
import { installJupyter } from '../stack/jupyter-install';
import { jupyterEnvironment, jupyterPaths } from '../stack/jupyter-paths';
import { runCommand, type RunOptions } from '../stack/jupyter-process';
import { isPipInstallCurrent, pipInstallRequirements } from '../stack/pip-install';

export interface ModelPythonPaths {
  python: string;
  /** Folder of the kit's Python model scripts. */
  scriptsDir: string;
  requirementsFile: string;
  stampFile: string;
  logFile: string;
}

export function modelPythonPaths(config: KitConfig): ModelPythonPaths {
  const p = jupyterPaths(config);
  const scriptsDir = join(config.root, 'scripts', 'models', 'python');
  return {
    python: p.python,
    scriptsDir,
    requirementsFile: join(scriptsDir, 'requirements.txt'),
    stampFile: join(p.venvDir, '.kit-models-stamp'),
    logFile: join(p.logDir, 'models-pip-install.log'),
  };
}

export function isModelPythonInstalled(config: KitConfig): boolean {
  return isPipInstallCurrent(modelPythonPaths(config));
}

/** Installs the model packages into the project venv (creating the venv first if needed); quick when current. */
export async function ensureModelPython(config: KitConfig): Promise<ModelPythonPaths> {
  const paths = modelPythonPaths(config);
  if (!existsSync(paths.python)) await installJupyter(config);
  mkdirSync(jupyterPaths(config).logDir, { recursive: true });
  await pipInstallRequirements({
    python: paths.python,
    requirementsFile: paths.requirementsFile,
    stampFile: paths.stampFile,
    label: 'models: pip install (torch CPU, transformers, sentence-transformers, onnx, onnxruntime, huggingface_hub)',
    logFile: paths.logFile,
    env: jupyterEnvironment(config),
  });
  return paths;
}

/** Runs one of the kit's Python model scripts with the venv's python. */
export function runModelPython(
  config: KitConfig,
  script: string,
  args: string[],
  options: RunOptions = {},
): Promise<string> {
  const paths = modelPythonPaths(config);
  return runCommand(paths.python, [join(paths.scriptsDir, script), ...args], {
    cwd: paths.scriptsDir,
    ...options,
    env: {
      ...jupyterEnvironment(config),
      PYTHONUNBUFFERED: '1',
      TOKENIZERS_PARALLELISM: 'false',
      HF_HUB_DISABLE_TELEMETRY: '1',
      ...options.env,
    },
  });
}
