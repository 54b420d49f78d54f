/**
 * Embedding throughput through the kit's embedder (transformers.js, CPU): the stand-in, both twins, and a BERT
 * of BAAI/bge-base-en-v1.5's real shape with random weights (its speed is bge's: the values of the weights do
 * not change the work). Alibaba-NLP/gte-Qwen2-1.5B-instruct is estimated from the measured bge shape by the
 * ratio of their matrix-multiply work per token (stated in the result's `basis`). Called from bench/vectors.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import type { KitConfig } from '../lib/config';
import { TEST_MODEL_ID, loadEmbedder, modelDirOf, twinSpec, type LoadEmbedderOptions } from '../lib/embeddings';
import { generateNarratives } from '../lib/vectors';
import { ensureModelPython, runModelPython } from '../scripts/models/python-env';
import { ensureTestModel } from '../scripts/models/test-model/build';
import { ensureTwins, twinSpecFor } from '../scripts/models/twins';
import { median, type BenchResult } from './report';

const BGE = 'BAAI/bge-base-en-v1.5';
const GTE = 'Alibaba-NLP/gte-Qwen2-1.5B-instruct';
const TEXTS = 256;
const BATCH = 32;
const RUNS = 3;

/** Multiply-accumulates per token in the transformer layers (attention projections + MLP), from each real config. */
const MACS_PER_TOKEN = {
  // 12 layers: q, k, v, o (768x768 each) + FFN 768x3072 twice.
  [BGE]: 12 * (4 * 768 * 768 + 2 * 768 * 3072),
  // 28 layers: q, o (1536x1536), k, v (1536x256: 2 KV heads of 128), SwiGLU gate/up/down (1536x8960 three times).
  [GTE]: 28 * (2 * 1536 * 1536 + 2 * 1536 * 256 + 3 * 1536 * 8960),
};

async function bgeShapeDir(config: KitConfig, twins: string, log: (l: string) => void): Promise<string> {
  const shapes = join(config.models.dir, 'kit-shapes');
  const dir = modelDirOf(shapes, BGE);
  if (!existsSync(join(dir, 'onnx', 'model.onnx'))) {
    log(`building a BERT of ${BGE}'s shape with random weights (once, ~440 MB) ...`);
    await ensureModelPython(config);
    await runModelPython(config, 'build_shape_model.py', [modelDirOf(twins, BGE), dir]);
  }
  return shapes;
}

async function meanTokens(modelDir: string, texts: string[]): Promise<number> {
  const tok = await AutoTokenizer.from_pretrained(modelDir, { local_files_only: true });
  return texts.reduce((s, t) => s + tok.encode(t).length, 0) / texts.length;
}

async function measure(
  name: string,
  load: LoadEmbedderOptions,
  modelDir: string,
  texts: string[],
  log: (l: string) => void,
): Promise<BenchResult[]> {
  const embedder = await loadEmbedder(load);
  await embedder.embed(texts.slice(0, BATCH), { batchSize: BATCH }); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await embedder.embed(texts, { batchSize: BATCH });
    rates.push(texts.length / ((performance.now() - t0) / 1000));
  }
  await embedder.dispose();
  const textsPerS = median(rates);
  const tokens = await meanTokens(modelDir, texts);
  log(
    `embedding throughput ${name}: ${textsPerS.toFixed(1)} texts/s (${tokens.toFixed(0)} tokens/text, batch ${BATCH})`,
  );
  const common = {
    runs: RUNS,
    median_of: RUNS,
    batch: BATCH,
    texts: texts.length,
    mean_tokens_per_text: Number(tokens.toFixed(1)),
  };
  return [
    { case: `embed ${name}`, metric: 'texts_per_s', value: Number(textsPerS.toFixed(1)), unit: 'texts/s', ...common },
    {
      case: `embed ${name}`,
      metric: 'tokens_per_s',
      value: Math.round(textsPerS * tokens),
      unit: 'tokens/s',
      ...common,
    },
  ];
}

/** Measures every case (under the benchmark lock, like the rest of bench:vectors) and returns BENCH.md results. */
export async function embeddingThroughput(
  config: KitConfig,
  log: (line: string) => void = console.log,
): Promise<BenchResult[]> {
  await ensureTestModel(config);
  const twins = await ensureTwins(config, log);
  const shapes = await bgeShapeDir(config, twins, log);
  const texts = generateNarratives(TEXTS, 7).map((n) => n.text);
  const results: BenchResult[] = [];
  results.push(
    ...(await measure(
      `${TEST_MODEL_ID} (stand-in)`,
      { modelId: TEST_MODEL_ID, modelsDir: config.models.dir },
      modelDirOf(config.models.dir, TEST_MODEL_ID),
      texts,
      log,
    )),
  );
  for (const id of [BGE, GTE]) {
    results.push(
      ...(await measure(
        `twin of ${id} (tiny, random)`,
        { spec: twinSpecFor(config, id), modelsDir: twins },
        modelDirOf(twins, id),
        texts,
        log,
      )),
    );
  }
  const bge = await measure(
    `${BGE} real shape (random weights)`,
    { spec: twinSpec(BGE, 768), modelsDir: shapes },
    modelDirOf(shapes, BGE),
    texts,
    log,
  );
  results.push(...bge);
  const bgeTokensPerS = bge.find((r) => r.metric === 'tokens_per_s')?.value ?? 0;
  const ratio = MACS_PER_TOKEN[GTE] / MACS_PER_TOKEN[BGE];
  const tokensPerText = Number(bge[0]?.mean_tokens_per_text ?? 0);
  const gteTokensPerS = bgeTokensPerS / ratio;
  const basis =
    `estimate: the measured ${BGE}-shape tokens/s divided by ${ratio.toFixed(1)}, the ratio of layer multiply-accumulates per token ` +
    `(${(MACS_PER_TOKEN[GTE] / 1e9).toFixed(2)} G vs ${(MACS_PER_TOKEN[BGE] / 1e6).toFixed(0)} M, from both real configs); same tokens per text ` +
    'assumed; attention over the sequence and the 6 GB of fp32 weights streaming through 2 cores make the real figure lower, not higher.';
  log(`embedding throughput ${GTE} (estimated): ${(gteTokensPerS / tokensPerText).toFixed(2)} texts/s (${basis})`);
  results.push(
    {
      case: `embed ${GTE} (estimated)`,
      metric: 'texts_per_s',
      value: Number((gteTokensPerS / tokensPerText).toFixed(2)),
      unit: 'texts/s',
      runs: 0,
      median_of: 0,
      basis,
    },
    {
      case: `embed ${GTE} (estimated)`,
      metric: 'tokens_per_s',
      value: Math.round(gteTokensPerS),
      unit: 'tokens/s',
      runs: 0,
      median_of: 0,
      basis,
    },
  );
  return results;
}
