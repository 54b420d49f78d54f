import { describe } from 'vitest';
import { connect, connectionInfo } from '../../lib/clickhouse';
import { loadConfig, Secret } from '../../lib/config';
import { clickhouseSuite } from '../helpers/clickhouse-suite';

// `CLICKHOUSE_URL=http://host:8123 npm run test:server`: the same suite against any server.
const url = process.env.CLICKHOUSE_URL;
if (url) {
  clickhouseSuite(`server ${url}`, async () => {
    const config = loadConfig();
    const client = connect({ config });
    if (connectionInfo(client)?.mode === 'embedded') throw new Error('expected a server connection');
    const password = `wrong-${Date.now()}-password`;
    const wrong = connect({
      config: { ...config, clickhouse: { ...config.clickhouse, password: new Secret(password) } },
    });
    return { client, database: config.clickhouse.database, wrongPassword: { client: wrong, password } };
  });
} else {
  describe.skip('ClickHouse access (server): set CLICKHOUSE_URL to run', () => undefined);
}
