import { findProjectRoot } from '../../lib/config';
import { ensureEnvFile } from '../../scripts/setup/env-file';

/** Runs once before all test files: makes sure `.env` exists (random secrets on a fresh clone). */
export default async function setup(): Promise<void> {
  ensureEnvFile(findProjectRoot());
}
