import type { ClickHouseClient } from '@clickhouse/client';
import { connectionInfo, queryOne } from '../clickhouse';
import { LakeError } from './errors';

/**
 * The named collection every lake query goes through. It is defined in the ClickHouse XML
 * config (compose/config/config.d/named-collections.xml) with `from_env` values: SQL written by
 * the kit names the collection and never holds a credential.
 */
export const LAKE_COLLECTION = 'lake';

const checked = new WeakSet<ClickHouseClient>();

/** Fails with a clear message when the connected ClickHouse does not define the `lake` collection. */
export async function ensureLakeCollection(client: ClickHouseClient): Promise<void> {
  if (checked.has(client)) return;
  let found: { n: string } | undefined;
  try {
    found = await queryOne<{ n: string }>(
      client,
      'SELECT count() AS n FROM system.named_collections WHERE name = {name:String}',
      { name: LAKE_COLLECTION },
    );
  } catch {
    // A server user without SHOW NAMED COLLECTIONS rights cannot look; let the query itself tell.
    checked.add(client);
    return;
  }
  if (Number(found?.n ?? 0) === 0) {
    const mode = connectionInfo(client)?.mode;
    const where =
      mode === 'embedded'
        ? 'The embedded engine loads it from compose/config/config.xml (config.d/named-collections.xml); check CLICKHOUSE_CONFIG_FILE.'
        : 'The server must load compose/config/config.d/named-collections.xml (the Docker stack mounts it into /etc/clickhouse-server/config.d/).';
    throw new LakeError(
      `This ClickHouse has no named collection "${LAKE_COLLECTION}", which lake queries use for the S3 location and credentials. ${where}`,
    );
  }
  checked.add(client);
}
