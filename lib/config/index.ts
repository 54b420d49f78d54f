import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readDotenvFile } from './dotenv';
import { Secret } from './secret';

export { Secret, scrubSecrets, scrubCredentialsInText } from './secret';
export { parseDotenv, readDotenvFile } from './dotenv';

/** A setting that is missing or malformed. The message always names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export interface ClickHouseConnectionSettings {
  /** Server URL (Docker, remote, cloud, the local endpoint). Unset: the embedded engine in-process. */
  url: string | undefined;
  user: string;
  password: Secret;
  database: string;
  /** Embedded engine: data folder (absolute). */
  dataPath: string;
  /** Embedded engine: ClickHouse XML config file (absolute), if any. */
  configFile: string | undefined;
  /**
   * Cluster (a `remote_servers` name) the kit's tables span: DDL runs `ON CLUSTER`, tables are
   * ReplicatedMergeTree behind a Distributed table. Unset: single-node tables (also ClickHouse Cloud).
   */
  cluster: string | undefined;
  /** Local endpoint (the HTTP interface over the embedded engine). */
  httpHost: string;
  httpPort: number;
}

export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: Secret;
  forcePathStyle: boolean;
  /** Local Ceph RGW: port it listens on (taken from the endpoint). */
  port: number;
}

export interface ModelSettings {
  /** Active embedding model id, e.g. `BAAI/bge-base-en-v1.5`. */
  active: string;
  /** Folder holding `<org>/<name>/` model folders (absolute). */
  dir: string;
}

export interface JupyterSettings {
  host: string;
  port: number;
  token: Secret;
}

export interface KitConfig {
  /** Project root (absolute). */
  root: string;
  /** Where every service keeps its data and logs (absolute). */
  storageDir: string;
  clickhouse: ClickHouseConnectionSettings;
  s3: S3Settings;
  models: ModelSettings;
  jupyter: JupyterSettings;
}

export type Env = Readonly<Record<string, string | undefined>>;

const PACKAGE_NAME = 'clickhouse-notebook-kit';

/**
 * The project root: `KIT_ROOT`, else the nearest folder above `from` whose package.json is
 * this kit's, else `from`. Walking up (not `import.meta`) keeps this working inside the tslab
 * kernel, which compiles lib to CommonJS.
 */
export function findProjectRoot(from: string = process.cwd(), env: Env = process.env): string {
  if (env.KIT_ROOT) return resolve(env.KIT_ROOT);
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        /* not ours */
      }
    }
    const up = dirname(dir);
    if (up === dir) return resolve(from);
    dir = up;
  }
}

export interface LoadConfigOptions {
  /** Variables to read instead of `process.env` (tests). */
  env?: Env;
  /** Project root; default: {@link findProjectRoot}. */
  root?: string;
  /** Read `<root>/.env` under the environment (default true). */
  dotenv?: boolean;
}

/**
 * Reads and validates every setting once. The environment wins over `.env`; invalid values
 * throw {@link ConfigError} naming the variable. Secrets are {@link Secret}s, so printing the
 * result never shows them.
 */
export function loadConfig(options: LoadConfigOptions = {}): KitConfig {
  const baseEnv = options.env ?? process.env;
  const root = options.root ?? findProjectRoot(process.cwd(), baseEnv);
  const fileEnv = options.dotenv === false ? {} : readDotenvFile(join(root, '.env'));
  const env: Env = { ...fileEnv, ...definedOnly(baseEnv) };
  const r = new Reader(env, root);

  const storageDir = r.path('KIT_STORAGE_DIR', 'storage');
  const url = r.optionalUrl('CLICKHOUSE_URL', ['http:', 'https:']);
  const cluster = r.cluster('CLICKHOUSE_CLUSTER', url);
  const s3Endpoint = r.url('S3_ENDPOINT', 'http://127.0.0.1:7480', ['http:', 'https:']);

  return {
    root,
    storageDir,
    clickhouse: {
      url,
      user: r.name('CLICKHOUSE_USER', 'default'),
      password: new Secret(r.string('CLICKHOUSE_PASSWORD', '')),
      database: r.name('CLICKHOUSE_DATABASE', 'warehouse'),
      dataPath: r.path('CLICKHOUSE_DATA_PATH', join(storageDir, 'clickhouse')),
      configFile: r.optionalFile('CLICKHOUSE_CONFIG_FILE'),
      cluster,
      httpHost: r.host('CLICKHOUSE_HTTP_HOST', '127.0.0.1'),
      httpPort: r.port('CLICKHOUSE_HTTP_PORT', 8123),
    },
    s3: {
      endpoint: s3Endpoint.replace(/\/+$/, ''),
      region: r.string('S3_REGION', 'us-east-1'),
      bucket: r.bucket('S3_BUCKET', 'warehouse'),
      accessKeyId: r.string('S3_ACCESS_KEY_ID', ''),
      secretAccessKey: new Secret(r.string('S3_SECRET_ACCESS_KEY', '')),
      forcePathStyle: r.bool('S3_FORCE_PATH_STYLE', true),
      port: portOf(s3Endpoint),
    },
    models: {
      active: r.modelId('EMBEDDING_MODEL', 'BAAI/bge-base-en-v1.5'),
      dir: r.path('MODELS_DIR', join(root, 'assets', 'models')),
    },
    jupyter: {
      host: r.host('JUPYTER_HOST', '127.0.0.1'),
      port: r.port('JUPYTER_PORT', 8888),
      token: new Secret(r.string('JUPYTER_TOKEN', '')),
    },
  };
}

/**
 * Every variable {@link loadConfig} reads, with the text that reads back as the loaded value.
 * The reader accepts only these names, so a new setting cannot be read without saying how it
 * is passed on to a child process ({@link configEnvironment}).
 */
const CONFIG_VARIABLES = {
  KIT_ROOT: (c) => c.root,
  KIT_STORAGE_DIR: (c) => c.storageDir,
  CLICKHOUSE_URL: (c) => c.clickhouse.url ?? '',
  CLICKHOUSE_USER: (c) => c.clickhouse.user,
  CLICKHOUSE_PASSWORD: (c) => c.clickhouse.password.reveal(),
  CLICKHOUSE_DATABASE: (c) => c.clickhouse.database,
  CLICKHOUSE_DATA_PATH: (c) => c.clickhouse.dataPath,
  CLICKHOUSE_CONFIG_FILE: (c) => c.clickhouse.configFile ?? '',
  CLICKHOUSE_CLUSTER: (c) => c.clickhouse.cluster ?? '',
  CLICKHOUSE_HTTP_HOST: (c) => c.clickhouse.httpHost,
  CLICKHOUSE_HTTP_PORT: (c) => String(c.clickhouse.httpPort),
  S3_ENDPOINT: (c) => c.s3.endpoint,
  S3_REGION: (c) => c.s3.region,
  S3_BUCKET: (c) => c.s3.bucket,
  S3_ACCESS_KEY_ID: (c) => c.s3.accessKeyId,
  S3_SECRET_ACCESS_KEY: (c) => c.s3.secretAccessKey.reveal(),
  S3_FORCE_PATH_STYLE: (c) => String(c.s3.forcePathStyle),
  EMBEDDING_MODEL: (c) => c.models.active,
  MODELS_DIR: (c) => c.models.dir,
  JUPYTER_HOST: (c) => c.jupyter.host,
  JUPYTER_PORT: (c) => String(c.jupyter.port),
  JUPYTER_TOKEN: (c) => c.jupyter.token.reveal(),
} satisfies Record<string, (config: KitConfig) => string>;

/** A variable of the kit's settings. */
export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

/**
 * `config` as the environment a child process reads, so {@link loadConfig} there yields the same
 * settings (also ones a caller built with overrides, as tests do). Holds secrets: pass it only to
 * a child's `env`, never print it.
 */
export function configEnvironment(config: KitConfig): Record<ConfigVariable, string> {
  const env = {} as Record<ConfigVariable, string>;
  for (const [name, write] of Object.entries(CONFIG_VARIABLES) as [ConfigVariable, (c: KitConfig) => string][])
    env[name] = write(config);
  return env;
}

/** The settings' secrets as plain strings, for scrubbing texts that may have seen them. */
export function secretsOf(config: KitConfig): string[] {
  return [config.clickhouse.password, config.s3.secretAccessKey, config.jupyter.token]
    .map((s) => s.reveal())
    .filter((s) => s.length > 0);
}

function definedOnly(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function portOf(u: string): number {
  const url = new URL(u);
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

// Not zod/valibot, measured: zod 4.6.7 takes ~52 ms to import in every process (scripts, kernels, the endpoint child; valibot 1.5.0 ~7 ms),
// both accept http://user:pw@host as a URL and word errors without the variable (valibot gives three for PORT=abc), so
// the kit's own checks (root-relative paths, file existence, no URL credentials, the Cloud cluster refusal) would stay custom code.
class Reader {
  constructor(
    private readonly env: Env,
    private readonly root: string,
  ) {}

  private raw(name: ConfigVariable): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  string(name: ConfigVariable, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  name(name: ConfigVariable, fallback: string): string {
    const v = this.string(name, fallback);
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v)) {
      throw new ConfigError(
        name,
        `"${v}" is not a valid name: use letters, digits, "_", "." or "-", starting with a letter or "_".`,
      );
    }
    return v;
  }

  path(name: ConfigVariable, fallback: string): string {
    const v = this.string(name, fallback);
    return isAbsolute(v) ? v : resolve(this.root, v);
  }

  optionalFile(name: ConfigVariable): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const p = isAbsolute(v) ? v : resolve(this.root, v);
    if (!existsSync(p))
      throw new ConfigError(
        name,
        `file ${p} does not exist. Point it at a ClickHouse XML config file or leave it empty.`,
      );
    return p;
  }

  optionalUrl(name: ConfigVariable, protocols: string[]): string | undefined {
    const v = this.raw(name);
    return v === undefined ? undefined : this.checkUrl(name, v, protocols);
  }

  url(name: ConfigVariable, fallback: string, protocols: string[]): string {
    return this.checkUrl(name, this.string(name, fallback), protocols);
  }

  private checkUrl(name: ConfigVariable, v: string, protocols: string[]): string {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new ConfigError(name, `"${redactUrl(v)}" is not a URL. Expected something like http://127.0.0.1:8123.`);
    }
    if (!protocols.includes(u.protocol)) {
      throw new ConfigError(
        name,
        `protocol "${u.protocol}" is not supported; use ${protocols.map((p) => p.replace(':', '')).join(' or ')}.`,
      );
    }
    if (u.username || u.password) {
      throw new ConfigError(
        name,
        'must not carry credentials; put them in CLICKHOUSE_USER / CLICKHOUSE_PASSWORD (or the S3_* keys) instead.',
      );
    }
    return u.toString().replace(/\/$/, '');
  }

  host(name: ConfigVariable, fallback: string): string {
    const v = this.string(name, fallback);
    if (!/^[A-Za-z0-9.:[\]-]+$/.test(v)) throw new ConfigError(name, `"${v}" is not a host name or address.`);
    return v;
  }

  port(name: ConfigVariable, fallback: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(name, `"${v}" is not a TCP port (1-65535).`);
    return n;
  }

  bool(name: ConfigVariable, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    throw new ConfigError(name, `"${v}" is not a boolean; use true or false.`);
  }

  /** A cluster name of `remote_servers`; refused for ClickHouse Cloud, which replicates every table itself. */
  cluster(name: ConfigVariable, url: string | undefined): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) {
      throw new ConfigError(
        name,
        `"${v}" is not a cluster name: use letters, digits and "_" (the name of a <remote_servers> entry, e.g. kit).`,
      );
    }
    if (url !== undefined && /\.clickhouse\.cloud$/i.test(new URL(url).hostname)) {
      throw new ConfigError(
        name,
        'ClickHouse Cloud replicates and scales every table itself (SharedMergeTree): leave CLICKHOUSE_CLUSTER empty there.',
      );
    }
    return v;
  }

  bucket(name: ConfigVariable, fallback: string): string {
    const v = this.string(name, fallback);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v)) {
      throw new ConfigError(
        name,
        `"${v}" is not a valid S3 bucket name (3-63 lower-case letters, digits, "." and "-").`,
      );
    }
    return v;
  }

  modelId(name: ConfigVariable, fallback: string): string {
    const v = this.string(name, fallback);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(v) || v.includes('..')) {
      throw new ConfigError(name, `"${v}" is not a model id of the form org/name (e.g. BAAI/bge-base-en-v1.5).`);
    }
    return v;
  }
}

function redactUrl(v: string): string {
  return v.replace(/\/\/[^/@]*@/, '//[REDACTED]@');
}
