import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { loadConfig, secretsOf, type KitConfig } from '../config';
import { EmbeddedConnection, EmbeddedEngine, engineOptionsFor, readDataFolderOwner } from '../engine';
import { KitHttpConnection } from './http-connection';

export type ConnectionMode = 'embedded' | 'local-endpoint' | 'server';

export interface ConnectionInfo {
  mode: ConnectionMode;
  /** Server URL (local endpoint or server modes). */
  url: string | undefined;
  /** Data folder (embedded mode). */
  dataPath: string | undefined;
  database: string;
  user: string;
  /** CLICKHOUSE_CLUSTER: the cluster the kit's DDL spans, if any. */
  cluster: string | undefined;
}

export interface ConnectOptions {
  config?: KitConfig;
  /** Database the client works in (default: CLICKHOUSE_DATABASE). */
  database?: string;
  /** Settings sent with every query of this client. */
  clickhouse_settings?: ClickHouseSettings;
  /** Force a mode: `embedded` never uses a running local endpoint. */
  mode?: 'auto' | 'embedded';
  request_timeout?: number;
  /** The client's own logging (default OFF: the kit raises typed errors instead of printing them). */
  logLevel?: ClickHouseLogLevel;
  /**
   * HTTP transport to the kit's local endpoint: `kit` (default) skips the official transport's
   * timer tick before each request (lib/clickhouse/http-connection.ts); `official` uses
   * @clickhouse/client's own. Other servers always get the official one.
   */
  transport?: 'kit' | 'official';
}

/** Settings every kit client sends: 64-bit integers as strings so they never lose precision. */
export const KIT_CLIENT_SETTINGS: ClickHouseSettings = { output_format_json_quote_64bit_integers: 1 };

/**
 * On a cluster (CLICKHOUSE_CLUSTER): an INSERT into a Distributed table returns once every shard
 * stored its rows on a majority of its replicas, so a read right after it (any replica) sees them.
 */
export const CLUSTER_CLIENT_SETTINGS: ClickHouseSettings = { distributed_foreground_insert: 1, insert_quorum: 'auto' };

const infos = new WeakMap<ClickHouseClient, ConnectionInfo>();
const secrets = new WeakMap<ClickHouseClient, string[]>();

/**
 * The kit's way to reach ClickHouse; returns the official client.
 * - CLICKHOUSE_URL set: that server over HTTP(S) (Docker, remote, cloud, the local endpoint).
 * - otherwise, when the local stack's endpoint owns the data folder: that endpoint;
 * - otherwise: the embedded engine in this process (chDB), data in CLICKHOUSE_DATA_PATH.
 */
export function connect(options: ConnectOptions = {}): ClickHouseClient {
  const config = options.config ?? loadConfig();
  const ch = config.clickhouse;
  const database = options.database ?? ch.database;
  const clickhouse_settings = {
    ...KIT_CLIENT_SETTINGS,
    ...(ch.cluster ? CLUSTER_CLIENT_SETTINGS : {}),
    ...options.clickhouse_settings,
  };

  const owner = ch.url || options.mode === 'embedded' ? undefined : readDataFolderOwner(ch.dataPath);
  const url = ch.url ?? (owner && owner.pid !== process.pid ? owner.url : undefined);
  if (url) {
    // A URL that is the local endpoint's own (as the stack hands it to kernels) is still the local endpoint.
    const local = !ch.url || readDataFolderOwner(ch.dataPath)?.url === ch.url;
    const request_timeout = options.request_timeout ?? 300_000;
    const log = { level: options.logLevel ?? ClickHouseLogLevel.OFF };
    const client =
      local && (options.transport ?? 'kit') === 'kit'
        ? createClient({
            connection: new KitHttpConnection({
              url,
              username: ch.user,
              password: ch.password.reveal(),
              database,
              requestTimeoutMs: request_timeout,
              application: 'clickhouse-notebook-kit',
            }),
            clickhouse_settings,
            log,
          })
        : createClient({
            url,
            username: ch.user,
            password: ch.password.reveal(),
            database,
            // Progress headers keep long queries (bulk loads, merges) alive through idle-timeout proxies.
            clickhouse_settings: {
              send_progress_in_http_headers: 1,
              http_headers_progress_interval_ms: '20000',
              ...clickhouse_settings,
            },
            application: 'clickhouse-notebook-kit',
            log,
            request_timeout,
          });
    infos.set(client, {
      mode: local ? 'local-endpoint' : 'server',
      url,
      dataPath: undefined,
      database,
      user: ch.user,
      cluster: ch.cluster,
    });
    secrets.set(client, secretsOf(config));
    return client;
  }

  const engine = EmbeddedEngine.acquire(engineOptionsFor(config, database));
  const connection = new EmbeddedConnection(engine, { database, user: ch.user, onClose: () => engine.release() });
  const client = createClient({
    connection,
    clickhouse_settings,
    log: { level: options.logLevel ?? ClickHouseLogLevel.OFF },
  });
  infos.set(client, {
    mode: 'embedded',
    url: undefined,
    dataPath: ch.dataPath,
    database,
    user: ch.user,
    cluster: ch.cluster,
  });
  secrets.set(client, secretsOf(config));
  return client;
}

/** How a client returned by {@link connect} reaches ClickHouse. */
export function connectionInfo(client: ClickHouseClient): ConnectionInfo | undefined {
  return infos.get(client);
}

/** Secret values a client was configured with, to scrub from any text about it. */
export function clientSecrets(client: ClickHouseClient): string[] {
  return secrets.get(client) ?? [];
}
