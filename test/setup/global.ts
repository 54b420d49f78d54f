import { findProjectRoot, loadConfig } from '../../lib/config';
import { ensureEnvFile } from '../../scripts/setup/env-file';
import { startS3Server, stopS3Server } from '../../scripts/stack/s3-server';
import { ensureSetup } from '../../scripts/stack/stack';

/**
 * Runs once before all test files: `.env` (random secrets on a fresh clone), whatever
 * `npm run setup` still has to install, and the real S3 server the integration tests share.
 * Stops the S3 server afterwards if this run started it.
 */
export default async function setup(): Promise<() => Promise<void>> {
  ensureEnvFile(findProjectRoot());
  const config = loadConfig();
  await ensureSetup(config);
  const s3 = await startS3Server(config);
  return async () => {
    if (!s3.reused) await stopS3Server(config);
  };
}
