import { afterAll } from 'vitest';
import { connect, connectionInfo } from '../../lib/clickhouse';
import { Secret } from '../../lib/config';
import { clickhouseSuite } from '../helpers/clickhouse-suite';
import { startTestEndpoint, type TestEndpoint } from './endpoint-fixture';

// The foundation's suite through the local endpoint, reached the way notebooks reach it: connect()
// finds the endpoint that owns the data folder (no CLICKHOUSE_URL).
let endpoint: TestEndpoint | undefined;

clickhouseSuite('local endpoint', async () => {
  endpoint = await startTestEndpoint('suite');
  const config = endpoint.config;
  const client = connect({ config });
  const info = connectionInfo(client);
  if (info?.mode !== 'local-endpoint' || info.url !== endpoint.url) throw new Error(`expected the local endpoint, got ${JSON.stringify(info)}`);
  const password = `wrong-${Date.now()}-password`;
  const wrong = connect({ config: { ...config, clickhouse: { ...config.clickhouse, password: new Secret(password) } } });
  return { client, database: config.clickhouse.database, wrongPassword: { client: wrong, password } };
});

afterAll(async () => {
  await endpoint?.dispose();
});
