/**
 * The test twins of the two real models (tiny BERT and Qwen2 with random weights, see
 * scripts/models/python/build_twins.py), cached in `<models dir>/kit-twins/` and rebuilt only when
 * the recipe (the Python scripts and the pinned packages) changes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KitConfig } from '../../lib/config';
import {
  TWINS_FOLDER,
  dimensionsFromConfig,
  modelDirOf,
  supportedModels,
  twinSpec,
  type EmbeddingModelSpec,
} from '../../lib/embeddings';
import { ensureModelPython, modelPythonPaths, runModelPython } from './python-env';

const STAMP_FILE = 'kit-twins.json';
const RECIPE_FILES = ['build_twins.py', 'onnx_export.py', 'requirements.txt'];

/** The real models that have a twin (every supported model except the stand-in). */
export function twinnedModelIds(): string[] {
  return supportedModels()
    .filter((s) => !s.standIn)
    .map((s) => s.id);
}

export function twinsDir(config: Pick<KitConfig, 'models'>): string {
  return join(config.models.dir, TWINS_FOLDER);
}

function recipeHash(config: KitConfig): string {
  const { scriptsDir } = modelPythonPaths(config);
  const h = createHash('sha256');
  for (const f of RECIPE_FILES)
    h.update(f)
      .update('\0')
      .update(readFileSync(join(scriptsDir, f)));
  return h.digest('hex');
}

/** True when every twin is built by the current recipe. */
export function areTwinsBuilt(config: KitConfig): boolean {
  const stamp = join(twinsDir(config), STAMP_FILE);
  if (!existsSync(stamp)) return false;
  const built = JSON.parse(readFileSync(stamp, 'utf8')) as { recipe?: string };
  return (
    built.recipe === recipeHash(config) &&
    twinnedModelIds().every((id) => existsSync(join(modelDirOf(twinsDir(config), id), 'onnx', 'model.onnx')))
  );
}

/** Builds the twins unless they are current; returns their folder. */
export async function ensureTwins(config: KitConfig, log: (line: string) => void = () => {}): Promise<string> {
  const dir = twinsDir(config);
  if (areTwinsBuilt(config)) return dir;
  await ensureModelPython(config);
  const t0 = Date.now();
  mkdirSync(dir, { recursive: true });
  await runModelPython(config, 'build_twins.py', [dir], { onLine: (l) => l.startsWith('built ') && log(l) });
  writeFileSync(
    join(dir, STAMP_FILE),
    `${JSON.stringify({ recipe: recipeHash(config), models: twinnedModelIds() }, null, 2)}\n`,
  );
  log(`twins built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

/** The spec that points a real model at its twin (its width read from the twin's config.json). */
export function twinSpecFor(config: KitConfig, modelId: string): EmbeddingModelSpec {
  const dims = dimensionsFromConfig(modelDirOf(twinsDir(config), modelId));
  if (dims === undefined)
    throw new Error(
      `The twin of ${modelId} has no hidden_size in its config.json: rebuild it with \`npm run models:build-twins\`.`,
    );
  return twinSpec(modelId, dims);
}
