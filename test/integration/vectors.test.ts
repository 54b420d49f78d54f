import type { ClickHouseClient } from '@clickhouse/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WarehouseError,
  command,
  connect,
  insertJsonRows,
  queryOne,
  queryRows,
  quoteIdentifier,
} from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import { TEST_MODEL_ID, disposeEmbedders, loadEmbedder, type Embedder, readGloveVectors } from '../../lib/embeddings';
import {
  InvalidFilterError,
  VectorDimensionError,
  VectorStore,
  VectorStoreError,
  generateNarratives,
  generateVectorItems,
  toVectorRecords,
  vectorTableSpec,
  VECTOR_INDEX_GRANULARITY,
  benchTableSpec,
  exactTopK,
  gloveAnnDataset,
  loadAnnBase,
  runHnswGrid,
  type SearchHit,
  type VectorItem,
} from '../../lib/vectors';
import { ensureTestModel } from '../../scripts/models/test-model/build';

// Own data folder for the embedded engine (a server when CLICKHOUSE_URL is set): no clash with other processes.
const dataPath = mkdtempSync(join(tmpdir(), 'kit-vectors-'));
const config = loadConfig({ env: { ...process.env, CLICKHOUSE_DATA_PATH: dataPath } });
const suffix = `${process.pid}_${Date.now()}`;
let client: ClickHouseClient;
let embedder: Embedder;
let store: VectorStore;
let items: VectorItem[];

beforeAll(async () => {
  await ensureTestModel(config);
  embedder = await loadEmbedder({ config, modelId: TEST_MODEL_ID });
  client = connect({ config });
  store = await VectorStore.forEmbedder(client, embedder, { base: `test_vector_items_${suffix}` });
  items = await generateVectorItems(embedder, { count: 1500, seed: 7 });
  await store.insert(toVectorRecords(items), { batchSize: 500 });
});

afterAll(async () => {
  await store?.drop();
  await client?.close();
  await disposeEmbedders();
  rmSync(dataPath, { recursive: true, force: true });
});

const ids = (hits: SearchHit[]): string[] => hits.map((h) => h.id);

describe('vector table', () => {
  it('is named after the model and dimension and declares the column, CHECK and HNSW index explicitly', async () => {
    expect(store.table).toBe(`test_vector_items_${suffix}_kit_glove_sif_100d_100d`);
    const row = await queryOne<{ statement: string }>(client, `SHOW CREATE TABLE ${quoteIdentifier(store.table)}`);
    const ddl = row?.statement ?? '';
    expect(ddl).toMatch(/`embedding` Array\(Float32\) CODEC\(NONE\)/);
    expect(ddl).toMatch(/CONSTRAINT embedding_dimensions CHECK length\(embedding\) = 100/);
    expect(ddl).toMatch(
      /INDEX embedding_hnsw embedding TYPE vector_similarity\('hnsw', 'cosineDistance', 100, 'bf16', 32, 128\) GRANULARITY 100000000/,
    );
    // Small granules: a search reads the granules of its k hits (bench:vectors).
    expect(ddl).toMatch(new RegExp(`SETTINGS index_granularity = ${VECTOR_INDEX_GRANULARITY}\\b`));
  });

  it('rejects a wrong-dimension vector in the table itself, with an error naming the constraint', async () => {
    const err = await insertJsonRows(client, store.table, [{ id: 'bad', text: 'x', embedding: [0.1, 0.2, 0.3] }]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WarehouseError);
    expect((err as WarehouseError).type).toBe('VIOLATED_CONSTRAINT');
    expect((err as Error).message).toContain('embedding_dimensions');
    expect((err as Error).message).toContain('length(embedding) = 100');
    expect(await store.count({ id: 'bad' })).toBe(0);
  });

  it('rejects a wrong-dimension vector before sending it, saying which table and model it needs', async () => {
    const err = await store
      .insert([{ id: 'bad', text: 'x', embedding: new Array(99).fill(0.1) }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VectorDimensionError);
    expect((err as Error).message).toContain('99 dimensions');
    expect((err as Error).message).toContain(`100-dimensional vectors of ${TEST_MODEL_ID}`);
    await expect(store.search(new Array(768).fill(0.1), 5)).rejects.toThrow(VectorDimensionError);
  });

  it('refuses to reuse a table for another model or dimension', async () => {
    const other = vectorTableSpec({ table: store.table, modelId: 'BAAI/bge-base-en-v1.5', dimensions: 768 });
    await expect(VectorStore.open(client, other)).rejects.toThrow(
      /holds 100-dim cosineDistance vectors of kit\/glove-sif-100d/,
    );
  });
});

describe('semantic search', () => {
  it('finds stories about the query topic by text, with distances in ascending order', async () => {
    const result = await store.search('the new shoes gave me painful blisters on my feet', 10);
    expect(result.mode).toBe('index');
    expect(result.hits).toHaveLength(10);
    const footwear = result.hits.filter((h) => h.metadata.category === 'footwear').length;
    expect(footwear).toBeGreaterThanOrEqual(8);
    const d = result.hits.map((h) => h.distance);
    expect([...d].sort((a, b) => a - b)).toEqual(d);
  });

  it('agrees with exact brute-force search on the top 10', async () => {
    const queries = [
      'coffee machine leaking water',
      'warm winter coat for skiing',
      'kids birthday present toys',
      'battery of the headphones died',
    ];
    let overlap = 0;
    for (const q of queries) {
      const ann = await store.search(q, 10);
      const exact = await store.exactSearch(q, 10);
      expect(exact.mode).toBe('exact');
      const truth = new Set(ids(exact.hits));
      overlap += ids(ann.hits).filter((id) => truth.has(id)).length;
    }
    expect(overlap / (queries.length * 10)).toBeGreaterThanOrEqual(0.9);
  });

  it('returns only rows matching the filters, still k of them', async () => {
    const filters = { category: 'electronics', rating: { lte: 2 }, region: ['EU', 'UK'] };
    const expected = items.filter(
      (i) =>
        i.metadata.category === 'electronics' && i.metadata.rating <= 2 && ['EU', 'UK'].includes(i.metadata.region),
    ).length;
    expect(expected).toBeGreaterThan(5);
    const result = await store.search('battery stopped working', 5, filters);
    expect(result.hits).toHaveLength(5);
    for (const h of result.hits) {
      expect(h.metadata.category).toBe('electronics');
      expect(Number(h.metadata.rating)).toBeLessThanOrEqual(2);
      expect(['EU', 'UK']).toContain(h.metadata.region);
    }
    // The same answer as an exact search over the matching rows.
    const exact = await store.exactSearch('battery stopped working', 5, filters);
    expect(new Set(ids(result.hits))).toEqual(new Set(ids(exact.hits)));
  });

  it('falls back to exact search when post-filtering leaves fewer than k rows', async () => {
    const filters = { category: 'toys', region: 'LATAM', rating: 1 };
    const matching = items.filter(
      (i) => i.metadata.category === 'toys' && i.metadata.region === 'LATAM' && i.metadata.rating === 1,
    );
    expect(matching.length).toBeGreaterThanOrEqual(3);
    // Coffee-machine neighbours are kitchen stories: post-filtering them for LATAM toys leaves nothing.
    const result = await store.search('coffee machine leaking water', 3, filters);
    expect(result.mode).toBe('exact (filtered fallback)');
    expect(result.hits).toHaveLength(3);
    expect(
      result.hits.every(
        (h) => h.metadata.category === 'toys' && h.metadata.region === 'LATAM' && Number(h.metadata.rating) === 1,
      ),
    ).toBe(true);
  });

  it('rejects filters on unknown columns', async () => {
    await expect(store.search('anything at all', 5, { colour: 'red' })).rejects.toThrow(InvalidFilterError);
  });

  it('sends the query vector as a parameter, not as a literal', () => {
    const v = new Float32Array(100).fill(0.123456);
    const q = store.searchQuery(v, 10, { category: 'toys' }, {}, false);
    expect(q.sql).toContain('{query_vector:Array(Float32)}');
    expect(q.sql).not.toContain('0.123');
    expect((q.params.query_vector as number[]).length).toBe(100);
  });

  it('deletes, and finds re-inserted rows again', async () => {
    const target = (await store.search('the new shoes gave me painful blisters on my feet', 3)).hits.map((h) => h.id);
    expect(await store.delete(target)).toBe(3);
    expect(await store.count({ id: target })).toBe(0);
    const after = await store.search('the new shoes gave me painful blisters on my feet', 10);
    expect(ids(after.hits).some((id) => target.includes(id))).toBe(false);

    await store.insert(toVectorRecords(items.filter((i) => target.includes(i.id))));
    const again = await store.search('the new shoes gave me painful blisters on my feet', 3);
    expect(new Set(ids(again.hits))).toEqual(new Set(target));

    // upsert replaces a row's text and vector under the same id.
    const id = target[0] as string;
    const [vec] = await embedder.embed(['A board game for family game nights.']);
    await store.upsert([
      {
        id,
        text: 'A board game for family game nights.',
        embedding: vec as Float32Array,
        metadata: { category: 'toys', rating: 5 },
      },
    ]);
    expect(await store.count({ id })).toBe(1);
    const top = await store.search('board game for a family evening', 1, { id });
    expect(top.hits[0]?.text).toBe('A board game for family game nights.');
  });

  it('needs an embedder to search by text', async () => {
    const bare = await VectorStore.open(client, store.spec);
    await expect(bare.search('some text', 3)).rejects.toThrow(VectorStoreError);
    const v = await embedder.embedQuery('some text about shoes');
    expect((await bare.search(v, 3)).hits).toHaveLength(3);
  });
});

describe('bulk insert of records without metadata (RowBinary)', () => {
  it('stores ids, texts and every Float32 value exactly, and leaves metadata columns at their defaults', async () => {
    const spec = vectorTableSpec({
      table: `test_rowbinary_${suffix}`,
      modelId: 'test/rowbinary',
      dimensions: 3,
      metadata: { category: 'LowCardinality(String)' },
    });
    const t = await VectorStore.open(client, spec);
    try {
      const tiny = Math.fround(1e-30);
      const records = [
        { id: 'ä-1', text: 'naïve café 🚀', embedding: new Float32Array([0.1, -2.5, tiny]) },
        { id: 'x'.repeat(200), text: '', embedding: [3, 4, 5] },
      ];
      expect(await t.insert(records)).toBe(2);
      const rows = await queryRows<{ id: string; text: string; embedding: number[]; category: string }>(
        client,
        `SELECT id, text, embedding, category FROM ${quoteIdentifier(spec.table)} ORDER BY length(id)`,
      );
      expect(rows.map((r) => [r.id, r.text, r.category])).toEqual([
        ['ä-1', 'naïve café 🚀', ''],
        ['x'.repeat(200), '', ''],
      ]);
      // JSON prints a Float32 in its shortest form (0.1): back to Float32, every bit must match.
      expect(rows[0]!.embedding.map(Math.fround)).toEqual([Math.fround(0.1), -2.5, tiny]);
      expect(rows[1]!.embedding).toEqual([3, 4, 5]);
      // The table's CHECK still guards the length (the store checks first; the engine is the backstop).
      await expect(t.insert([{ id: 'bad', text: 'bad', embedding: [1, 2] }])).rejects.toBeInstanceOf(
        VectorDimensionError,
      );
    } finally {
      await t.drop();
    }
  });
});

describe('EXPLAIN on a table large enough for the index', () => {
  it('shows the HNSW index selecting a few granules for ANN search and not for exact search', async () => {
    const glove = readGloveVectors(config.root);
    const n = 60_000;
    const big = await VectorStore.open(
      client,
      vectorTableSpec({
        table: `test_glove_${suffix}`,
        modelId: 'glove/wink-sg-100d',
        dimensions: glove.dims,
        metadata: {},
      }),
    );
    try {
      const records = Array.from({ length: n }, (_, i) => ({
        id: String(i).padStart(6, '0'),
        text: glove.words[i] as string,
        embedding: glove.vectors.subarray(i * 100, (i + 1) * 100),
      }));
      await big.insert(records, { batchSize: n });
      const query = glove.vectors.subarray(n * 100, (n + 1) * 100);
      const ann = await big.explain(query, 10);
      expect(ann.usesVectorIndex, ann.text).toBe(true);
      expect(ann.granules?.total).toBeGreaterThan(5);
      expect(ann.granules?.selected).toBeLessThan(ann.granules?.total as number);
      // The hits' id/text are read with the granules, not by a second lazy read joined back on them.
      expect(ann.text).not.toContain('LazilyReadFromMergeTree');
      const exact = await big.explain(query, 10, undefined, { exact: true });
      expect(exact.usesVectorIndex, exact.text).toBe(false);
      const hits = await big.search(query, 10);
      expect(hits.hits).toHaveLength(10);
      // What the search read (the kit's query log): at most the k hits' granules, not the table.
      await command(client, 'SYSTEM FLUSH LOGS');
      const logged = await queryOne<{ read_rows: string }>(
        client,
        `SELECT toString(read_rows) AS read_rows FROM system.query_log
         WHERE type = 'QueryFinish' AND log_comment = 'kit:vectors:search' AND query LIKE {t:String}
         ORDER BY event_time_microseconds DESC LIMIT 1`,
        { t: `%${big.table}%` },
      );
      const readRows = Number(logged?.read_rows);
      expect(readRows).toBeGreaterThan(0);
      expect(readRows).toBeLessThanOrEqual(10 * VECTOR_INDEX_GRANULARITY);
    } finally {
      await big.drop();
    }
  });
});

describe('HNSW grid of the benchmarks', () => {
  it('measures recall against the exact truth, drops each indexed copy unless asked to keep it', async () => {
    const data = gloveAnnDataset(readGloveVectors(config.root), 4000, 20);
    const truth = exactTopK(data, data.queries, 10);
    const prefix = `test_grid_${suffix}`;
    const base = await loadAnnBase(client, benchTableSpec(prefix, data.dims), data);
    const tables = async (): Promise<string[]> =>
      (
        await queryRows<{ name: string }>(
          client,
          'SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, {p:String}) ORDER BY name',
          { p: prefix },
        )
      ).map((r) => r.name);
    const builds = [
      { quantization: 'bf16', m: 16, efConstruction: 64 },
      { quantization: 'f32', m: 8, efConstruction: 32 },
    ] as const;
    try {
      const cases = await runHnswGrid(client, base, data.queries, truth, {
        builds,
        efSearch: [8, 128],
        k: 10,
        prefix,
        keep: (own) => own[0]?.build.quantization === 'bf16',
      });
      expect(cases.map((c) => `${c.label} ef=${c.efSearch}`)).toEqual([
        'bf16 M=16 efC=64 ef=8',
        'bf16 M=16 efC=64 ef=128',
        'f32 M=8 efC=32 ef=8',
        'f32 M=8 efC=32 ef=128',
      ]);
      // A wider search finds more of the true neighbours; at 4,000 rows ef=128 finds nearly all.
      expect(cases[1]!.recall).toBeGreaterThan(0.9);
      expect(cases[1]!.recall).toBeGreaterThanOrEqual(cases[0]!.recall);
      const kept = cases[0]!.table;
      expect(await tables()).toEqual([base.table, kept].sort());
      const again = await VectorStore.open(
        client,
        benchTableSpec(prefix, data.dims, { ...builds[0], granularity: 100_000_000 }),
      );
      expect(again.table).toBe(kept);
      expect((await again.search(data.queries[0]!, 10, undefined, { efSearch: 128 })).hits).toHaveLength(10);
      await again.drop();
    } finally {
      await base.drop();
    }
    expect(await tables()).toEqual([]);
  });
});

describe('narratives', () => {
  it('are reproducible from their seed', () => {
    expect(generateNarratives(20, 3)).toEqual(generateNarratives(20, 3));
    expect(generateNarratives(20, 3)).not.toEqual(generateNarratives(20, 4));
  });
});
