import { describe } from 'vitest';
import { connect, connectionInfo } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import { icebergSuite } from '../helpers/iceberg-suite';

// `CLICKHOUSE_URL=http://host:8123 npm run test:server`: the Iceberg flows against a server, e.g. the
// Docker stack's clickhouse-server (its `lake` collection from compose/config/config.d, the profile
// in compose/config/users.d/iceberg.xml). S3_ENDPOINT must reach the same bucket from this machine,
// since the read outside ClickHouse (pyarrow + fastavro) runs here.
const url = process.env.CLICKHOUSE_URL;
if (url) {
  icebergSuite(`server ${url}`, async () => {
    const config = loadConfig();
    const client = connect({ config });
    if (connectionInfo(client)?.mode === 'embedded') throw new Error('expected a server connection');
    return { client, config };
  });
} else {
  describe.skip('Iceberg tables (server): set CLICKHOUSE_URL to run', () => undefined);
}
