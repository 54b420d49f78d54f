/** Base class of every error lib/embeddings throws. */
export class EmbeddingError extends Error {
  override readonly name: string = 'EmbeddingError';
}

/** The requested model id is not one the kit knows how to run. */
export class UnsupportedModelError extends EmbeddingError {
  override readonly name = 'UnsupportedModelError';
  constructor(
    readonly modelId: string,
    supported: readonly string[],
  ) {
    super(
      `Embedding model "${modelId}" is not supported. Supported models: ${supported.join(', ')}. Set EMBEDDING_MODEL to one of them.`,
    );
  }
}

/** The model's files are not in the models folder; the message says exactly how to get them. */
export class ModelNotInstalledError extends EmbeddingError {
  override readonly name = 'ModelNotInstalledError';
  constructor(
    readonly modelId: string,
    readonly modelDir: string,
    readonly missingFiles: readonly string[],
    readonly howToGet: string,
  ) {
    super(
      `Embedding model ${modelId} is not installed: ${modelDir} lacks ${missingFiles.join(', ')}. ${howToGet} ` +
        'Models are only ever loaded from this local folder (remote loading is off).',
    );
  }
}

/** The model folder disagrees with what the registry says the model is. */
export class ModelMismatchError extends EmbeddingError {
  override readonly name = 'ModelMismatchError';
}

/** A text produced no usable vector (for example none of its words is known to a word-vector model). */
export class EmptyEmbeddingError extends EmbeddingError {
  override readonly name = 'EmptyEmbeddingError';
}

/** Downloading a model from the hub failed; the message says what to do. */
export class ModelFetchError extends EmbeddingError {
  override readonly name: string = 'ModelFetchError';
}

/** The hub repository holds no ONNX export, which transformers.js needs. */
export class NoOnnxFilesError extends ModelFetchError {
  override readonly name = 'NoOnnxFilesError';
}
