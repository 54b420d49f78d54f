import { describe } from 'vitest';
import { connect, connectionInfo } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import { lakeJsonSuite } from '../helpers/lake-json-suite';

// `CLICKHOUSE_URL=http://host:8123 npm run test:server`: the same flows against clickhouse-server
// (the Docker stack loads the `lake` collection from compose/config/config.d/).
const url = process.env.CLICKHOUSE_URL;
if (url) {
  lakeJsonSuite(`server ${url}`, async () => {
    const config = loadConfig();
    const client = connect({ config });
    if (connectionInfo(client)?.mode === 'embedded') throw new Error('expected a server connection');
    return { client, config, close: () => client.close() };
  });
} else {
  describe.skip('semi-structured JSON on the lake (server): set CLICKHOUSE_URL to run', () => undefined);
}
