import { connect } from '../../lib/clickhouse';
import { observabilitySuite } from '../helpers/observability-suite';
import { startTestEndpoint } from './endpoint-fixture';

// The local endpoint (a separate process over the embedded engine) has no system.query_log
// either: the helpers read the same _kit.query_log through HTTP.
observabilitySuite('local endpoint', async () => {
  const ep = await startTestEndpoint('observability');
  // No CLICKHOUSE_URL: connect() finds the endpoint that owns the data folder.
  const client = connect({ config: ep.config });
  return { client, config: ep.config, mode: 'local-endpoint', close: () => ep.dispose() };
});
