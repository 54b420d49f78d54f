// `npm run setup`: installs what the kit needs on this machine (idempotent). See scripts/stack/stack.ts.
import { findProjectRoot, loadConfig } from '../lib/config';
import { ensureEnvFile } from './setup/env-file';
import { missingSetup, setup } from './stack/stack';

ensureEnvFile(findProjectRoot());
const config = loadConfig();
const t0 = Date.now();
try {
  await setup(config);
  const left = missingSetup(config);
  if (left.length > 0) throw new Error(`still missing after setup: ${left.join(', ')}`);
  console.log(`setup complete in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
} catch (e) {
  console.error(`setup failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
