import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KitConfig } from '../../lib/config';
import { jupyterPaths } from './jupyter-paths';

export const KERNEL_NAME = 'tslab';

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: 'signal';
  env: Record<string, string>;
  metadata: Record<string, unknown>;
}

/**
 * The tslab kernelspec for this checkout. Its argv first changes to the project root: tslab
 * type-checks with the kernel's working directory as rootDir, so `import ... from './lib/...'`
 * only works when the kernel runs there (whatever folder the notebook is in). It runs the
 * project's own tslab (through tslab-kernel.cjs, which makes folder imports like './lib/config'
 * work) with the node that installed it, so `require('tslab')` inside lib/ is the running
 * kernel's instance.
 */
export function tslabKernelSpec(config: KitConfig, nodeBinary: string = process.execPath): KernelSpec {
  const launcher = join(config.root, 'scripts', 'stack', 'tslab-kernel.cjs');
  return {
    argv: [
      '/bin/sh',
      '-c',
      'cd "$1" && exec "$2" "$3" kernel --config-path "$4"',
      'tslab-kernel',
      config.root,
      nodeBinary,
      launcher,
      '{connection_file}',
    ],
    display_name: 'TypeScript (tslab)',
    language: 'typescript',
    interrupt_mode: 'signal',
    env: { KIT_ROOT: config.root },
    metadata: { kit: { root: config.root } },
  };
}

/** Writes the kernelspec unless an identical one is there. Returns whether it wrote. */
export function ensureKernelSpec(config: KitConfig): boolean {
  const { kernelDir } = jupyterPaths(config);
  const tslabBin = join(config.root, 'node_modules', 'tslab', 'bin', 'tslab');
  if (!existsSync(tslabBin)) {
    throw new Error(`tslab is not installed (${tslabBin} is missing); run \`npm install\` in ${config.root} first.`);
  }
  const file = join(kernelDir, 'kernel.json');
  const wanted = `${JSON.stringify(tslabKernelSpec(config), null, 2)}\n`;
  if (existsSync(file) && readFileSync(file, 'utf8') === wanted) return false;
  mkdirSync(kernelDir, { recursive: true });
  writeFileSync(file, wanted);
  return true;
}
