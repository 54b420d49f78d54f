import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { KitConfig } from '../config';
import type { Embedder } from '../embeddings';
import { VectorStoreError } from './errors';
import { generateNarratives, type Narrative, type NarrativeMetadata } from './narratives';
import type { VectorRecord } from './store';

/** One line of `vector_items.jsonl`. */
export interface VectorItem {
  id: string;
  text: string;
  metadata: NarrativeMetadata;
  embedding: number[];
}

/** The sidecar `vector_items.meta.json`: what produced the file. */
export interface VectorDatasetInfo {
  model: string;
  dimensions: number;
  standInModel: boolean;
  count: number;
  seed: number;
  generator: 'lib/vectors/dataset';
  generatorVersion: number;
}

export interface GenerateOptions {
  count: number;
  seed?: number;
  /** Texts per model call (default 64). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

const GENERATOR_VERSION = 1;

/** Default output: `<root>/assets/data/vector_items.jsonl`. */
export function defaultVectorDatasetPath(config: Pick<KitConfig, 'root'>): string {
  return join(config.root, 'assets', 'data', 'vector_items.jsonl');
}

export function datasetInfoPath(jsonlPath: string): string {
  return jsonlPath.replace(/\.jsonl$/, '') + '.meta.json';
}

/**
 * Reproducible narratives embedded with the given model: same seed and model, same file. Vectors
 * are stored with 7 significant digits (what a float32 holds).
 */
export async function generateVectorItems(embedder: Embedder, options: GenerateOptions): Promise<VectorItem[]> {
  const narratives: Narrative[] = generateNarratives(options.count, options.seed ?? 42);
  const vectors = await embedder.embed(
    narratives.map((n) => n.text),
    { kind: 'document', batchSize: options.batchSize ?? 64, onProgress: options.onProgress },
  );
  return narratives.map((n, i) => ({
    ...n,
    embedding: Array.from(vectors[i] as Float32Array, (x) => Number(x.toPrecision(7))),
  }));
}

/** Writes items (one JSON object per line) and the sidecar info file, each atomically. */
export async function writeVectorDataset(
  path: string,
  items: readonly VectorItem[],
  info: Omit<VectorDatasetInfo, 'count' | 'generator' | 'generatorVersion'>,
): Promise<VectorDatasetInfo> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    const chunk = 1000;
    for (let i = 0; i < items.length; i += chunk) {
      await fh.write(
        items
          .slice(i, i + chunk)
          .map((it) => `${JSON.stringify(it)}\n`)
          .join(''),
      );
    }
  } finally {
    await fh.close();
  }
  renameSync(tmp, path);
  const full: VectorDatasetInfo = {
    ...info,
    count: items.length,
    generator: 'lib/vectors/dataset',
    generatorVersion: GENERATOR_VERSION,
  };
  writeFileSync(datasetInfoPath(path), `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

export function readVectorDatasetInfo(path: string): VectorDatasetInfo | undefined {
  const file = datasetInfoPath(path);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as VectorDatasetInfo) : undefined;
}

/** Reads a `vector_items.jsonl`, checking every line's shape and vector length. */
export async function readVectorDataset(
  path: string,
): Promise<{ info: VectorDatasetInfo | undefined; items: VectorItem[] }> {
  if (!existsSync(path))
    throw new VectorStoreError(`${path} does not exist. Generate it with \`npm run vectors:generate\`.`);
  const info = readVectorDatasetInfo(path);
  const items: VectorItem[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let item: VectorItem;
    try {
      item = JSON.parse(line) as VectorItem;
    } catch {
      throw new VectorStoreError(`${path}:${n} is not valid JSON.`);
    }
    if (
      typeof item.id !== 'string' ||
      typeof item.text !== 'string' ||
      !Array.isArray(item.embedding) ||
      typeof item.metadata !== 'object'
    ) {
      throw new VectorStoreError(`${path}:${n} lacks id, text, metadata or embedding.`);
    }
    if (info && item.embedding.length !== info.dimensions) {
      throw new VectorStoreError(
        `${path}:${n} has a ${item.embedding.length}-dim vector; the file's info says ${info.dimensions} (${info.model}).`,
      );
    }
    items.push(item);
  }
  return { info, items };
}

/** Items as store records. */
export function toVectorRecords(items: readonly VectorItem[]): VectorRecord[] {
  return items.map((it) => ({ id: it.id, text: it.text, embedding: it.embedding, metadata: { ...it.metadata } }));
}
