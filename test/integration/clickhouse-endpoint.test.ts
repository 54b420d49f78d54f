import { afterAll } from 'vitest';
import { connect, connectionInfo, type ConnectOptions } from '../../lib/clickhouse';
import { Secret } from '../../lib/config';
import { clickhouseSuite } from '../helpers/clickhouse-suite';
import { startTestEndpoint, type TestEndpoint } from './endpoint-fixture';

// The foundation's suite through the local endpoint, reached the way notebooks reach it: connect()
// finds the endpoint that owns the data folder (no CLICKHOUSE_URL). Once over the kit's own HTTP
// transport (connect()'s default for the local endpoint), once over @clickhouse/client's.
const endpoints: TestEndpoint[] = [];

for (const transport of ['kit', 'official'] as const) {
  clickhouseSuite(`local endpoint (${transport} HTTP transport)`, async () => {
    const endpoint = await startTestEndpoint(`suite-${transport}`);
    endpoints.push(endpoint);
    const config = endpoint.config;
    const options: ConnectOptions = { transport };
    const client = connect({ config, ...options });
    const info = connectionInfo(client);
    if (info?.mode !== 'local-endpoint' || info.url !== endpoint.url) throw new Error(`expected the local endpoint, got ${JSON.stringify(info)}`);
    const password = `wrong-${Date.now()}-password`;
    const wrong = connect({ config: { ...config, clickhouse: { ...config.clickhouse, password: new Secret(password) } }, ...options });
    return { client, database: config.clickhouse.database, wrongPassword: { client: wrong, password } };
  });
}

afterAll(async () => {
  for (const endpoint of endpoints) await endpoint.dispose();
});
