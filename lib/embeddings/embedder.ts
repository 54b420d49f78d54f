import { env, pipeline } from '@huggingface/transformers';
import { loadConfig, type KitConfig } from '../config';
import { EmbeddingError, EmptyEmbeddingError, ModelMismatchError } from './errors';
import { assertModelInstalled, dimensionsFromConfig, externalDataChunks, modelDirOf } from './model-files';
import { formatInput, modelSpec, type EmbeddingModelSpec, type ModelDtype } from './registry';

export type InputKind = 'query' | 'document';

export interface EmbedOptions {
  /** Queries and documents may be formatted differently (prefixes, instructions). Default: document. */
  kind?: InputKind;
  /** Replaces the model's default `{instruction}` for instruction-formatted queries. */
  instruction?: string;
  /** Texts per model call (default 32). */
  batchSize?: number;
  /** Called after each batch with the number of texts done so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface LoadEmbedderOptions {
  /** Default: config.models.active (EMBEDDING_MODEL). */
  modelId?: string;
  /** Default: loadConfig(). */
  config?: KitConfig;
  /** Default: config.models.dir. */
  modelsDir?: string;
  /** Default: the registry's dtype for the model. */
  dtype?: ModelDtype;
  /** Tests only: a spec from `twinSpec()` (default: the registry's spec of `modelId`). */
  spec?: EmbeddingModelSpec;
}

/** The part of transformers.js' feature-extraction pipeline the kit uses. */
interface FeatureExtractor {
  (
    texts: string[],
    options: { pooling: string; normalize: boolean },
  ): Promise<{ data: ArrayLike<number>; dims: number[] }>;
  tokenizer: {
    padding_side: string;
    readonly add_eos_token?: boolean;
    readonly eos_token?: string | null;
    readonly eos_token_id?: number;
    encode(text: string): number[];
  };
  dispose(): Promise<void>;
}

/**
 * A loaded embedding model. The vector width comes from the model itself (its config, checked
 * against one real output), so tables and datasets follow whichever model is active.
 */
export class Embedder {
  private constructor(
    readonly spec: EmbeddingModelSpec,
    readonly modelDir: string,
    readonly dtype: ModelDtype,
    readonly dimensions: number,
    private readonly extractor: FeatureExtractor,
    /** Appended to every input when the tokenizer must end texts with EOS but its tokenizer.json does not (see eosSuffixFor). */
    private readonly eosSuffix: string,
  ) {}

  get modelId(): string {
    return this.spec.id;
  }

  /** True for the offline stand-in test model. */
  get isStandIn(): boolean {
    return this.spec.standIn;
  }

  /** @internal use {@link loadEmbedder}. */
  static async open(spec: EmbeddingModelSpec, modelsDir: string, dtype: ModelDtype): Promise<Embedder> {
    const modelDir = assertModelInstalled(spec, modelsDir, dtype);
    const extractor = await createExtractor(spec.id, modelsDir, modelDir, dtype);
    extractor.tokenizer.padding_side = spec.paddingSide;
    const eosSuffix = eosSuffixFor(extractor.tokenizer);
    const declared = dimensionsFromConfig(modelDir);
    const probe = await runModel(extractor, spec, ['dimension probe']);
    const produced = probe[0]?.length ?? 0;
    if (declared !== undefined && declared !== produced) {
      throw new ModelMismatchError(
        `${spec.id}: config.json says ${declared} dimensions but the model produced ${produced}. The model folder ${modelDir} is inconsistent: fetch or build it again.`,
      );
    }
    if (produced !== spec.dimensions) {
      throw new ModelMismatchError(
        `${spec.id}: the model in ${modelDir} produces ${produced}-dimensional vectors, the registry expects ${spec.dimensions}. Wrong files in that folder? Fetch or build it again.`,
      );
    }
    return new Embedder(spec, modelDir, dtype, produced, extractor, eosSuffix);
  }

  /** Formats a text the way this model expects for its kind. */
  format(text: string, kind: InputKind = 'document', instruction?: string): string {
    return formatInput(kind === 'query' ? this.spec.query : this.spec.document, text, instruction);
  }

  /** One vector per text, in order, computed in batches. */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new EmbeddingError(`batchSize must be a positive integer, got ${batchSize}.`);
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new EmbeddingError(`texts[${i}] is ${typeof t}, expected a string.`);
    });
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      const batch = texts
        .slice(i, i + batchSize)
        .map((t) => this.format(t, options.kind, options.instruction) + this.eosSuffix);
      const vectors = await runModel(this.extractor, this.spec, batch);
      vectors.forEach((v, j) => {
        if (!v.every(Number.isFinite) || v.every((x) => x === 0)) {
          throw new EmptyEmbeddingError(
            `${this.spec.id} produced no usable vector for text ${i + j} ("${(texts[i + j] ?? '').slice(0, 80)}"): ` +
              (this.spec.standIn
                ? 'none of its words is in the test model vocabulary.'
                : 'the text is empty after tokenization.'),
          );
        }
      });
      out.push(...vectors);
      options.onProgress?.(Math.min(i + batchSize, texts.length), texts.length);
    }
    return out;
  }

  async embedOne(text: string, kind: InputKind = 'document', instruction?: string): Promise<Float32Array> {
    const [v] = await this.embed([text], { kind, instruction });
    return v as Float32Array;
  }

  /** A search query, formatted with the model's query prefix or instruction. */
  embedQuery(text: string, instruction?: string): Promise<Float32Array> {
    return this.embedOne(text, 'query', instruction);
  }

  async dispose(): Promise<void> {
    forget(this);
    await this.extractor.dispose();
  }
}

/**
 * gte-Qwen2 style tokenizers say `add_eos_token: true` in tokenizer_config.json and the Python tokenizer then
 * ends every text with EOS, whose hidden state last-token pooling reads. transformers.js only applies
 * tokenizer.json's post-processor, so when that adds no EOS the kit appends the EOS token's text itself
 * (special tokens in the text are matched before the model sees it). Empty when nothing is missing.
 */
function eosSuffixFor(tokenizer: FeatureExtractor['tokenizer']): string {
  const eos = tokenizer.eos_token;
  const eosId = tokenizer.eos_token_id;
  if (tokenizer.add_eos_token !== true || !eos || eosId === undefined) return '';
  return tokenizer.encode('probe').at(-1) === eosId ? '' : eos;
}

async function runModel(
  extractor: FeatureExtractor,
  spec: EmbeddingModelSpec,
  texts: string[],
): Promise<Float32Array[]> {
  const tensor = await extractor(texts, { pooling: spec.pooling, normalize: spec.normalize });
  const [rows, dims] = tensor.dims;
  if (tensor.dims.length !== 2 || rows !== texts.length || dims === undefined) {
    throw new ModelMismatchError(
      `${spec.id}: expected a [${texts.length}, dims] output after pooling, got [${tensor.dims.join(', ')}].`,
    );
  }
  const data = Float32Array.from(tensor.data);
  return Array.from({ length: rows }, (_, r) => data.slice(r * dims, (r + 1) * dims));
}

// transformers.js keeps its settings in one global `env`: loads are serialised so that each one
// sees its own models folder, and remote loading is switched off every time.
let loadQueue: Promise<unknown> = Promise.resolve();

function createExtractor(
  modelId: string,
  modelsDir: string,
  modelDir: string,
  dtype: ModelDtype,
): Promise<FeatureExtractor> {
  const run = loadQueue.then(async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;
    const chunks = externalDataChunks(modelDir, dtype);
    const extractor = await pipeline('feature-extraction', modelId, {
      dtype,
      device: 'cpu',
      local_files_only: true,
      ...(chunks > 0 ? { use_external_data_format: chunks } : {}),
    });
    return extractor as unknown as FeatureExtractor;
  });
  loadQueue = run.catch(() => undefined);
  return run;
}

const cache = new Map<string, Promise<Embedder>>();

// The spec is part of the key: a test may load the same folder under a different (twin) spec.
function cacheKey(modelDir: string, dtype: ModelDtype, spec: EmbeddingModelSpec): string {
  return `${modelDir}\u0000${dtype}\u0000${JSON.stringify(spec)}`;
}

function forget(embedder: Embedder): void {
  cache.delete(cacheKey(embedder.modelDir, embedder.dtype, embedder.spec));
}

/**
 * The embedding model chosen by configuration (or `modelId`), loaded once per process from the
 * local models folder. A missing model throws {@link ModelNotInstalledError} with the command that
 * fetches or builds it; an unknown id throws {@link UnsupportedModelError}. The stand-in test model
 * is only ever used when asked for by name.
 */
export async function loadEmbedder(options: LoadEmbedderOptions = {}): Promise<Embedder> {
  const explicitId = options.modelId ?? options.spec?.id;
  const models =
    explicitId !== undefined && options.modelsDir !== undefined ? undefined : (options.config ?? loadConfig()).models;
  const spec = options.spec ?? modelSpec(explicitId ?? (models?.active as string));
  const modelsDir: string = options.modelsDir ?? (models?.dir as string);
  const dtype = options.dtype ?? spec.dtype;
  const key = cacheKey(modelDirOf(modelsDir, spec.id), dtype, spec);
  let entry = cache.get(key);
  if (!entry) {
    entry = Embedder.open(spec, modelsDir, dtype);
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

/** Releases every model loaded by {@link loadEmbedder}. */
export async function disposeEmbedders(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const p of all) {
    try {
      await (await p).dispose();
    } catch {
      /* a failed load has nothing to release */
    }
  }
}
