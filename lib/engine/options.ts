/** @file How the kit opens its embedded engine from its configuration: one definition for connect() and the local endpoint. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { secretsOf, type KitConfig } from '../config';
import { engineEnvironment } from './engine-env';
import type { EngineOptions } from './types';

/**
 * How the embedded engine of this kit is opened (data folder, config file, the environment its
 * config reads, secrets to scrub): the one definition shared by connect() and the local endpoint.
 */
export function engineOptionsFor(config: KitConfig, database: string = config.clickhouse.database): EngineOptions {
  return {
    dataPath: config.clickhouse.dataPath,
    configFile: config.clickhouse.configFile ?? defaultEngineConfig(config),
    database,
    environment: engineEnvironment(config),
    secrets: secretsOf(config),
    // INSERT data in formats read by seeking (Parquet...) is spooled here: on disk, with the data.
    spoolDir: join(config.storageDir, 'tmp'),
    s3Endpoint: config.s3.endpoint,
  };
}

/**
 * The engine config shared with the Docker stack, when present: compose/config/config.xml is the
 * entry file whose config.d/ (storage policies, S3 disk, named collection `lake`) both stacks load.
 */
export function defaultEngineConfig(config: KitConfig): string | undefined {
  const file = join(config.root, 'compose', 'config', 'config.xml');
  return existsSync(file) ? file : undefined;
}
