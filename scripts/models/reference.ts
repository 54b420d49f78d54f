/**
 * Reference embeddings from sentence-transformers (Python, in the project venv) for a model folder, with
 * the pooling, normalisation and prompts the folder's sentence-transformers files configure.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { KitConfig } from '../../lib/config';
import { jupyterEnvironment } from '../stack/jupyter-paths';
import { modelPythonPaths } from './python-env';

export interface ReferenceRequest {
  texts: string[];
  /** A prompt named in config_sentence_transformers.json (e.g. "query"). */
  promptName?: string;
  /** A literal prompt (what a model card says to prepend), when the repository configures none. */
  prompt?: string;
  batchSize?: number;
}

export interface ReferenceResult {
  /** Per request, one vector per text (normalised by the model's own Normalize module). */
  vectors: number[][][];
  /** Per request, the token ids the reference tokenizer produced for each prompted text. */
  tokenIds: number[][][];
  prompts: Record<string, string>;
  pooling: string;
}

export function referenceEmbeddings(
  config: KitConfig,
  modelDir: string,
  requests: ReferenceRequest[],
): Promise<ReferenceResult> {
  const paths = modelPythonPaths(config);
  const input = JSON.stringify({
    model_dir: modelDir,
    requests: requests.map((r) => ({
      texts: r.texts,
      prompt_name: r.promptName ?? null,
      prompt: r.prompt ?? null,
      batch_size: r.batchSize ?? 32,
    })),
  });
  return new Promise((resolve, reject) => {
    const child = spawn(paths.python, [join(paths.scriptsDir, 'reference_embed.py')], {
      cwd: paths.scriptsDir,
      env: { ...jupyterEnvironment(config), TOKENIZERS_PARALLELISM: 'false' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`reference_embed.py exited with ${code}:\n${err}`));
      const parsed = JSON.parse(out) as {
        vectors: number[][][];
        token_ids: number[][][];
        prompts: Record<string, string>;
        pooling: string;
      };
      resolve({
        vectors: parsed.vectors,
        tokenIds: parsed.token_ids,
        prompts: parsed.prompts,
        pooling: parsed.pooling,
      });
    });
    child.stdin.end(input);
  });
}
