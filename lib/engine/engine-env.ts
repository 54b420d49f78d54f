import { ConfigError, type KitConfig } from '../config';

/** Key prefix, inside the kit's bucket, of the objects the `s3` disk writes. */
export const S3_DISK_PREFIX = 'clickhouse/disks/s3/';

/** URL of the kit's bucket with a trailing slash, in the addressing style the settings ask for. */
export function bucketUrl(config: KitConfig): string {
  const { endpoint, bucket, forcePathStyle } = config.s3;
  if (forcePathStyle) return `${endpoint}/${bucket}/`;
  const url = new URL(endpoint);
  return `${url.protocol}//${bucket}.${url.host}${url.pathname.replace(/\/+$/, '')}/`;
}

/**
 * The environment variables compose/config/config.d/*.xml read with `from_env`, derived from the kit's
 * settings (the embedded engine loads compose/config/config.xml: defaultEngineConfig in options.ts).
 * The engine's process must have them before the engine starts (the first chDB Session on a data
 * folder reads the config once); the Docker server gets the same names from compose/docker-compose.yml. Secrets travel only this way, never through a file.
 *
 * | variable             | used by                         | example                                               |
 * |----------------------|---------------------------------|-------------------------------------------------------|
 * | KIT_S3_ENDPOINT      | (informational)                 | http://127.0.0.1:7480                                 |
 * | KIT_S3_BUCKET_URL    | named collection `lake` url     | http://127.0.0.1:7480/warehouse/                      |
 * | KIT_S3_DISK_URL      | disk `s3` endpoint              | http://127.0.0.1:7480/warehouse/clickhouse/disks/s3/  |
 * | S3_REGION            | disk `s3` region                | us-east-1                                             |
 * | S3_ACCESS_KEY_ID     | disk `s3`, collection `lake`    | (from .env)                                           |
 * | S3_SECRET_ACCESS_KEY | disk `s3`, collection `lake`    | (from .env, secret)                                   |
 *
 * Every variable is always set (empty when S3 is not configured): a missing one would leave its XML
 * element empty without saying why. Throws {@link ConfigError} for a value ClickHouse cannot read.
 */
export function engineEnvironment(config: KitConfig): Record<string, string> {
  const s3 = config.s3;
  const base = bucketUrl(config);
  const env: Record<string, string> = {
    KIT_S3_ENDPOINT: s3.endpoint,
    KIT_S3_BUCKET_URL: base,
    KIT_S3_DISK_URL: `${base}${S3_DISK_PREFIX}`,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey.reveal(),
  };
  for (const [name, value] of Object.entries(env)) checkXmlSafe(name, value);
  return env;
}

/** ClickHouse parses a `from_env` value as XML text: `<` and `&` would break the whole config. */
function checkXmlSafe(name: string, value: string): void {
  if (!/[<&]/.test(value)) return;
  const source = name.startsWith('KIT_S3_') ? 'S3_ENDPOINT / S3_BUCKET' : name;
  throw new ConfigError(
    source,
    'contains "<" or "&", which the ClickHouse config cannot take from the environment. Choose a value without them.',
  );
}
