import { describe, expect, it } from 'vitest';
import { formatInput, modelSpec } from '../../lib/embeddings';
import {
  InvalidFilterError,
  VectorStoreError,
  compileFilters,
  createTableSql,
  encodeVectorRows,
  exactTopK,
  percentile,
  perturbedDataset,
  recallAtK,
  vectorTableName,
  vectorTableSpec,
  ITEM_METADATA,
  type AnnDataset,
} from '../../lib/vectors';

describe('filters', () => {
  it('binds every value as a typed parameter', () => {
    const f = compileFilters(
      {
        category: 'toys',
        rating: { gte: 2, lt: 5 },
        region: ['EU', 'US'],
        created_at: new Date('2025-03-04T10:00:00Z'),
      },
      ITEM_METADATA,
    );
    expect(f.where).toBe(
      '`category` = {f0:String} AND `rating` >= {f1:UInt8} AND `rating` < {f2:UInt8} AND `region` IN {f3:Array(String)} AND `created_at` = {f4:Date}',
    );
    expect(f.params).toEqual({ f0: 'toys', f1: 2, f2: 5, f3: ['EU', 'US'], f4: '2025-03-04' });
  });

  it('keeps hostile values out of the SQL text', () => {
    const f = compileFilters({ category: "x' OR 1=1 --" }, ITEM_METADATA);
    expect(f.where).not.toContain('OR 1=1');
    expect(f.params.f0).toBe("x' OR 1=1 --");
  });

  it('rejects unknown columns, wrong value kinds, empty lists and unknown range operators', () => {
    expect(() => compileFilters({ colour: 'red' }, ITEM_METADATA)).toThrow(InvalidFilterError);
    expect(() => compileFilters({ rating: 'high' }, ITEM_METADATA)).toThrow(/needs a number/);
    expect(() => compileFilters({ category: 3 }, ITEM_METADATA)).toThrow(/needs a string/);
    expect(() => compileFilters({ region: [] }, ITEM_METADATA)).toThrow(/empty list/);
    expect(() => compileFilters({ rating: { above: 3 } as never }, ITEM_METADATA)).toThrow(/gt, gte, lt or lte/);
  });
});

describe('table spec', () => {
  it('names one table per model and dimension', () => {
    expect(vectorTableName('vector_items', 'BAAI/bge-base-en-v1.5', 768)).toBe(
      'vector_items_baai_bge_base_en_v1_5_768d',
    );
    expect(vectorTableName('vector_items', 'kit/glove-sif-100d', 100)).not.toBe(
      vectorTableName('vector_items', 'BAAI/bge-base-en-v1.5', 768),
    );
  });

  it('spells out every HNSW parameter and validates them', () => {
    const sql = createTableSql(
      vectorTableSpec({
        modelId: 'kit/glove-sif-100d',
        dimensions: 100,
        hnsw: { quantization: 'i8', m: 16, efConstruction: 64 },
      }),
    );
    expect(sql).toContain("vector_similarity('hnsw', 'cosineDistance', 100, 'i8', 16, 64) GRANULARITY 100000000");
    expect(() => vectorTableSpec({ modelId: 'm/x', dimensions: 0 })).toThrow(VectorStoreError);
    expect(() => vectorTableSpec({ modelId: 'm/x', dimensions: 8, hnsw: { m: 1 } })).toThrow(/HNSW m/);
    expect(() => vectorTableSpec({ modelId: 'm/x', dimensions: 8, hnsw: { quantization: 'f8' as never } })).toThrow(
      /quantization/,
    );
    expect(() => vectorTableSpec({ modelId: 'm/x', dimensions: 8, metadata: { embedding: 'String' } })).toThrow(
      /clashes/,
    );
  });
});

describe('benchmark maths', () => {
  it('computes recall@k and nearest-rank percentiles', () => {
    expect(recallAtK([['a', 'b', 'x']], [['a', 'b', 'c']], 3)).toBeCloseTo(2 / 3);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  });
});

describe('exact ground truth and perturbed data sets', () => {
  const d = 2;
  // Unit vectors at angles 0, 10, 20, ... 350 degrees, scaled by varying lengths (cosine ignores length).
  const angles = Array.from({ length: 36 }, (_, i) => i * 10);
  const data: AnnDataset = {
    ids: angles.map((a) => `a${a}`),
    words: angles.map((a) => `w${a}`),
    dims: d,
    vectors: new Float32Array(
      angles.flatMap((a, i) => [(1 + i) * Math.cos((a * Math.PI) / 180), (1 + i) * Math.sin((a * Math.PI) / 180)]),
    ),
    queries: [
      new Float32Array([Math.cos((92 * Math.PI) / 180), Math.sin((92 * Math.PI) / 180)]),
      new Float32Array([5 * Math.cos(Math.PI / 90), 5 * Math.sin(Math.PI / 90)]),
    ],
    queryWords: ['q92', 'q0'],
  };

  it('returns the k nearest rows by cosine, nearest first', () => {
    expect(exactTopK(data, data.queries, 3)).toEqual([
      ['a90', 'a100', 'a80'],
      ['a0', 'a10', 'a350'], // 2, 8 and 12 degrees away
    ]);
    expect(() => exactTopK({ ...data, dims: 3 }, data.queries, 3)).toThrow(VectorStoreError);
  });

  it('grows a set by seeded near copies: the same seed gives the same vectors, each copy near its source', () => {
    const grown = perturbedDataset(data, 100, { seed: 7, noise: 0.05 });
    expect(grown.ids).toHaveLength(100);
    expect(grown.ids[99]).toBe('0000099');
    expect(grown.words[36]).toBe('w0#1');
    expect(Array.from(grown.vectors.subarray(0, 72))).toEqual(Array.from(data.vectors));
    expect(perturbedDataset(data, 100, { seed: 7, noise: 0.05 }).vectors).toEqual(grown.vectors);
    expect(perturbedDataset(data, 100, { seed: 8, noise: 0.05 }).vectors).not.toEqual(grown.vectors);
    // Copy 1 of row 9 (90 degrees) is that row's nearest neighbour among the originals.
    const copy = grown.vectors.slice(45 * d, 46 * d);
    expect(exactTopK(data, [copy], 1)).toEqual([['a90']]);
    expect(() => perturbedDataset(data, 10)).toThrow(VectorStoreError);
  });
});

describe('RowBinary encoding of vector rows', () => {
  it('writes LEB128 lengths, UTF-8 strings and little-endian Float32 values', () => {
    const buf = encodeVectorRows([{ id: 'é', text: 'x'.repeat(130), embedding: [1.5, -2] }], 2);
    expect([...buf.subarray(0, 3)]).toEqual([2, 0xc3, 0xa9]); // "é" is two UTF-8 bytes
    expect([...buf.subarray(3, 5)]).toEqual([0x82, 0x01]); // 130 as LEB128
    const rest = buf.subarray(5 + 130);
    expect(rest[0]).toBe(2);
    expect(rest.readFloatLE(1)).toBe(1.5);
    expect(rest.readFloatLE(5)).toBe(-2);
    expect(rest.length).toBe(9);
  });
});

describe('query formats', () => {
  it('applies prefixes and instructions, leaving braces in the text alone', () => {
    expect(formatInput(modelSpec('BAAI/bge-base-en-v1.5').query, 'red {text} shoes')).toBe(
      'Represent this sentence for searching relevant passages: red {text} shoes',
    );
    expect(formatInput(modelSpec('Alibaba-NLP/gte-Qwen2-1.5B-instruct').query, 'red shoes', 'Find products')).toBe(
      'Instruct: Find products\nQuery: red shoes',
    );
    expect(formatInput(modelSpec('BAAI/bge-base-en-v1.5').document, 'plain')).toBe('plain');
  });
});
