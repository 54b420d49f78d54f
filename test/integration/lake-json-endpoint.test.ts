import { connect } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import { startS3Server } from '../../scripts/stack/s3-server';
import { lakeJsonSuite } from '../helpers/lake-json-suite';
import { startTestEndpoint } from './endpoint-fixture';

// The local endpoint: a separate process over the embedded engine, reached over HTTP.
lakeJsonSuite('local endpoint', async () => {
  await startS3Server(loadConfig());
  const ep = await startTestEndpoint('lake-json');
  // No CLICKHOUSE_URL: connect() finds the endpoint that owns the data folder.
  const client = connect({ config: ep.config });
  return {
    client,
    config: ep.config,
    close: async () => {
      await client.close();
      await ep.dispose();
    },
  };
});
