/**
 * `npm run vectors:generate -- [--count N] [--seed S] [--model org/name] [--out file.jsonl] [--batch-size B]`
 *
 * Writes assets/data/vector_items.jsonl (id, text, metadata, embedding) from seeded dummy narratives,
 * embedded with the active model (EMBEDDING_MODEL) unless --model names another. Reproducible.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../../lib/config';
import { loadEmbedder } from '../../lib/embeddings';
import { progress } from '../../lib/notebook';
import { defaultVectorDatasetPath, generateVectorItems, writeVectorDataset } from '../../lib/vectors';

const USAGE =
  'Usage: npm run vectors:generate -- [--count N] [--seed S] [--model org/name] [--out file.jsonl] [--batch-size B]';

interface Args {
  count: number;
  seed: number;
  model?: string;
  out?: string;
  batchSize: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { count: 5000, seed: 42, batchSize: 64 };
  const int = (v: string | undefined, flag: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) fail(`${flag} needs a non-negative integer, got "${v ?? ''}".`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--count') args.count = int(argv[++i], a);
    else if (a === '--seed') args.seed = int(argv[++i], a);
    else if (a === '--batch-size') args.batchSize = Math.max(1, int(argv[++i], a));
    else if (a === '--model') args.model = argv[++i];
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`Unknown argument "${a}".`);
  }
  return args;
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const embedder = await loadEmbedder({ config, modelId: args.model });
  if (embedder.isStandIn)
    console.log(`Note: ${embedder.modelId} is the offline STAND-IN test model, not a real sentence-embedding model.`);
  const out = args.out ? resolve(args.out) : defaultVectorDatasetPath(config);
  const bar = progress(`embedding ${args.count} narratives with ${embedder.modelId}`, args.count);
  const started = performance.now();
  const items = await generateVectorItems(embedder, {
    count: args.count,
    seed: args.seed,
    batchSize: args.batchSize,
    onProgress: (done) => bar.update(done),
  });
  const seconds = (performance.now() - started) / 1000;
  bar.done(`${(items.length / seconds).toFixed(0)} texts/s`);
  await writeVectorDataset(out, items, {
    model: embedder.modelId,
    dimensions: embedder.dimensions,
    standInModel: embedder.isStandIn,
    seed: args.seed,
  });
  console.log(`Wrote ${items.length} items (${embedder.dimensions} dims, ${embedder.modelId}) to ${out}`);
  await embedder.dispose();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exit(1);
});
