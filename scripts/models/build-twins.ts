/**
 * `npm run models:build-twins [-- --force]`: builds the test twins of BAAI/bge-base-en-v1.5 (tiny BERT) and
 * Alibaba-NLP/gte-Qwen2-1.5B-instruct (tiny Qwen2) into <models dir>/kit-twins/ (installs the Python
 * model packages into .venv first if needed). Skipped when the twins are current.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config';
import { ensureTwins, twinsDir } from './twins';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== '--force')) {
    console.error('Usage: npm run models:build-twins [-- --force]');
    process.exit(2);
  }
  const config = loadConfig();
  if (args.includes('--force')) rmSync(join(twinsDir(config), 'kit-twins.json'), { force: true });
  const dir = await ensureTwins(config, (l) => console.log(l));
  console.log(`twins ready in ${dir}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exit(1);
});
