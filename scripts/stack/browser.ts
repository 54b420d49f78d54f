import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KitConfig } from '../../lib/config';
import { progress } from '../../lib/notebook';
import { runCommand } from './jupyter-process';

/** Debian's chromium; playwright-core drives it (`npx playwright install` cannot download here). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a headless, offline, throw-away chromium (see FACTS.md). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class BrowserInstallError extends Error {
  override readonly name = 'BrowserInstallError';
}

/**
 * Installs Debian's `chromium` with apt-get when it is missing (needs root; about a minute).
 * apt output goes to `<storageDir>/logs/browser-install.log`. Returns whether it installed.
 */
export async function installBrowser(config: KitConfig): Promise<{ installed: boolean; path: string }> {
  if (existsSync(CHROMIUM_PATH)) return { installed: false, path: CHROMIUM_PATH };
  if (process.getuid?.() !== 0) {
    throw new BrowserInstallError(
      `chromium is not installed (${CHROMIUM_PATH}); run \`sudo apt-get update && sudo apt-get install -y chromium\`.`,
    );
  }
  const logDir = join(config.storageDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'browser-install.log');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const steps = progress('browser: apt-get install chromium', 2);
  try {
    await runCommand('apt-get', ['update'], { env, logFile });
    steps.update(1, 'installing');
    await runCommand('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, logFile });
  } catch (err) {
    steps.fail();
    throw new BrowserInstallError(`apt-get could not install chromium (log: ${logFile}): ${(err as Error).message}`);
  }
  steps.done();
  if (!existsSync(CHROMIUM_PATH))
    throw new BrowserInstallError(`apt-get finished but ${CHROMIUM_PATH} is missing; see ${logFile}.`);
  return { installed: true, path: CHROMIUM_PATH };
}
