import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import {
  ModelNotInstalledError,
  TEST_MODEL_ID,
  UnsupportedModelError,
  cosineSimilarity,
  disposeEmbedders,
  loadEmbedder,
  modelSpec,
  type Embedder,
} from '../../lib/embeddings';
import { buildTestModel, ensureTestModel, type TestModelInfo } from '../../scripts/models/test-model/build';

const config = loadConfig();
let model: TestModelInfo;
let embedder: Embedder;

beforeAll(async () => {
  model = await ensureTestModel(config);
  embedder = await loadEmbedder({ modelId: TEST_MODEL_ID, modelsDir: config.models.dir });
});

afterAll(async () => {
  await disposeEmbedders();
});

describe('test model kit/glove-sif-100d through transformers.js', () => {
  it('reads its dimension from the model itself', () => {
    const cfg = JSON.parse(readFileSync(join(model.dir, 'config.json'), 'utf8')) as {
      hidden_size: number;
      kit_stand_in: { stand_in: boolean };
    };
    expect(embedder.dimensions).toBe(cfg.hidden_size);
    expect(embedder.dimensions).toBe(100);
    expect(embedder.isStandIn).toBe(true);
    expect(cfg.kit_stand_in.stand_in).toBe(true);
  });

  it('ranks related sentences above unrelated ones', async () => {
    const cases: Array<[string, string, string]> = [
      ['The cat sat on the mat.', 'A kitten was sleeping on the rug.', 'The stock market fell sharply today.'],
      [
        'How do I reset my password?',
        'I forgot my login password and need to change it.',
        'The weather in Paris is sunny.',
      ],
      [
        'Customers loved the fast delivery of the running shoes.',
        'The sneakers arrived quickly and buyers were happy.',
        'The government announced a new tax policy.',
      ],
      [
        'A man is playing guitar.',
        'Someone is strumming a musical instrument.',
        'A woman is cooking pasta in the kitchen.',
      ],
    ];
    for (const [anchor, related, unrelated] of cases) {
      const [a, r, u] = await embedder.embed([anchor, related, unrelated]);
      const simRelated = cosineSimilarity(a as Float32Array, r as Float32Array);
      const simUnrelated = cosineSimilarity(a as Float32Array, u as Float32Array);
      expect(simRelated, `${anchor} | ${related}`).toBeGreaterThan(simUnrelated + 0.25);
    }
  });

  it('gives the same vector for a text alone or inside a padded batch', async () => {
    const texts = [
      'Short one.',
      'A much longer sentence about refunds for delayed parcels that were shipped from the warehouse in Hamburg.',
      'Medium length text about shoes.',
    ];
    const batch = await embedder.embed(texts, { batchSize: 3 });
    for (let i = 0; i < texts.length; i++) {
      const alone = await embedder.embedOne(texts[i] as string);
      const inBatch = batch[i] as Float32Array;
      expect(alone.length).toBe(100);
      for (let d = 0; d < alone.length; d++)
        expect(Math.abs((alone[d] as number) - (inBatch[d] as number))).toBeLessThan(1e-6);
    }
  });

  it('returns unit vectors (the registry asks for normalization)', async () => {
    const v = await embedder.embedOne('Normalised vectors make cosine distance meaningful.');
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 5);
  });

  it('is rebuilt byte-identically (deterministic build)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-models-'));
    try {
      const again = await buildTestModel({ root: config.root, models: { dir } });
      expect(again.onnxSha256).toBe(model.onnxSha256);
      expect(readFileSync(join(again.dir, 'tokenizer.json'), 'utf8')).toBe(
        readFileSync(join(model.dir, 'tokenizer.json'), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('model registry and loading rules', () => {
  it('formats queries the way each model expects', () => {
    expect(embedder.format('red shoes', 'query')).toBe('red shoes');
    const bge = modelSpec('BAAI/bge-base-en-v1.5');
    expect(bge.dimensions).toBe(768);
    expect(bge.pooling).toBe('cls');
    expect(bge.query.template.replace('{text}', 'x')).toBe(
      'Represent this sentence for searching relevant passages: x',
    );
    const gte = modelSpec('Alibaba-NLP/gte-Qwen2-1.5B-instruct');
    expect(gte.dimensions).toBe(1536);
    expect(gte.pooling).toBe('last_token');
    expect(gte.paddingSide).toBe('left');
  });

  it('never substitutes the test model for a missing real one: the error says how to fetch it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kit-models-empty-'));
    try {
      const err = await loadEmbedder({ modelId: 'BAAI/bge-base-en-v1.5', modelsDir: empty }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelNotInstalledError);
      expect(String((err as Error).message)).toContain('npm run models:fetch -- BAAI/bge-base-en-v1.5');
      expect(String((err as Error).message)).toContain(join(empty, 'BAAI', 'bge-base-en-v1.5'));
      const missingTest = await loadEmbedder({ modelId: TEST_MODEL_ID, modelsDir: empty }).catch((e: unknown) => e);
      expect(String((missingTest as Error).message)).toContain('npm run models:build-test');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('rejects an unknown model id, listing the supported ones', async () => {
    const err = await loadEmbedder({ modelId: 'someone/unknown-model', modelsDir: config.models.dir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnsupportedModelError);
    expect((err as Error).message).toContain('BAAI/bge-base-en-v1.5');
  });

  it('follows config.models.active when no model id is given', async () => {
    const cfg = loadConfig({ env: { ...process.env, EMBEDDING_MODEL: TEST_MODEL_ID } });
    const e = await loadEmbedder({ config: cfg });
    expect(e.modelId).toBe(TEST_MODEL_ID);
    expect(e).toBe(embedder);
  });
});
