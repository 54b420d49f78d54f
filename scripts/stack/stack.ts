/**
 * The local stack as one thing: setup (system parts), start, stop and status of the ClickHouse
 * endpoint, the S3 server and JupyterLab. `npm run setup`, `npm start`, `npm stop`, the notebook
 * runner and the test run all go through here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KitConfig } from '../../lib/config';
import { ensureEnvFile } from '../setup/env-file';
import { endpointStatus, startEndpointProcess, stopEndpointProcess, type EndpointStatus } from './endpoint';
import {
  installJupyter,
  isJupyterInstalled,
  jupyterStatus,
  jupyterUrl,
  startJupyter,
  stopJupyter,
  type JupyterStatus,
} from './jupyter';
import { CHROMIUM_PATH, installBrowser } from './browser';
import { installS3ServerPackages, s3ServerStatus, startS3Server, stopS3Server, type S3ServerStatus } from './s3-server';
import { missingCephPrograms } from './s3/packages';
import { ensureTestModel, isTestModelBuilt } from '../models/test-model/build';
import { ensureModelPython, isModelPythonInstalled } from '../models/python-env';
import { areTwinsBuilt, ensureTwins } from '../models/twins';

export type Log = (line: string) => void;

/** What `npm run setup` still has to do (empty when everything is in place). */
export function missingSetup(config: KitConfig): string[] {
  const missing: string[] = [];
  if (!existsSync(join(config.root, '.env'))) missing.push('.env');
  if (missingCephPrograms().length > 0) missing.push('ceph (S3 server)');
  if (!isJupyterInstalled(config)) missing.push('jupyter venv + tslab kernel');
  if (!existsSync(CHROMIUM_PATH)) missing.push('chromium (browser tests)');
  if (!isTestModelBuilt(config)) missing.push('test embedding model');
  if (!isModelPythonInstalled(config))
    missing.push('Python model packages (torch, transformers, sentence-transformers, onnx)');
  if (!areTwinsBuilt(config)) missing.push('test twins of the real embedding models');
  return missing;
}

/**
 * Installs what the kit needs on this machine; idempotent, quick when done already:
 * `.env` with fresh secrets, Debian packages (Ceph RGW, Chromium), the Jupyter venv with the
 * project-local tslab kernel, the offline stand-in embedding model, the Python model packages and the
 * test twins of the real embedding models (tiny BERT and Qwen2, for the parity tests).
 */
export async function setup(config: KitConfig, log: Log = console.log): Promise<void> {
  const env = ensureEnvFile(config.root);
  if (env.created) log(`created .env with fresh secrets (${env.generated.join(', ')})`);
  const step = async (label: string, run: () => Promise<unknown>): Promise<void> => {
    const t0 = Date.now();
    log(`- ${label} ...`);
    await run();
    log(`  ${label}: ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  };
  await step('Debian packages for the S3 server (Ceph RGW)', () => installS3ServerPackages({ log }));
  await step('Chromium for browser tests', () => installBrowser(config));
  await step('JupyterLab venv and the tslab kernel', () => installJupyter(config));
  await step('offline stand-in embedding model', () => ensureTestModel(config, { log }));
  await step('Python model packages (torch CPU, transformers, sentence-transformers, onnx)', () =>
    ensureModelPython(config),
  );
  await step('test twins of the real embedding models', () => ensureTwins(config, log));
}

export async function ensureSetup(config: KitConfig, log: Log = console.log): Promise<void> {
  const missing = missingSetup(config);
  if (missing.length === 0) return;
  log(`Setting up what is missing: ${missing.join(', ')} (npm run setup)`);
  await setup(config, log);
}

export interface StackInfo {
  clickhouseUrl: string;
  s3Endpoint: string;
  jupyterUrl: string | undefined;
  /** Services this call started (the others were running already). */
  started: Array<'clickhouse' | 's3' | 'jupyter'>;
}

export interface StartStackOptions {
  log?: Log;
  /** Start JupyterLab too (default true). */
  jupyter?: boolean;
}

const LOCAL_URL = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/;

/**
 * For a script that opens the warehouse itself (bench, bootstrap, validate): starts the local S3 server when S3_ENDPOINT
 * is a local one, the way `npm run notebooks` does, so the order of npm commands does not matter. Returns a function
 * that stops what this call started (nothing when it was already running or is a remote one).
 */
export async function startWarehouseNeeds(
  config: KitConfig,
  log: Log = (line) => console.error(`s3: ${line}`),
): Promise<() => Promise<void>> {
  if (!LOCAL_URL.test(config.s3.endpoint)) return () => Promise.resolve();
  const s3 = await startS3Server(config, { log });
  return s3.reused ? () => Promise.resolve() : () => stopStack(config, ['s3'], log);
}

/** Starts (or re-uses) S3, the ClickHouse endpoint and JupyterLab, waiting for each to be healthy. */
export async function startStack(config: KitConfig, options: StartStackOptions = {}): Promise<StackInfo> {
  const log = options.log ?? console.log;
  const started: StackInfo['started'] = [];
  const s3 = await startS3Server(config, { log });
  if (!s3.reused) started.push('s3');
  const ch = await startEndpointProcess(config, { log });
  if (!ch.reused) started.push('clickhouse');
  let jupyter: string | undefined;
  if (options.jupyter !== false) {
    // Kernels reach the warehouse through the endpoint, like any other client.
    const j = await startJupyter(config, { CLICKHOUSE_URL: config.clickhouse.url ?? ch.url });
    if (!j.reused) started.push('jupyter');
    jupyter = jupyterUrl(config);
  }
  return { clickhouseUrl: ch.url, s3Endpoint: s3.endpoint, jupyterUrl: jupyter, started };
}

/** Stops the given services (default all), JupyterLab first so kernels close their connections. */
export async function stopStack(
  config: KitConfig,
  which: ReadonlyArray<'clickhouse' | 's3' | 'jupyter'> = ['jupyter', 'clickhouse', 's3'],
  log: Log = console.log,
): Promise<void> {
  if (which.includes('jupyter')) {
    const r = await stopJupyter(config);
    if (r.stopped) log('stopped JupyterLab');
  }
  if (which.includes('clickhouse')) {
    const r = await stopEndpointProcess(config);
    if (r.stopped) log('stopped the ClickHouse endpoint');
  }
  if (which.includes('s3')) {
    const r = await stopS3Server(config);
    if (r.stopped.length > 0) log('stopped the S3 server');
  }
}

export interface StackStatus {
  clickhouse: EndpointStatus;
  s3: S3ServerStatus;
  jupyter: JupyterStatus;
}

export async function stackStatus(config: KitConfig): Promise<StackStatus> {
  const [clickhouse, s3, jupyter] = await Promise.all([
    endpointStatus(config),
    s3ServerStatus(config),
    jupyterStatus(config),
  ]);
  return { clickhouse, s3, jupyter };
}
