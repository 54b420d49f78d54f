/**
 * The kit's embedder (transformers.js: its pooling, padding side, normalisation and query/document formats)
 * against sentence-transformers (Python, the same weights, the pooling and prompts the real repository
 * configures), on the tiny twins of both real models: a BERT (BAAI/bge-base-en-v1.5's path) and a Qwen2
 * (Alibaba-NLP/gte-Qwen2-1.5B-instruct's path).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import {
  cosineSimilarity,
  disposeEmbedders,
  loadEmbedder,
  modelDirOf,
  type EmbeddingModelSpec,
} from '../../lib/embeddings';
import { referenceEmbeddings, type ReferenceResult } from '../../scripts/models/reference';
import { ensureTwins, twinSpecFor } from '../../scripts/models/twins';

const config = loadConfig();
const PARITY = 0.9999;

const TEXTS = [
  'Short text.',
  'ClickHouse stores columns, compresses them and reads only what a query needs, so a wide table scans fast.',
  'What is the capital of France?',
  'Cats sleep most of the day.',
  'Left padding keeps the last token of every row real for last-token pooling, even in a batch of mixed lengths.',
];

/** What each model's card says queries and documents look like. */
const CARDS = {
  'BAAI/bge-base-en-v1.5': {
    queryPrompt: 'Represent this sentence for searching relevant passages: ',
    promptName: undefined,
  },
  'Alibaba-NLP/gte-Qwen2-1.5B-instruct': {
    queryPrompt: 'Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: ',
    promptName: 'query',
  },
} as const;

type ModelId = keyof typeof CARDS;

let twins: string;
/** Reference results per model (the last describe reuses the Qwen2 one: Python start-up costs ~20 s a call). */
const refs = new Map<ModelId, ReferenceResult>();
beforeAll(async () => {
  twins = await ensureTwins(config);
}, 600_000);

afterAll(async () => {
  await disposeEmbedders();
});

function minCosine(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  expect(a.length).toBe(b.length);
  return Math.min(...a.map((v, i) => cosineSimilarity(v, b[i] as ArrayLike<number>)));
}

describe.each(Object.keys(CARDS) as ModelId[])('%s twin: kit embedder vs sentence-transformers', (modelId) => {
  const card = CARDS[modelId];
  let spec: EmbeddingModelSpec;
  let ref: ReferenceResult;

  beforeAll(async () => {
    spec = twinSpecFor(config, modelId);
    const queryRequest = card.promptName ? { promptName: card.promptName } : { prompt: card.queryPrompt };
    ref = await referenceEmbeddings(config, modelDirOf(twins, modelId), [
      { texts: TEXTS, batchSize: TEXTS.length },
      { texts: TEXTS, batchSize: TEXTS.length, ...queryRequest },
      { texts: TEXTS, batchSize: 1 },
    ]);
    refs.set(modelId, ref);
  }, 120_000);

  it('the reference uses the pooling the real repository configures', () => {
    expect(ref.pooling).toBe(spec.pooling === 'cls' ? 'cls' : 'lasttoken');
    expect(spec.normalize).toBe(true);
  });

  it('documents: a mixed-length batch and each text alone match the reference (cosine >= 0.9999)', async () => {
    const kit = await loadEmbedder({ spec, modelsDir: twins });
    const batch = await kit.embed(TEXTS, { batchSize: TEXTS.length });
    expect(minCosine(batch, ref.vectors[0] as number[][])).toBeGreaterThanOrEqual(PARITY);
    const alone = await kit.embed(TEXTS, { batchSize: 1 });
    expect(minCosine(alone, ref.vectors[2] as number[][])).toBeGreaterThanOrEqual(PARITY);
    // normalised: unit length
    for (const v of batch) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    // The twin is sensitive to its input (else parity would prove nothing): different texts, distant vectors.
    for (let i = 1; i < batch.length; i++)
      expect(cosineSimilarity(batch[0] as Float32Array, batch[i] as Float32Array)).toBeLessThan(0.95);
  });

  it('a text alone equals the same text inside a padded batch', async () => {
    const kit = await loadEmbedder({ spec, modelsDir: twins });
    const batch = await kit.embed(TEXTS, { batchSize: TEXTS.length });
    for (let i = 0; i < TEXTS.length; i++) {
      const alone = await kit.embedOne(TEXTS[i] as string);
      expect(cosineSimilarity(alone, batch[i] as Float32Array), TEXTS[i]).toBeGreaterThanOrEqual(0.99999);
    }
  });

  it('queries get the prefix or instruction exactly as the card says, documents do not', async () => {
    const kit = await loadEmbedder({ spec, modelsDir: twins });
    const q = 'how do I compress a column?';
    expect(kit.format(q, 'query')).toBe(card.queryPrompt + q);
    expect(kit.format(q, 'document')).toBe(q);
    if (card.promptName) expect(ref.prompts[card.promptName]).toBe(card.queryPrompt);
    const queries = await kit.embed(TEXTS, { kind: 'query', batchSize: TEXTS.length });
    expect(minCosine(queries, ref.vectors[1] as number[][])).toBeGreaterThanOrEqual(PARITY);
    const docs = await kit.embed(TEXTS, { batchSize: TEXTS.length });
    // The prefix changes the vector: a query is not embedded as a document.
    expect(Math.max(...queries.map((v, i) => cosineSimilarity(v, docs[i] as Float32Array)))).toBeLessThan(PARITY);
    expect(
      cosineSimilarity(await kit.embedQuery(TEXTS[1] as string), queries[1] as Float32Array),
    ).toBeGreaterThanOrEqual(0.99999);
  });

  it('the check has teeth: a wrong pooling or padding side falls below the parity bar', async () => {
    const wrong: EmbeddingModelSpec =
      spec.pooling === 'cls' ? { ...spec, pooling: 'mean' } : { ...spec, paddingSide: 'right' };
    const kit = await loadEmbedder({ spec: wrong, modelsDir: twins });
    try {
      const batch = await kit.embed(TEXTS, { batchSize: TEXTS.length });
      expect(minCosine(batch, ref.vectors[0] as number[][])).toBeLessThan(PARITY);
    } finally {
      await kit.dispose();
    }
  });
});

describe('gte-Qwen2 tokenizer whose tokenizer.json does not append <|endoftext|> itself', () => {
  let dir: string;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the embedder still pools the <|endoftext|> that tokenizer_config.json asks for (add_eos_token)', async () => {
    const modelId = 'Alibaba-NLP/gte-Qwen2-1.5B-instruct';
    dir = mkdtempSync(join(tmpdir(), 'kit-twin-noeos-'));
    const copy = modelDirOf(dir, modelId);
    cpSync(modelDirOf(twins, modelId), copy, { recursive: true });
    const tokFile = join(copy, 'tokenizer.json');
    const tok = JSON.parse(readFileSync(tokFile, 'utf8')) as Record<string, unknown>;
    // What Qwen2's own tokenizer.json has: a byte-level post-processor that adds no token.
    tok.post_processor = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
    writeFileSync(tokFile, JSON.stringify(tok));
    const spec = twinSpecFor(config, modelId);
    const ref =
      refs.get(modelId) ??
      (await referenceEmbeddings(config, modelDirOf(twins, modelId), [{ texts: TEXTS, batchSize: TEXTS.length }]));
    const added = (tok.added_tokens as Array<{ id: number; content: string }>).find(
      (t) => t.content === '<|endoftext|>',
    );
    // The reference ends every text with <|endoftext|>, whose hidden state last-token pooling reads.
    expect(ref.tokenIds[0]?.every((ids) => ids.at(-1) === added?.id)).toBe(true);
    const kit = await loadEmbedder({ spec, modelsDir: dir });
    const batch = await kit.embed(TEXTS, { batchSize: TEXTS.length });
    expect(minCosine(batch, ref.vectors[0] as number[][])).toBeGreaterThanOrEqual(PARITY);
    await kit.dispose();
  }, 120_000);
});
