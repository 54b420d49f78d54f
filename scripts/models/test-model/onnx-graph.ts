import { createRequire } from 'node:module';
import type { onnx as OnnxTypes } from 'onnx-proto';

// onnx-proto is a CommonJS bundle whose named export Node's ESM loader cannot detect.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto');

/** What the static sentence-embedding graph is made of. */
export interface StaticEmbeddingWeights {
  /** Rows of the token table: token vector already multiplied by its SIF weight, row-major. */
  weightedVectors: Float32Array;
  /** SIF weight per token (0 for special and padding tokens), the denominator of the average. */
  tokenWeights: Float32Array;
  /** Unit vector of the common component removed from every sentence vector (SIF step 2). */
  commonComponent: Float32Array;
  vocabSize: number;
  dims: number;
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
/** ONNX opset 13: ReduceSum and Unsqueeze take their axes as inputs. */
const OPSET = 13;

/**
 * An ONNX graph with BERT's inputs and output (`input_ids`, `attention_mask`, `token_type_ids` ->
 * `last_hidden_state`), so transformers.js runs it as a BertModel:
 *
 *   s = Σ_t mask_t · w_t · v_t / Σ_t mask_t · w_t      (SIF-weighted average over real tokens)
 *   e = s − (s·u) u                                     (common component removed)
 *
 * `e` is repeated at every position, so CLS, mean and last-token pooling all return it and padding
 * never changes a sentence's vector.
 */
export function buildStaticEmbeddingGraph(w: StaticEmbeddingWeights): Uint8Array {
  if (w.weightedVectors.length !== w.vocabSize * w.dims) throw new Error('weightedVectors has the wrong length');
  if (w.tokenWeights.length !== w.vocabSize) throw new Error('tokenWeights has the wrong length');
  if (w.commonComponent.length !== w.dims) throw new Error('commonComponent has the wrong length');

  const initializers = [
    floatTensor('token_vectors', [w.vocabSize, w.dims], w.weightedVectors),
    floatTensor('token_weights', [w.vocabSize], w.tokenWeights),
    floatTensor('common_component_col', [w.dims, 1], w.commonComponent),
    floatTensor('common_component_row', [1, w.dims], w.commonComponent),
    floatTensor('epsilon', [], new Float32Array([1e-12])),
    int64Tensor('axis_1', [1], [1]),
    int64Tensor('axis_2', [1], [2]),
  ];

  const nodes = [
    node('Gather', ['token_vectors', 'input_ids'], ['token_rows'], { axis: 0 }),
    node('Gather', ['token_weights', 'input_ids'], ['weights']),
    node('Cast', ['attention_mask'], ['mask'], { to: FLOAT }),
    node('Mul', ['weights', 'mask'], ['masked_weights']),
    node('Unsqueeze', ['mask', 'axis_2'], ['mask_3d']),
    node('Mul', ['token_rows', 'mask_3d'], ['masked_rows']),
    node('ReduceSum', ['masked_rows', 'axis_1'], ['weighted_sum'], { keepdims: 1 }),
    node('ReduceSum', ['masked_weights', 'axis_1'], ['weight_total'], { keepdims: 1 }),
    node('Max', ['weight_total', 'epsilon'], ['weight_total_safe']),
    node('Unsqueeze', ['weight_total_safe', 'axis_2'], ['weight_total_3d']),
    node('Div', ['weighted_sum', 'weight_total_3d'], ['average']),
    node('MatMul', ['average', 'common_component_col'], ['projection']),
    node('Mul', ['projection', 'common_component_row'], ['common_part']),
    node('Sub', ['average', 'common_part'], ['sentence']),
    node('Shape', ['token_rows'], ['hidden_shape']),
    node('Expand', ['sentence', 'hidden_shape'], ['last_hidden_state']),
  ];

  const graph = onnx.GraphProto.create({
    name: 'glove_sif_static_embedding',
    node: nodes,
    initializer: initializers,
    input: [
      valueInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', INT64, ['batch_size', 'sequence_length']),
      // Accepted (BERT tokenizers send it) but unused.
      valueInfo('token_type_ids', INT64, ['batch_size', 'sequence_length']),
    ],
    output: [valueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', w.dims])],
  });

  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'clickhouse-notebook-kit',
    producerVersion: '1',
    docString: 'Stand-in test model: SIF-weighted average of GloVe word vectors. Not a transformer.',
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

type Attr = number;

function node(
  opType: string,
  input: string[],
  output: string[],
  attrs: Record<string, Attr> = {},
): OnnxTypes.INodeProto {
  return {
    opType,
    input,
    output,
    name: `${opType}_${output[0]}`,
    attribute: Object.entries(attrs).map(([name, i]) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i })),
  };
}

function floatTensor(name: string, dims: number[], data: Float32Array): OnnxTypes.ITensorProto {
  // rawData is little-endian; so is every machine this runs on (x64/arm64).
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function int64Tensor(name: string, dims: number[], values: number[]): OnnxTypes.ITensorProto {
  return { name, dims, dataType: INT64, int64Data: values };
}

function valueInfo(name: string, elemType: number, shape: Array<string | number>): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
