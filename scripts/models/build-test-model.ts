/**
 * `npm run models:build-test [-- --vocab N] [-- --if-missing]`: builds the stand-in embedding model
 * kit/glove-sif-100d into config.models.dir. Offline and deterministic.
 */
import { loadConfig } from '../../lib/config';
import { buildTestModel, ensureTestModel } from './test-model/build';

function parseArgs(argv: string[]): { vocabSize?: number; ifMissing: boolean } {
  const out: { vocabSize?: number; ifMissing: boolean } = { ifMissing: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--if-missing') out.ifMissing = true;
    else if (a === '--vocab') out.vocabSize = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('Usage: npm run models:build-test [-- --vocab N] [-- --if-missing]');
      process.exit(0);
    } else {
      console.error(`Unknown argument "${a}". Usage: npm run models:build-test [-- --vocab N] [-- --if-missing]`);
      process.exit(2);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const started = Date.now();
  const options = { vocabSize: args.vocabSize, log: (line: string) => console.log(line) };
  const info = args.ifMissing ? await ensureTestModel(config, options) : await buildTestModel(config, options);
  const took = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `${info.modelId}: ${info.vocabSize} words x ${info.dims} dims, onnx ${(info.onnxBytes / 1e6).toFixed(1)} MB, ` +
      `sha256 ${info.onnxSha256.slice(0, 16)}… in ${info.dir} (${took}s)`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exit(1);
});
