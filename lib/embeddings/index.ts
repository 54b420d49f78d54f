export {
  Embedder,
  loadEmbedder,
  disposeEmbedders,
  type EmbedOptions,
  type InputKind,
  type LoadEmbedderOptions,
} from './embedder';
export {
  EmbeddingError,
  UnsupportedModelError,
  ModelNotInstalledError,
  ModelMismatchError,
  EmptyEmbeddingError,
  ModelFetchError,
  NoOnnxFilesError,
} from './errors';
export {
  TEST_MODEL_ID,
  supportedModels,
  supportedModelIds,
  modelSpec,
  howToGet,
  formatInput,
  twinSpec,
  TWINS_FOLDER,
  type EmbeddingModelSpec,
  type ModelDtype,
  type Pooling,
  type InputFormat,
} from './registry';
export {
  modelDirOf,
  onnxFileFor,
  missingModelFiles,
  installedDtypes,
  assertModelInstalled,
  dimensionsFromConfig,
} from './model-files';
export { cosineSimilarity } from './similarity';
export { configuredModelOrStandIn, isModelInstalled, type ModelChoice } from './model-choice';
export {
  GLOVE_PACKAGE,
  GloveSourceError,
  glovePackageDir,
  glovePackageVersion,
  readGloveVectors,
  type GloveVectors,
} from './glove-source';
export { fetchModel, type FetchEvent } from './hub-download';
