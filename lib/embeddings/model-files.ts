import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ModelNotInstalledError } from './errors';
import { DTYPE_FILE_SUFFIX, howToGet, type EmbeddingModelSpec, type ModelDtype } from './registry';

/** Files transformers.js reads besides the ONNX graph. */
export const REQUIRED_CONFIG_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

/** `<models dir>/org/name`. */
export function modelDirOf(modelsDir: string, modelId: string): string {
  return join(modelsDir, ...modelId.split('/'));
}

/** `onnx/model.onnx`, `onnx/model_quantized.onnx`, ... */
export function onnxFileFor(dtype: ModelDtype): string {
  return `onnx/model${DTYPE_FILE_SUFFIX[dtype]}.onnx`;
}

/** How many external-data chunks (`model.onnx_data`, `model.onnx_data_1`, ...) sit beside the graph. */
export function externalDataChunks(modelDir: string, dtype: ModelDtype): number {
  const base = join(modelDir, `${onnxFileFor(dtype)}_data`);
  let n = 0;
  while (existsSync(n === 0 ? base : `${base}_${n}`)) n++;
  return n;
}

/** Files of a model that are missing from its folder (empty when it is installed). */
export function missingModelFiles(modelDir: string, dtype: ModelDtype): string[] {
  return [...REQUIRED_CONFIG_FILES, onnxFileFor(dtype)].filter((f) => !existsSync(join(modelDir, f)));
}

/** Throws {@link ModelNotInstalledError} (saying how to get the model) unless its files are present. */
export function assertModelInstalled(
  spec: EmbeddingModelSpec,
  modelsDir: string,
  dtype: ModelDtype = spec.dtype,
): string {
  const dir = modelDirOf(modelsDir, spec.id);
  const missing = missingModelFiles(dir, dtype);
  if (missing.length > 0) {
    const others = installedDtypes(dir).filter((d) => d !== dtype);
    const hint =
      others.length > 0
        ? ` (The folder has the ${others.join(', ')} variant; pass dtype: '${others[0]}' to use it.)`
        : '';
    throw new ModelNotInstalledError(spec.id, dir, missing, howToGet(spec) + hint);
  }
  return dir;
}

/** Dtypes whose ONNX file is present in a model folder. */
export function installedDtypes(modelDir: string): ModelDtype[] {
  const onnxDir = join(modelDir, 'onnx');
  if (!existsSync(onnxDir)) return [];
  const files = new Set(readdirSync(onnxDir));
  return (Object.keys(DTYPE_FILE_SUFFIX) as ModelDtype[]).filter((d) => files.has(`model${DTYPE_FILE_SUFFIX[d]}.onnx`));
}

/** The model's own statement of its vector width (`hidden_size`, or `d_model`/`n_embd` for other families). */
export function dimensionsFromConfig(modelDir: string): number | undefined {
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  for (const key of ['hidden_size', 'd_model', 'n_embd', 'dim']) {
    const v = config[key];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return undefined;
}
