/** bench:vectors case: embedding throughput of the dataset generator with the stand-in model (always present). */
import type { loadConfig } from '../../lib/config';
import { TEST_MODEL_ID, loadEmbedder } from '../../lib/embeddings';
import { generateVectorItems, percentile } from '../../lib/vectors';
import { ensureTestModel } from '../../scripts/models/test-model/build';
import type { BenchResult } from '../report';

export async function generatorThroughput(
  config: ReturnType<typeof loadConfig>,
  log: (s: string) => void,
): Promise<BenchResult> {
  await ensureTestModel(config);
  const embedder = await loadEmbedder({ config, modelId: TEST_MODEL_ID });
  const count = 3000;
  const runs = 3;
  await generateVectorItems(embedder, { count: 200, seed: 1 }); // warm-up
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await generateVectorItems(embedder, { count, seed: 100 + i });
    rates.push(count / ((performance.now() - started) / 1000));
  }
  const median = percentile(rates, 50);
  log(`generator throughput (${TEST_MODEL_ID}, batch 64): ${median.toFixed(0)} texts/s`);
  await embedder.dispose();
  return {
    case: `vectors:generate narratives with ${TEST_MODEL_ID} (stand-in), batch 64`,
    metric: 'texts_per_s',
    value: Math.round(median),
    unit: 'texts/s',
    runs,
    median_of: runs,
    texts_per_run: count,
  };
}
