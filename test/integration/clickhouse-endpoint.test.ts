import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { connect, connectionInfo, type ConnectionMode } from '../../lib/clickhouse';
import { loadConfig, Secret, type KitConfig } from '../../lib/config';
import { clickhouseSuite } from '../helpers/clickhouse-suite';
import { startTestEndpoint, type TestEndpoint } from './endpoint-fixture';

// The foundation's suite through the local endpoint, twice:
// - reached the way notebooks reach it: connect() finds the endpoint that owns the data folder
//   (no CLICKHOUSE_URL) and talks to it over the kit's own HTTP transport;
// - reached by CLICKHOUSE_URL from a script with no access to the data folder, as any server is:
//   over @clickhouse/client's own HTTP transport.
const cleanups: Array<() => Promise<void>> = [];

const ways: Array<{ name: string; mode: ConnectionMode; config: (ep: TestEndpoint) => KitConfig }> = [
  { name: 'found through the data folder, kit HTTP transport', mode: 'local-endpoint', config: (ep) => ep.config },
  {
    name: 'by CLICKHOUSE_URL, official HTTP transport',
    mode: 'server',
    config: (ep) => {
      const elsewhere = mkdtempSync(join(tmpdir(), 'kit-endpoint-by-url-'));
      cleanups.push(async () => rmSync(elsewhere, { recursive: true, force: true }));
      return loadConfig({
        env: {
          ...process.env,
          ...ep.env,
          CLICKHOUSE_URL: ep.url,
          KIT_STORAGE_DIR: elsewhere,
          CLICKHOUSE_DATA_PATH: join(elsewhere, 'clickhouse'),
        },
      });
    },
  },
];

for (const way of ways) {
  clickhouseSuite(`local endpoint (${way.name})`, async () => {
    const endpoint = await startTestEndpoint(`suite-${way.mode}`);
    cleanups.push(() => endpoint.dispose());
    const config = way.config(endpoint);
    const client = connect({ config });
    const info = connectionInfo(client);
    if (info?.mode !== way.mode || info.url !== endpoint.url)
      throw new Error(`expected the endpoint as ${way.mode}, got ${JSON.stringify(info)}`);
    const password = `wrong-${Date.now()}-password`;
    const wrong = connect({
      config: { ...config, clickhouse: { ...config.clickhouse, password: new Secret(password) } },
    });
    return { client, database: config.clickhouse.database, wrongPassword: { client: wrong, password } };
  });
}

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
